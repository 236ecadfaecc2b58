#!/bin/sh
# Run in every Redis pod after redis-server starts (postStart). A restarted pod has a new IP; it
# tells its peers itself (it announces its pod IP), so one pod at a time heals without help. But
# when every pod restarts at once (a cluster-wide outage), every node's nodes.conf names only the
# old IPs and no node can reach another: so a node that was in a cluster meets every node of NODES
# again at its current IP. A node in no cluster yet is left alone (the create Job introduces it);
# meeting a node it already knows at its current address changes nothing. Best effort: it never
# fails the pod, and it gives up when the node does not answer within WAIT_SECONDS (120; it
# answers LOADING while it reads a large AOF).
#
#   rejoin.sh [this node's ip:port, default $POD_IP:6379]
#   NODES  "host:port host:port ..." every node, the StatefulSet's pods by name
self=${1:-${POD_IP:-127.0.0.1}:6379}
deadline=$(($(date +%s) + ${WAIT_SECONDS:-120}))
local_redis() { redis-cli -h "${self%:*}" -p "${self##*:}" "$@" 2>/dev/null; }

until [ "$(local_redis ping)" = PONG ]; do
  [ "$(date +%s)" -lt "$deadline" ] || exit 0
  sleep 1
done
known=$(local_redis cluster info | tr -d '\r' | sed -n 's/^cluster_known_nodes://p')
[ "${known:-1}" -gt 1 ] || exit 0

for node in ${NODES:-}; do
  ip=$(getent ahosts "${node%:*}" | awk '{ print $1; exit }')
  if [ -z "$ip" ] || [ "$ip:${node##*:}" = "$self" ]; then continue; fi
  local_redis cluster meet "$ip" "${node##*:}" >/dev/null
done
exit 0
