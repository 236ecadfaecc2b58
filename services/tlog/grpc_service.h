// hattama.v1.TransparencyService over gRPC: each method answers from TransparencyApi, its Status
// mapped to a gRPC code by common/base/status_grpc.h. Stateless beyond the api it calls: safe from
// gRPC's threads.
#pragma once

#include "hattama/v1/transparency.grpc.pb.h"
#include "services/tlog/transparency_api.h"

namespace hattama::transparency {

class TransparencyGrpcService final : public v1::TransparencyService::Service {
 public:
  explicit TransparencyGrpcService(const TransparencyApi& api) : api_(api) {}

  grpc::Status GetCheckpoint(grpc::ServerContext* context, const v1::GetCheckpointRequest* request,
                             v1::SignedCheckpoint* response) override;
  grpc::Status GetInclusionProof(grpc::ServerContext* context,
                                 const v1::GetInclusionProofRequest* request,
                                 v1::InclusionProof* response) override;
  grpc::Status GetConsistencyProof(grpc::ServerContext* context,
                                   const v1::GetConsistencyProofRequest* request,
                                   v1::ConsistencyProof* response) override;
  grpc::Status GetEntry(grpc::ServerContext* context, const v1::GetEntryRequest* request,
                        v1::LogEntry* response) override;
  grpc::Status AddCosignature(grpc::ServerContext* context,
                              const v1::AddCosignatureRequest* request,
                              v1::AddCosignatureResponse* response) override;

 private:
  const TransparencyApi& api_;
};

}  // namespace hattama::transparency
