// The observer deployment table over gRPC (hattama.v1.DeploymentService), read-only from the
// counters aggregation keeps in Redis (services/aggregation/deployment.lua), through the read
// model (PublishedStore::ReadDeploymentCounts).
#pragma once

#include <memory>

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

 private:
  const std::shared_ptr<PublishedStore> store_;
};

}  // namespace hattama::publication
