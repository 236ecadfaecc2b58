// The answers of hattama.v1.TransparencyService, apart from how they travel: the gRPC service
// (grpc_service.h) and the HTTP/JSON API (http_server.h) both call these, so that the two cannot
// differ. Every answer is about the log as of a signed checkpoint: sizes are checked against the
// latest one, entries are read from the bundles it covers. A checkpoint comes with its partition
// ends and the witnesses' newest cosignatures; the one write, AddCosignature, is Witnesses::Add.
//
// Errors (Status kinds, mapped by common/base/status_grpc.h): kUnavailable before the first
// checkpoint (the log is being rebuilt) or when a bundle cannot be read; kInvalidArgument for a
// size or index out of range, naming the range; kNotFound for a submission id no leaf carries;
// AddCosignature's as witnesses.h says.
//
// Thread-safety: stateless over the LogTree, Publisher and Witnesses, each safe for concurrent
// use.
#pragma once

#include "common/base/result.h"
#include "hattama/v1/transparency.pb.h"
#include "services/tlog/log_tree.h"
#include "services/tlog/publisher.h"
#include "services/tlog/witnesses.h"

namespace hattama::transparency {

// At most this many leaves are read to answer one submission id (a copy written twice makes two;
// a few more are ids that share its index key).
inline constexpr std::size_t kMaxLeavesPerId = 64;

class TransparencyApi {
 public:
  TransparencyApi(const LogTree& tree, const Publisher& publisher, Witnesses& witnesses)
      : tree_(tree), publisher_(publisher), witnesses_(witnesses) {}

  Result<v1::SignedCheckpoint> GetCheckpoint() const;
  Result<v1::InclusionProof> GetInclusionProof(const v1::GetInclusionProofRequest& request) const;
  Result<v1::ConsistencyProof> GetConsistencyProof(
      const v1::GetConsistencyProofRequest& request) const;
  Result<v1::LogEntry> GetEntry(const v1::GetEntryRequest& request) const;
  Result<v1::AddCosignatureResponse> AddCosignature(const v1::AddCosignatureRequest& request) const;

 private:
  Result<std::shared_ptr<const PublishedCheckpoint>> Latest() const;
  // A checkpoint as the API gives it: the signed note and its fields, its partition ends, the
  // witnesses' cosignatures.
  v1::SignedCheckpoint ToProto(const PublishedCheckpoint& published) const;
  Result<v1::LogEntry> ReadEntry(std::int64_t index) const;
  // The leaves below `tree_size` whose entry carries `submission_id`, lowest first.
  Result<std::vector<std::int64_t>> LeavesOf(const std::string& submission_id,
                                             std::int64_t tree_size) const;

  const LogTree& tree_;
  const Publisher& publisher_;
  Witnesses& witnesses_;
};

}  // namespace hattama::transparency
