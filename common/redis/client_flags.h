// The Redis flags of every service and tool that talks to Redis, declared once, each with its
// HATTAMA_* environment fallback (common/config) and bound into one ClientOptions (client.h):
//
//   --redis-address HOST:PORT                   one redis-server; unused with cluster seeds
//   --redis-cluster-seeds HOST:PORT[,HOST:PORT]  any nodes of a Redis Cluster: non-empty, speak
//                                                Redis Cluster to them (default empty)
//   --redis-replica-acks N                       cluster only: each write waits until N replicas
//                                                of its master hold it (WAIT); default 0
//
// After parsing, ValidateClientOptions (client.h) says whether they can work together.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "common/redis/client.h"

namespace hattama::redis {

// Declares the three flags on `app`, bound to `options` (whose values are the defaults shown).
// `holds` says what this program keeps in Redis, for --help ("the totals", "the id claims").
void AddClientFlags(CLI::App& app, ClientOptions& options, const std::string& holds);

}  // namespace hattama::redis
