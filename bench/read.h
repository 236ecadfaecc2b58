// Issue #6's read benchmark: area totals requests per second from publication over gRPC
// (GetAreaTotals) and HTTP (/v1/GetAreaTotals), from the same client threads as the raw
// ceilings they are held against (unary gRPC echo and Redis GET, bench/raw_grpc.h, raw_redis.h).
#pragma once

#include <chrono>
#include <string>

#include "common/base/result.h"
#include "common/domain/registry.h"

namespace hattama::bench {

// The read benchmark's client threads, and those of the raw ceilings it is held against.
inline constexpr int kReadClients = 4;

struct ReadOptions {
  std::string grpc_address;  // publication's gRPC "host:port"
  std::string http_address;  // publication's HTTP "host:port"
  std::chrono::milliseconds duration{5'000};
  // Client threads, each with its own connection, one request in flight each.
  int clients = kReadClients;
};

struct ReadRates {
  double grpc_per_second = 0;
  double http_per_second = 0;
  int64_t errors = 0;  // non-OK answers (not counted in the rates)
};

// Every client asks for the totals of a random area (nation, region or district) x contest held
// there, as a portal's visitors would.
Result<ReadRates> ReadRate(const domain::Registry& registry, const ReadOptions& options);

}  // namespace hattama::bench
