#include "services/publication/deployment_service.h"

#include <charconv>
#include <unordered_map>

#include "common/base/status_grpc.h"

namespace hattama::publication {
namespace {

// Must match the key aggregation writes (services/aggregation/deployment_applier.h); publication
// does not link aggregation.
constexpr char kDeploymentCountsKey[] = "{deployment}:counts";

void Fill(const std::unordered_map<std::string, int64_t>& counts, const v1::Area& area,
          v1::DeploymentFigures* figures) {
  auto get = [&](const char* counter) -> int64_t {
    auto it = counts.find(area.area_id() + "|" + counter);
    return it == counts.end() ? 0 : it->second;
  };
  figures->set_area_id(area.area_id());
  figures->set_name(area.name());
  figures->set_mandates_sent(get("mandates_sent"));
  figures->set_mandates_handed_out(get("mandates_handed_out"));
  figures->set_observers_admitted(get("observers_admitted"));
  figures->set_observers_refused(get("observers_refused"));
  figures->set_observers_removed(get("observers_removed"));
  figures->set_stations_covered(get("stations_covered"));
  figures->set_protocols_obtained(get("protocols_obtained"));
  figures->set_protocols_refused(get("protocols_refused"));
  figures->set_protocols_confiscated(get("protocols_confiscated"));
  figures->set_protocols_not_obtained(
      std::max<int64_t>(0, figures->mandates_sent() - figures->protocols_obtained()));
}

}  // namespace

DeploymentService::DeploymentService(std::shared_ptr<const domain::Registry> registry,
                                     std::shared_ptr<ConnectionPool> redis)
    : registry_(std::move(registry)), redis_(std::move(redis)) {}

Result<std::unordered_map<std::string, int64_t>> DeploymentService::ReadCounts() {
  auto lease = redis_->Acquire();
  if (!lease.ok())
    return Status::Unavailable("deployment store unavailable: " + lease.status().message());
  auto reply = (*lease)->Run({"HGETALL", kDeploymentCountsKey});
  if (!reply.ok()) {
    lease->MarkBroken();
    return Status::Unavailable("deployment store unavailable: " + reply.status().message());
  }
  if (reply->is_error()) return Status::Internal("redis answered: " + reply->str);
  std::unordered_map<std::string, int64_t> counts;
  for (size_t i = 0; i + 1 < reply->elements.size(); i += 2) {
    const std::string& value = reply->elements[i + 1].str;
    int64_t count = 0;
    std::from_chars(value.data(), value.data() + value.size(), count);
    counts[reply->elements[i].str] = count;
  }
  return counts;
}

grpc::Status DeploymentService::GetDeploymentTable(grpc::ServerContext*,
                                                   const v1::GetDeploymentTableRequest*,
                                                   v1::DeploymentTable* response) {
  auto counts = ReadCounts();
  if (!counts.ok()) return ToGrpc(counts.status());
  const v1::Area* nation = registry_->FindArea(registry_->nation_id());
  if (nation == nullptr) return ToGrpc(Status::Internal("no nation area"));
  Fill(*counts, *nation, response->mutable_nation());
  for (const auto& area : registry_->election().areas()) {
    if (area.kind() == v1::AREA_KIND_REGION) Fill(*counts, area, response->add_regions());
  }
  return grpc::Status::OK;
}

}  // namespace hattama::publication
