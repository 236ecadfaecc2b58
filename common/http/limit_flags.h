// The flags of ConnectionLimits (guarded_server.h), declared once for every service with an HTTP
// side: each with its HATTAMA_* environment fallback (common/config) and its default taken from
// the service's own ConnectionLimits, and read back into one.
//
//   --http-max-connections              (only where the service caps its connections in all)
//   --http-max-connections-per-address  0: no cap
//   --http-request-timeout              seconds
//   --http-keep-alive-timeout           seconds
//   --http-keep-alive-max-requests
//
// The byte limits and worker threads stay each service's own flags: what they count differs.
#pragma once

#include <CLI/CLI.hpp>

#include "common/http/guarded_server.h"

namespace hattama::http {

// The flags as a person writes them (seconds, signed counts), before ToLimits.
struct LimitFlags {
  explicit LimitFlags(const ConnectionLimits& defaults);

  // `limits` with the flags' values.
  ConnectionLimits ToLimits(ConnectionLimits limits) const;

  int max_connections;
  int max_connections_per_address;
  double request_timeout;
  double keep_alive_timeout;
  int keep_alive_max_requests;
};

// Declares the flags on `app`, bound to `flags`; --http-max-connections only with
// `with_max_connections`.
void AddLimitFlags(CLI::App& app, LimitFlags& flags, bool with_max_connections);

}  // namespace hattama::http
