// One of Hattama's own parts, measured beside the raw limits but never one of them: Redis running
// services/aggregation/apply.lua, called by EVALSHA with the keys and arguments aggregation passes
// (services/aggregation/applier.cc) for a station's first protocol, pipelined by the same hiredis
// loop as the raw protocol writes (bench/raw_redis.h), so the two rates compare the Lua with the
// writes it makes.
#pragma once

#include <span>

#include "bench/raw_redis.h"
#include "common/base/result.h"

namespace hattama::bench {

// Script calls per second into a fresh redis-server; every call a new station and submission, so
// every call counts a protocol and moves the totals of its district, region and nation.
Result<double> ApplyScriptRate(std::span<const PreparedProtocol> samples,
                               const RedisWriteOptions& options);

}  // namespace hattama::bench
