// The observer deployment table over gRPC (hattama.v1.DeploymentService), read-only from the
// counters aggregation keeps in Redis (services/aggregation/deployment.lua).
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "common/base/result.h"
#include "common/domain/registry.h"
#include "hattama/v1/publication.grpc.pb.h"
#include "services/publication/connection_pool.h"

namespace hattama::publication {

class DeploymentService final : public v1::DeploymentService::Service {
 public:
  DeploymentService(std::shared_ptr<const domain::Registry> registry,
                    std::shared_ptr<ConnectionPool> redis);

  // The nation and every region, zeros where nothing was reported yet.
  grpc::Status GetDeploymentTable(grpc::ServerContext* context,
                                  const v1::GetDeploymentTableRequest* request,
                                  v1::DeploymentTable* response) override;

 private:
  // The counters ("<area_id>|<counter>" -> count); kUnavailable when Redis cannot answer.
  Result<std::unordered_map<std::string, int64_t>> ReadCounts();

  std::shared_ptr<const domain::Registry> registry_;
  std::shared_ptr<ConnectionPool> redis_;
};

}  // namespace hattama::publication
