#include "common/http/limit_flags.h"

#include <algorithm>
#include <cstdint>

#include "common/config/config.h"

namespace hattama::http {
namespace {

double Seconds(std::chrono::milliseconds value) {
  return static_cast<double>(value.count()) / 1000;
}

std::chrono::milliseconds Milliseconds(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

}  // namespace

LimitFlags::LimitFlags(const ConnectionLimits& defaults)
    : max_connections(static_cast<int>(defaults.max_connections)),
      max_connections_per_address(static_cast<int>(defaults.max_connections_per_address)),
      request_timeout(Seconds(defaults.request_timeout)),
      keep_alive_timeout(Seconds(defaults.keep_alive_timeout)),
      keep_alive_max_requests(static_cast<int>(defaults.keep_alive_max_requests)) {}

ConnectionLimits LimitFlags::ToLimits(ConnectionLimits limits) const {
  limits.max_connections = static_cast<std::size_t>(std::max(0, max_connections));
  limits.max_connections_per_address =
      static_cast<std::size_t>(std::max(0, max_connections_per_address));
  limits.request_timeout = Milliseconds(request_timeout);
  limits.keep_alive_timeout = Milliseconds(keep_alive_timeout);
  limits.keep_alive_max_requests = static_cast<std::size_t>(std::max(1, keep_alive_max_requests));
  return limits;
}

void AddLimitFlags(CLI::App& app, LimitFlags& flags, bool with_max_connections) {
  if (with_max_connections) {
    config::AddFlag(app, "http-max-connections", flags.max_connections,
                    "HTTP connections open at once, at most; beyond: 503 and closed")
        ->check(CLI::Range(1, 1000000));
  }
  config::AddFlag(app, "http-max-connections-per-address", flags.max_connections_per_address,
                  "HTTP connections open at once from one client address; beyond: 503 and "
                  "closed; 0: no cap (behind a reverse proxy or CDN, where every client has its "
                  "address)")
      ->check(CLI::Range(0, 1000000));
  config::AddFlag(app, "http-request-timeout", flags.request_timeout,
                  "Seconds from a request's first byte to its end; a slower request (slowloris) "
                  "is dropped")
      ->check(CLI::Range(0.1, 3600.0));
  config::AddFlag(app, "http-keep-alive-timeout", flags.keep_alive_timeout,
                  "Seconds a connection may wait for its first or next request before it is "
                  "closed")
      ->check(CLI::Range(0.1, 3600.0));
  config::AddFlag(app, "http-keep-alive-max-requests", flags.keep_alive_max_requests,
                  "Requests served on one HTTP connection before it is closed")
      ->check(CLI::Range(1, 1000000));
}

}  // namespace hattama::http
