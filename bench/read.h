// Issue #6's read benchmark: area totals requests per second from publication over gRPC
// (GetAreaTotals) and HTTP (/v1/GetAreaTotals), next to redis-benchmark's GET rate against the
// same Redis in the same run.
#pragma once

#include <chrono>
#include <string>

#include "common/base/result.h"
#include "common/domain/registry.h"

namespace hattama::bench {

struct ReadOptions {
  std::string grpc_address;  // publication's gRPC "host:port"
  std::string http_address;  // publication's HTTP "host:port"
  int redis_port = 0;
  std::chrono::milliseconds duration{5'000};
  // Client threads, each with its own connection, one request in flight each.
  int clients = 4;
  int64_t redis_requests = 200'000;
};

struct ReadRates {
  double grpc_per_second = 0;
  double http_per_second = 0;
  double redis_get_per_second = 0;            // 50 clients, one request in flight each
  double redis_get_pipelined_per_second = 0;  // 50 clients, 16 requests in flight each
  int64_t errors = 0;                         // non-OK answers (not counted in the rates)
};

// Every client asks for the totals of a random area (nation, region or district) x contest held
// there, as a portal's visitors would.
Result<ReadRates> ReadRate(const domain::Registry& registry, const ReadOptions& options);

}  // namespace hattama::bench
