#include "services/publication/deployment_service.h"

#include <algorithm>
#include <string_view>

#include "common/base/status_grpc.h"
#include "common/redis/layout.h"

namespace hattama::publication {
namespace {

void Fill(const DeploymentCounts& counts, const v1::Area& area, v1::DeploymentFigures* figures) {
  auto get = [&](std::string_view counter) -> int64_t {
    auto it = counts.find(redis::layout::DeploymentCountField(area.area_id(), counter));
    return it == counts.end() ? 0 : it->second;
  };
  namespace layout = redis::layout;
  figures->set_area_id(area.area_id());
  figures->set_name(area.name());
  figures->set_mandates_sent(get(layout::kMandatesSent));
  figures->set_mandates_handed_out(get(layout::kMandatesHandedOut));
  figures->set_observers_admitted(get(layout::kObserversAdmitted));
  figures->set_observers_refused(get(layout::kObserversRefused));
  figures->set_observers_removed(get(layout::kObserversRemoved));
  figures->set_stations_covered(get(layout::kStationsCovered));
  figures->set_protocols_obtained(get(layout::kProtocolsObtained));
  figures->set_protocols_refused(get(layout::kProtocolsRefused));
  figures->set_protocols_confiscated(get(layout::kProtocolsConfiscated));
  figures->set_protocols_not_obtained(
      std::max<int64_t>(0, figures->mandates_sent() - figures->protocols_obtained()));
}

}  // namespace

DeploymentService::DeploymentService(std::shared_ptr<PublishedStore> store)
    : store_(std::move(store)) {}

grpc::Status DeploymentService::GetDeploymentTable(grpc::ServerContext*,
                                                   const v1::GetDeploymentTableRequest*,
                                                   v1::DeploymentTable* response) {
  auto counts = store_->ReadDeploymentCounts();
  if (!counts.ok()) return ToGrpc(counts.status());
  const domain::Registry& registry = store_->registry();
  const v1::Area* nation = registry.FindArea(registry.nation_id());
  if (nation == nullptr) return ToGrpc(Status::Internal("no nation area"));
  Fill(*counts, *nation, response->mutable_nation());
  for (const auto& area : registry.election().areas()) {
    if (area.kind() == v1::AREA_KIND_REGION) Fill(*counts, area, response->add_regions());
  }
  return grpc::Status::OK;
}

}  // namespace hattama::publication
