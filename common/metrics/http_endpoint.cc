#include "common/metrics/http_endpoint.h"

#include <httplib.h>

#include "common/http/serve_thread.h"

namespace hattama::metrics {

Result<std::unique_ptr<HttpEndpoint>> HttpEndpoint::Start(const std::string& listen,
                                                          const Registry& registry,
                                                          std::function<bool()> healthy) {
  if (listen.empty()) return std::unique_ptr<HttpEndpoint>();
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return Status::Error("metrics address '" + listen + "' is not host:port");
  }
  std::string host = listen.substr(0, colon);
  int port = 0;
  try {
    port = std::stoi(listen.substr(colon + 1));
  } catch (const std::exception&) {
    return Status::Error("metrics address '" + listen + "' has no numeric port");
  }
  std::unique_ptr<HttpEndpoint> endpoint(new HttpEndpoint());
  endpoint->server_ = std::make_unique<httplib::Server>();
  httplib::Server& server = *endpoint->server_;
  // httplib's default adds SO_REUSEPORT, which would let a second process bind the same port and
  // split the scrapes between them; only SO_REUSEADDR (restart over TIME_WAIT) is wanted.
  server.set_socket_options([](int socket) {
    int yes = 1;
    setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  server.Get("/metrics", [&registry](const httplib::Request&, httplib::Response& response) {
    response.set_content(registry.Render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  server.Get("/healthz", [healthy](const httplib::Request&, httplib::Response& response) {
    bool ok = !healthy || healthy();
    response.status = ok ? 200 : 503;
    response.set_content(ok ? "ok\n" : "not ready\n", "text/plain");
  });
  // Liveness: the process answers at all. Readiness (/healthz) may fail while a dependency is
  // down without the orchestrator restarting a process that would only wait for it again.
  server.Get("/livez", [](const httplib::Request&, httplib::Response& response) {
    response.set_content("ok\n", "text/plain");
  });
  if (port == 0) {
    port = server.bind_to_any_port(host);
    if (port < 0) port = 0;
  } else if (!server.bind_to_port(host, port)) {
    port = 0;
  }
  if (port == 0) return Status::Error("cannot listen for metrics on " + listen);
  endpoint->port_ = port;
  endpoint->thread_ = hattama::http::ServeOnThread(server);
  return endpoint;
}

HttpEndpoint::~HttpEndpoint() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace hattama::metrics
