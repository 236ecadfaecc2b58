#!/bin/sh
# Makes NODES one Redis Cluster, once: run by the Job hattama-redis-cluster-create at every
# `kubectl apply` (the finished Job is deleted after a minute), so it must be harmless to repeat.
#   - No node knows another yet: `redis-cli --cluster create` with REPLICAS_PER_MASTER replicas
#     for each master (the first NODES/(1+REPLICAS_PER_MASTER) nodes become the masters).
#   - The cluster exists: nothing to create. A node that knows no other joins it: as a master
#     while the cluster has fewer than NODES/(1+REPLICAS_PER_MASTER) (NODES grew: a new shard),
#     else as a replica of the master with the fewest replicas (a pod came back on an empty
#     volume; the identity it had before is forgotten). New masters then get their share of the
#     slots (`redis-cli --cluster rebalance`, which moves keys while the services keep writing).
# Then it waits until every node reports cluster_state:ok and `redis-cli --cluster check` passes.
#
#   NODES                "host:port host:port ..." every node, the StatefulSet's pods by name
#   REPLICAS_PER_MASTER  replicas each master gets (1)
#   WAIT_SECONDS         how long to wait for the nodes to answer and agree (600)
set -eu
: "${NODES:?}" "${REPLICAS_PER_MASTER:?}"
deadline=$(($(date +%s) + ${WAIT_SECONDS:-600}))

# host:port -> ip:port. redis-cli --cluster takes addresses; a pod's name is stable, its IP is not.
resolve() {
  ip=$(getent ahosts "${1%:*}" | awk '{ print $1; exit }')
  [ -n "$ip" ] && echo "$ip:${1##*:}"
}

# ip:port field -> that field of the node's CLUSTER INFO.
cluster_info() {
  redis-cli -h "${1%:*}" -p "${1##*:}" cluster info 2>/dev/null | tr -d '\r' | sed -n "s/^$2://p"
}

# The cluster as $member sees it: CLUSTER NODES, a line a node (id address flags master ... slots).
all_nodes() {
  redis-cli -h "${member%:*}" -p "${member##*:}" cluster nodes
}

# Its live nodes: not failed (a master that failed over is no master any more, whatever its pod
# does next) and with an address.
live_nodes() {
  all_nodes | awk '$3 !~ /(^|,)fail(,|$)/ && $3 !~ /noaddr/'
}

# redis-cli refuses to add a node or move slots until every node agrees on the cluster (a node just
# added takes a moment to be known everywhere). Its check exits 0 also when they do not agree.
until_agreed() {
  until redis-cli --cluster check "$member" 2>&1 | grep -q 'All nodes agree' &&
      ! redis-cli --cluster check "$member" 2>&1 | grep -q 'ERR'; do
    before_deadline "the nodes do not agree about the cluster"
    sleep 1
  done
}

# Waits until $member knows the node with id $1 (past the handshake).
until_known() {
  until all_nodes | awk -v id="$1" '$1 == id && $3 !~ /handshake/' | grep -q .; do
    before_deadline "$member does not know the node $1"
    sleep 1
  done
}

before_deadline() {
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "create-cluster: $1 after ${WAIT_SECONDS:-600} s" >&2
    exit 1
  fi
}

addresses=""
for node in $NODES; do
  until address=$(resolve "$node") &&
      [ "$(redis-cli -h "${address%:*}" -p "${address##*:}" ping 2>/dev/null)" = PONG ]; do
    before_deadline "$node does not answer"
    sleep 2
  done
  addresses="$addresses $address"
done

member=""
lone=""
for address in $addresses; do
  if [ "$(cluster_info "$address" cluster_known_nodes)" -gt 1 ]; then
    member=$address
  else
    lone="$lone $address"
  fi
done

if [ -z "$member" ]; then
  echo "create-cluster: creating the cluster of$addresses"
  # shellcheck disable=SC2086  # one argument per address
  redis-cli --cluster create $addresses --cluster-replicas "$REPLICAS_PER_MASTER" --cluster-yes
  member=${addresses# }
  member=${member%% *}
else
  echo "create-cluster: the cluster exists ($member knows it); nothing to create"
  wanted=$(($(echo "$NODES" | wc -w) / (1 + REPLICAS_PER_MASTER)))
  masters=$(live_nodes | awk '$3 ~ /master/' | wc -l)
  new_master=""
  new_master_replicas=0
  for address in $lone; do
    until_agreed
    if [ "$masters" -lt "$wanted" ]; then
      echo "create-cluster: $address knows no other node: adding it as a new master"
      redis-cli --cluster add-node "$address" "$member"
      masters=$((masters + 1))
      new_master=$(redis-cli -h "${address%:*}" -p "${address##*:}" cluster myid)
      new_master_replicas=0
      until_known "$new_master"
    elif [ -n "$new_master" ]; then
      echo "create-cluster: $address knows no other node: adding it as a replica of the new master"
      redis-cli --cluster add-node "$address" "$member" --cluster-slave \
        --cluster-master-id "$new_master"
      new_master_replicas=$((new_master_replicas + 1))
      [ "$new_master_replicas" -lt "$REPLICAS_PER_MASTER" ] || new_master=""
    else
      echo "create-cluster: $address knows no other node (an empty volume): adding it as a replica"
      redis-cli --cluster add-node "$address" "$member" --cluster-slave
    fi
  done
  # A node back on an empty volume left its old identity behind without an address (noaddr).
  for id in $(all_nodes | awk '$3 ~ /noaddr/ { print $1 }'); do
    redis-cli --cluster call "$member" cluster forget "$id"
  done
  if [ -n "$(live_nodes | awk '$3 ~ /master/ && NF == 8')" ]; then
    echo "create-cluster: moving slots to the new masters"
    until_agreed
    redis-cli --cluster rebalance "$member" --cluster-use-empty-masters
  fi
fi

for address in $addresses; do
  until [ "$(cluster_info "$address" cluster_state)" = ok ]; do
    before_deadline "$address does not report cluster_state:ok"
    sleep 1
  done
done
redis-cli --cluster check "$member"
