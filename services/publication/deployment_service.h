// The observer deployment tables over gRPC (hattama.v1.DeploymentService), read-only from the
// counters aggregation keeps in Redis (services/aggregation/deployment.lua), through the read
// model (PublishedStore::ReadDeploymentCounts and ReadDeploymentCovered): per region, per city,
// per organisation and per affiliation, and the stations each camp of observers covers.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "hattama/v1/publication.grpc.pb.h"
#include "services/publication/published_store.h"

namespace hattama::publication {

// Thread-safe.
class DeploymentService final : public v1::DeploymentService::Service {
 public:
  explicit DeploymentService(std::shared_ptr<PublishedStore> store);

  // The nation and every region, zeros where nothing was reported yet.
  grpc::Status GetDeploymentTable(grpc::ServerContext* context,
                                  const v1::GetDeploymentTableRequest* request,
                                  v1::DeploymentTable* response) override;
  // Every organisation of the observer registry (and any unregistered one that events name), one
  // row per affiliation, and the coverage of stations by independent against authority-affiliated
  // observers.
  grpc::Status GetOrganisationDeployment(grpc::ServerContext* context,
                                         const v1::GetOrganisationDeploymentRequest* request,
                                         v1::OrganisationDeploymentTable* response) override;
  // Every area marked is_city (regions and districts) and their total.
  grpc::Status GetCityDeployment(grpc::ServerContext* context,
                                 const v1::GetCityDeploymentRequest* request,
                                 v1::CityDeploymentTable* response) override;

 private:
  const std::shared_ptr<PublishedStore> store_;
  // Observers each organisation declared (observers.csv), counted once at start.
  const std::unordered_map<std::string, int64_t> declared_;
};

// The stations where an observer of an organisation of `affiliation` ("independent", ...) was
// admitted, from the covered set (the observer effect's groups, AnalysisService).
Result<std::unordered_set<std::string>> StationsCoveredByAffiliation(PublishedStore& store,
                                                                     std::string_view affiliation);

}  // namespace hattama::publication
