#include "services/tlog/grpc_service.h"

#include "common/base/status_grpc.h"

namespace hattama::transparency {
namespace {

template <typename T>
grpc::Status Answer(Result<T> result, T* response) {
  if (!result.ok()) return ToGrpc(result.status());
  *response = std::move(result).value();
  return grpc::Status::OK;
}

}  // namespace

grpc::Status TransparencyGrpcService::GetCheckpoint(grpc::ServerContext*,
                                                    const v1::GetCheckpointRequest*,
                                                    v1::SignedCheckpoint* response) {
  return Answer(api_.GetCheckpoint(), response);
}

grpc::Status TransparencyGrpcService::GetInclusionProof(grpc::ServerContext*,
                                                        const v1::GetInclusionProofRequest* request,
                                                        v1::InclusionProof* response) {
  return Answer(api_.GetInclusionProof(*request), response);
}

grpc::Status TransparencyGrpcService::GetConsistencyProof(
    grpc::ServerContext*, const v1::GetConsistencyProofRequest* request,
    v1::ConsistencyProof* response) {
  return Answer(api_.GetConsistencyProof(*request), response);
}

grpc::Status TransparencyGrpcService::GetEntry(grpc::ServerContext*,
                                               const v1::GetEntryRequest* request,
                                               v1::LogEntry* response) {
  return Answer(api_.GetEntry(*request), response);
}

grpc::Status TransparencyGrpcService::AddCosignature(grpc::ServerContext*,
                                                     const v1::AddCosignatureRequest* request,
                                                     v1::AddCosignatureResponse* response) {
  return Answer(api_.AddCosignature(*request), response);
}

}  // namespace hattama::transparency
