#include "services/ingestion/hub_auth.h"

#include <string_view>

#include "common/domain/checks.h"

namespace hattama::ingestion {

Result<const domain::Hub*> Authenticate(const domain::HubRegistry* hubs,
                                        const grpc::CallbackServerContext& context) {
  if (hubs == nullptr) return static_cast<const domain::Hub*>(nullptr);
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(kAuthorizationHeader);
  if (it == metadata.end()) {
    return Status::Error("no hub token: send 'authorization: Bearer <token>'");
  }
  std::string_view value(it->second.data(), it->second.size());
  constexpr std::string_view kBearer = "Bearer ";
  if (!value.starts_with(kBearer)) {
    return Status::Error("the authorization must be 'Bearer <token>'");
  }
  const domain::Hub* hub = hubs->Authenticate(value.substr(kBearer.size()));
  if (hub == nullptr) return Status::Error("unknown hub token");
  return hub;
}

std::vector<v1::Reason> HubReasons(const domain::Registry& registry, const domain::Hub* hub,
                                   const std::string& hub_id, const domain::Station& station,
                                   const std::string& station_field) {
  std::vector<v1::Reason> reasons;
  if (hub == nullptr) return reasons;
  if (hub_id != hub->hub_id) {
    // The value the hub sent is not repeated: it may be any length (a deployment event's hub_id
    // is checked here even when validation found it too long), and the hub knows what it sent.
    reasons.push_back(
        domain::MakeReason("hub_id", v1::REASON_CODE_HUB_MISMATCH,
                           "hub_id names another hub than the stream's token, which is hub '" +
                               hub->hub_id + "': leave hub_id empty or set it to that"));
  }
  const v1::Area* region_area = registry.RegionOf(station);
  const std::string region = region_area ? region_area->area_id() : "";
  if (!hub->MaySubmitFor(region)) {
    reasons.push_back(domain::MakeReason(station_field, v1::REASON_CODE_REGION_NOT_ALLOWED,
                                         "station " + station.station_id() + " is in region " +
                                             region + ", which hub " + hub->hub_id +
                                             " may not submit for"));
  }
  return reasons;
}

}  // namespace hattama::ingestion
