// hattama.v1.PublicationService over Redis: read-only. It never writes to Redis; everything it
// serves was written by aggregation, under the key layout of common/redis/layout.h.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "common/domain/registry.h"
#include "hattama/v1/publication.grpc.pb.h"
#include "services/publication/connection_pool.h"

namespace hattama::publication {

class PublicationService final : public v1::PublicationService::Service {
 public:
  PublicationService(std::shared_ptr<const domain::Registry> registry,
                     std::shared_ptr<ConnectionPool> redis);

  grpc::Status GetElection(grpc::ServerContext* context, const v1::GetElectionRequest* request,
                           v1::Election* response) override;
  // Sums the area's totals over every partition in one Redis round trip (after reading P).
  grpc::Status GetAreaTotals(grpc::ServerContext* context, const v1::GetAreaTotalsRequest* request,
                             v1::AreaTotals* response) override;
  // The station's counted protocol and every version, for each of its contests.
  grpc::Status GetStationResults(grpc::ServerContext* context,
                                 const v1::GetStationResultsRequest* request,
                                 v1::StationResults* response) override;

 private:
  // Runs `commands` pipelined on a pooled connection; on an I/O error tries once more on a fresh
  // connection (an idle one may predate a Redis restart). UNAVAILABLE when Redis cannot answer.
  grpc::Status Read(const std::vector<redis::Command>& commands,
                    std::vector<redis::Reply>& replies);
  // P, the number of partitions aggregation has keys for; 0 before anything was applied.
  grpc::Status ReadPartitionCount(int32_t& partitions);

  std::shared_ptr<const domain::Registry> registry_;
  std::shared_ptr<ConnectionPool> redis_;
};

// Builds and starts a gRPC server on `listen` ("host:port") serving `service` and the standard
// health service. An error when the address cannot be bound.
Result<std::unique_ptr<grpc::Server>> StartServer(const std::string& listen,
                                                  grpc::Service* service);

}  // namespace hattama::publication
