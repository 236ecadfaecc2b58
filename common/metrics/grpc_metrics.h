// Requests by method and status code, and their latency, for every RPC a gRPC server handles,
// without touching the service code: a server interceptor installed on the ServerBuilder.
//
//   hattama_grpc_requests_total{method="/hattama.v1.PublicationService/GetAreaTotals",code="OK"}
//   hattama_grpc_request_seconds{method="..."}   (for a stream: how long the stream lasted)
#pragma once

#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include <functional>

#include "common/metrics/metrics.h"

namespace hattama::metrics {

// Installs the interceptor on `builder`, reporting to `registry`. Call before BuildAndStart.
void AddGrpcMetrics(grpc::ServerBuilder& builder, Registry& registry = DefaultRegistry());

// Readiness on a server's standard health service: "liveness" SERVING while the process runs, ""
// NOT_SERVING until the returned callback (a HealthWatch's on_change) says ready, and then only
// while ready, so that a dependency outage takes a replica out of its Service without a restart.
std::function<void(bool ready)> ServeReadiness(grpc::HealthCheckServiceInterface* health);

}  // namespace hattama::metrics
