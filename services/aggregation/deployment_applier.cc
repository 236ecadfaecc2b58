#include "services/aggregation/deployment_applier.h"

#include <spdlog/spdlog.h>

#include <thread>

#include "common/kafka/topics.h"
#include "hattama/v1/records.pb.h"
#include "services/aggregation/deployment_lua.h"

namespace hattama::aggregation {

std::string DeploymentCounter(int kind) {
  switch (kind) {
    case v1::DEPLOYMENT_EVENT_KIND_MANDATE_SENT:
      return std::string(redis::layout::kMandatesSent);
    case v1::DEPLOYMENT_EVENT_KIND_MANDATE_HANDED_OUT:
      return std::string(redis::layout::kMandatesHandedOut);
    case v1::DEPLOYMENT_EVENT_KIND_OBSERVER_ADMITTED:
      return std::string(redis::layout::kObserversAdmitted);
    case v1::DEPLOYMENT_EVENT_KIND_OBSERVER_REFUSED:
      return std::string(redis::layout::kObserversRefused);
    case v1::DEPLOYMENT_EVENT_KIND_OBSERVER_REMOVED:
      return std::string(redis::layout::kObserversRemoved);
    case v1::DEPLOYMENT_EVENT_KIND_PROTOCOL_OBTAINED:
      return std::string(redis::layout::kProtocolsObtained);
    case v1::DEPLOYMENT_EVENT_KIND_PROTOCOL_REFUSED:
      return std::string(redis::layout::kProtocolsRefused);
    case v1::DEPLOYMENT_EVENT_KIND_PROTOCOL_CONFISCATED:
      return std::string(redis::layout::kProtocolsConfiscated);
    default:
      return "";
  }
}

std::optional<redis::Command> DeploymentCall(const redis::Script& script,
                                             const domain::Registry& registry,
                                             const v1::DeploymentEvent& event) {
  const domain::Station* station = registry.FindStation(event.station_id());
  std::string counter = DeploymentCounter(event.kind());
  if (station == nullptr || counter.empty() || event.event_id().empty()) return std::nullopt;
  // Counted in the station's district, region and nation (so that a city district has its row),
  // and in its organisation's scope.
  std::vector<std::string> args = {event.event_id(), std::move(counter), station->station_id()};
  for (const v1::Area* area : registry.EnclosingAreas(*station)) args.push_back(area->area_id());
  if (!event.organisation_id().empty()) {
    args.push_back(redis::layout::DeploymentOrganisationScope(event.organisation_id()));
  }
  return script.Call({redis::layout::DeploymentEventsKey(), redis::layout::DeploymentCountsKey(),
                      redis::layout::DeploymentCoveredKey()},
                     args);
}

Result<std::unique_ptr<DeploymentApplier>> DeploymentApplier::Create(
    const DeploymentOptions& options, std::shared_ptr<const domain::Registry> registry) {
  std::unique_ptr<DeploymentApplier> applier(new DeploymentApplier());
  applier->options_ = options;
  applier->registry_ = std::move(registry);
  auto redis = redis::ConnectClient(options.redis);
  if (!redis.ok()) return redis.status();
  applier->redis_ = std::move(redis).value();
  applier->script_ = std::make_unique<redis::Script>(kDeploymentLua);
  if (Status loaded = applier->redis_->LoadScript(*applier->script_); !loaded.ok()) return loaded;
  auto consumer =
      kafka::Consumer::Create(options.kafka_bootstrap, options.group, {kafka::kDeploymentTopic});
  if (!consumer.ok()) return consumer.status();
  applier->consumer_ = std::move(consumer).value();
  return applier;
}

Result<size_t> DeploymentApplier::RunOnce(std::chrono::milliseconds poll_timeout) {
  auto batch = consumer_->Poll(options_.batch_size, poll_timeout);
  if (!batch.ok()) return batch.status();
  if (batch->empty()) return size_t{0};
  std::vector<redis::Command> calls;
  for (const auto& message : *batch) {
    v1::DeploymentEvent event;
    std::optional<redis::Command> call;
    if (event.ParseFromString(message.value)) call = DeploymentCall(*script_, *registry_, event);
    // Ingestion validated it; a record that still does not fit is skipped, never a stuck group.
    if (!call) {
      spdlog::warn("deployment record at {}:{} skipped: not a valid event", message.partition,
                   message.offset);
      continue;
    }
    calls.push_back(std::move(*call));
  }
  if (!calls.empty()) {
    auto replies = redis_->RunScript(*script_, calls);
    if (!replies.ok()) return replies.status();
    for (const auto& reply : *replies) {
      if (reply.is_error()) return Status::Error("deployment.lua: " + reply.str);
    }
  }
  if (Status committed = consumer_->Commit(*batch); !committed.ok()) return committed;
  return batch->size();
}

Status DeploymentApplier::Run(const std::atomic<bool>& stop) {
  spdlog::info("consuming {} as group {}, applying to {}", kafka::kDeploymentTopic, options_.group,
               redis_->Describe());
  int failures = 0;
  while (!stop.load()) {
    auto applied = RunOnce(std::chrono::milliseconds(200));
    if (applied.ok()) {
      failures = 0;
      continue;
    }
    // Redis or Kafka away for a moment: reconnect and replay from the committed offsets.
    spdlog::warn("deployment table: {}", applied.status().message());
    if (++failures > 50) return applied.status();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    auto redis = redis::ConnectClient(options_.redis);
    if (redis.ok()) redis_ = std::move(redis).value();
  }
  return Status::Ok();
}

}  // namespace hattama::aggregation
