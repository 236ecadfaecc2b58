// A real Redis Cluster for tests, 3 masters and 3 replicas by default: the stack's
// (tools/stack/redis_cluster.h), which the whole stack, the demo and the benchmark start too.
// Link hattama_stack.
#pragma once

#include "tools/stack/redis_cluster.h"

namespace hattama::testing {

using RedisCluster = stack::RedisCluster;

}  // namespace hattama::testing
