#include "common/metrics/grpc_metrics.h"

#include <grpcpp/support/server_interceptor.h>

#include <chrono>
#include <memory>
#include <vector>

#include "common/base/status_grpc.h"

namespace hattama::metrics {
namespace {

namespace gx = grpc::experimental;

class MetricsInterceptor : public gx::Interceptor {
 public:
  MetricsInterceptor(gx::ServerRpcInfo* info, Registry& registry)
      : method_(info->method() ? info->method() : "unknown"),
        registry_(registry),
        start_(std::chrono::steady_clock::now()) {}

  void Intercept(gx::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(gx::InterceptionHookPoints::PRE_SEND_STATUS)) {
      grpc::Status status = methods->GetSendStatus();
      std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start_;
      registry_
          .GetCounter("hattama_grpc_requests_total", "gRPC requests handled, by method and code",
                      {{"method", method_}, {"code", CodeName(status.error_code())}})
          .Increment();
      registry_
          .GetHistogram("hattama_grpc_request_seconds",
                        "Time from a request's arrival to its status (a stream's whole life)",
                        LatencyBuckets(), {{"method", method_}})
          .Observe(elapsed.count());
    }
    methods->Proceed();
  }

 private:
  const std::string method_;
  Registry& registry_;
  const std::chrono::steady_clock::time_point start_;
};

class MetricsInterceptorFactory : public gx::ServerInterceptorFactoryInterface {
 public:
  explicit MetricsInterceptorFactory(Registry& registry) : registry_(registry) {}
  gx::Interceptor* CreateServerInterceptor(gx::ServerRpcInfo* info) override {
    return new MetricsInterceptor(info, registry_);  // gRPC owns interceptors it is handed.
  }

 private:
  Registry& registry_;
};

}  // namespace

void AddGrpcMetrics(grpc::ServerBuilder& builder, Registry& registry) {
  std::vector<std::unique_ptr<gx::ServerInterceptorFactoryInterface>> creators;
  creators.push_back(std::make_unique<MetricsInterceptorFactory>(registry));
  builder.experimental().SetInterceptorCreators(std::move(creators));
}

std::function<void(bool)> ServeReadiness(grpc::HealthCheckServiceInterface* health) {
  health->SetServingStatus("", false);
  health->SetServingStatus("liveness", true);
  return [health](bool ready) { health->SetServingStatus("", ready); };
}

}  // namespace hattama::metrics
