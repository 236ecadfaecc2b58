// The observer deployment table: a consumer of hattama.deployment.v1, in its own consumer group,
// that counts each event once into its district's, region's, nation's and organisation's counters
// in Redis (deployment.lua).
// Offsets are committed only after Redis applied the batch, so a crash replays, never skips, and
// the script ignores events it has already applied.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "common/base/result.h"
#include "common/domain/registry.h"
#include "common/kafka/consumer.h"
#include "common/redis/client.h"
#include "common/redis/layout.h"
#include "hattama/v1/records.pb.h"

namespace hattama::aggregation {

// The counter a kind of event moves (redis::layout::kMandatesSent, ...); "" for an unknown kind.
// The table's keys and counters are those of common/redis/layout.h, which publication reads.
std::string DeploymentCounter(int kind);

// The call of deployment.lua (`script`, loaded from kDeploymentLua) that applies `event`, or none
// for an event that cannot be counted (unknown station or kind, no id).
std::optional<redis::Command> DeploymentCall(const redis::Script& script,
                                             const domain::Registry& registry,
                                             const v1::DeploymentEvent& event);

struct DeploymentOptions {
  std::string kafka_bootstrap = "127.0.0.1:9092";
  // One server or a Redis Cluster (the table's keys share one hash tag: one slot).
  redis::ClientOptions redis{.timeout = std::chrono::seconds(5)};
  std::string group = "hattama-deployment";
  size_t batch_size = 500;
};

class DeploymentApplier {
 public:
  static Result<std::unique_ptr<DeploymentApplier>> Create(
      const DeploymentOptions& options, std::shared_ptr<const domain::Registry> registry);

  // Applies batches until `stop` is set; an error when Redis or Kafka fail for good.
  Status Run(const std::atomic<bool>& stop);
  // One poll, apply and commit; the number of events read.
  Result<size_t> RunOnce(std::chrono::milliseconds poll_timeout);

 private:
  DeploymentApplier() = default;
  DeploymentOptions options_;
  std::shared_ptr<const domain::Registry> registry_;
  std::unique_ptr<kafka::Consumer> consumer_;
  std::unique_ptr<redis::Client> redis_;
  std::unique_ptr<redis::Script> script_;
};

}  // namespace hattama::aggregation
