#!/bin/sh
# Run before a Redis pod stops (preStop): a master first hands its slots to its replica
# (CLUSTER FAILOVER, coordinated: the master holds its clients, the replica catches up and takes
# over), so that a rollout or a drain moves a master's shard in about a second, nothing lost,
# instead of the node timeout and election of a master that just vanished (6-7 s of waiting
# writes). A replica, or a master whose replica is not connected, just stops; so does a master
# whose handover has not finished within WAIT_SECONDS (10): the cluster then fails it over by
# timeout, as when a pod dies.
#
#   handover.sh [this node's ip:port, default $POD_IP:6379]
self=${1:-${POD_IP:-127.0.0.1}:6379}
deadline=$(($(date +%s) + ${WAIT_SECONDS:-10}))
local_redis() { redis-cli -h "${self%:*}" -p "${self##*:}" "$@" 2>/dev/null; }
role() { local_redis role | head -n 1; }

[ "$(role)" = master ] || exit 0
myid=$(local_redis cluster myid)
# CLUSTER NODES: id ip:port@bus flags master ping pong epoch link-state slots...
replica=$(local_redis cluster nodes | awk -v id="$myid" \
  '$4 == id && $3 ~ /slave/ && $3 !~ /fail/ && $8 == "connected" { print $2; exit }')
replica=${replica%%@*}
[ -n "$replica" ] || exit 0

redis-cli -h "${replica%:*}" -p "${replica##*:}" cluster failover >/dev/null 2>&1
until [ "$(role)" = slave ]; do
  [ "$(date +%s)" -lt "$deadline" ] || exit 0
  sleep 0.2
done
exit 0
