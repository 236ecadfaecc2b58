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
  // A synchronous method (GetElection) over gRPC from one client calling every 20 ms, as a script
  // polling publication would: each call's time, ms. Publication serves it beside callback
  // methods, where gRPC once left such calls unread for up to 100 ms about once a second
  // (services/publication/publication_server.h, GrpcServer).
  double sync_p50_ms = 0;
  double sync_p99_ms = 0;
  double sync_max_ms = 0;
};

// Every client asks for the totals of a random area (nation, region or district) x contest held
// there, as a portal's visitors would.
Result<ReadRates> ReadRate(const domain::Registry& registry, const ReadOptions& options);

}  // namespace hattama::bench
