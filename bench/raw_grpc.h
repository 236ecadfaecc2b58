// The raw limits of gRPC on this machine (the gRPC build Hattama links), on loopback to an echo
// service (bench/echo.proto) that does nothing but answer, in a process of its own as Hattama's
// services are.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>

#include "common/base/result.h"
#include "hattama/v1/ingestion.pb.h"

namespace hattama::bench {

// Answers per second of the stream echo, streamed by the benchmark's hub (bench/load.h) with the
// same streams and window as the end-to-end run: the ceiling of ingestion's answers.
Result<double> GrpcStreamEchoRate(std::span<const v1::Submission> submissions, int streams,
                                  int64_t window);

// Answers per second of the unary echo, one call in flight per client thread, each on its own
// channel as the read benchmark's clients (bench/read.h): the ceiling of GetAreaTotals.
Result<double> GrpcUnaryEchoRate(int clients, std::chrono::milliseconds duration);

// `hattama-bench echo-server`: serves the echo on a free loopback port, writes the port on a line
// of its own to stdout, and stops on SIGTERM or SIGINT; the exit code.
int ServeEcho();

}  // namespace hattama::bench
