#include "common/redis/client_flags.h"

#include "common/config/config.h"

namespace hattama::redis {

void AddClientFlags(CLI::App& app, ClientOptions& options, const std::string& holds) {
  config::AddFlag(app, "redis-address", options.address,
                  "Redis host:port holding " + holds +
                      " (one redis-server; unused with "
                      "--redis-cluster-seeds)");
  // A list as one text, so that the environment variable reads like the flag.
  app.add_option_function<std::string>(
         "--redis-cluster-seeds",
         [&options](const std::string& list) { options.cluster_seeds = SplitSeeds(list); },
         "Any nodes of a Redis Cluster holding " + holds +
             ", host:port[,host:port...]: when given, speak Redis Cluster to them (each key to "
             "its slot's master, following failovers) and --redis-address is unused")
      ->envname(config::EnvName("redis-cluster-seeds"));
  config::AddFlag(app, "redis-replica-acks", options.replica_acks,
                  "Redis Cluster only: each write succeeds only once this many replicas of its "
                  "master hold it (WAIT, up to 1 s), so that an acknowledged write survives the "
                  "loss of its master; 0: masters' answers suffice")
      ->check(CLI::Range(0, 8));
}

}  // namespace hattama::redis
