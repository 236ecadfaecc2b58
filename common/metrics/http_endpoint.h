// The HTTP side of a service's operations: GET /metrics (Prometheus text), GET /healthz
// (200 when ready, 503 when not) and GET /livez (200 while the process serves), on their own port
// so that scraping never competes with the service's gRPC traffic.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "common/base/result.h"
#include "common/metrics/metrics.h"

namespace httplib {
class Server;
}

namespace hattama::metrics {

class HttpEndpoint {
 public:
  // Listens on `listen` ("host:port"; port 0 picks a free one) and serves `registry`. `healthy`
  // answers /healthz; null means always healthy. Fails when the address cannot be bound. An empty
  // `listen` serves nothing and gives a null endpoint: several services on one machine (the local
  // stack, tests) would otherwise fight over one default port.
  static Result<std::unique_ptr<HttpEndpoint>> Start(const std::string& listen,
                                                     const Registry& registry,
                                                     std::function<bool()> healthy = nullptr);
  ~HttpEndpoint();  // Stops listening and waits for the serving thread.
  HttpEndpoint(const HttpEndpoint&) = delete;
  HttpEndpoint& operator=(const HttpEndpoint&) = delete;

  int port() const { return port_; }

 private:
  HttpEndpoint() = default;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace hattama::metrics
