// Plain hiredis loops for the Redis benchmarks: commands written as RESP by the caller, sent over
// several connections with many in flight (pipelined), or one at a time from several client
// threads. Nothing of common/redis in between, so that the rate is Redis's (and this loop's).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "common/base/result.h"

namespace hattama::bench {

// Appends one command, as RESP (the protocol Redis reads), to `out`.
void AppendCommand(std::string& out, std::span<const std::string_view> args);
inline void AppendCommand(std::string& out, std::initializer_list<std::string_view> args) {
  AppendCommand(out, std::span<const std::string_view>(args.begin(), args.size()));
}

// Appends the commands of unit number `unit` (a protocol's writes, a script call) to `out`;
// returns how many commands it appended. Called from several threads at once.
using UnitWriter = std::function<int(int64_t unit, std::string& out)>;

struct PipelineOptions {
  int port = 0;  // redis-server on 127.0.0.1
  int64_t units = 100'000;
  // Connections, each on its own thread, writing `depth` units then reading their replies.
  int connections = 4;
  int depth = 16;
};

// Sends units 0 .. units-1 over the connections; units per second from the first write to the
// last reply. An error when a connection fails or a reply is an error (naming the first).
Result<double> PipelinedRate(const PipelineOptions& options, const UnitWriter& write);

// One command in flight per client: `clients` threads, each on its own connection, sending the
// command `write` appends (given a running number) and waiting for its reply, until `duration`
// passed. Replies per second over all clients.
Result<double> UnpipelinedRate(int port, int clients, std::chrono::milliseconds duration,
                               const std::function<void(int64_t n, std::string& out)>& write);

}  // namespace hattama::bench
