#include "services/tlog/transparency_api.h"

#include "common/tlog/entry.h"

namespace hattama::transparency {
namespace {

// The tree size a request means: `asked`, or the latest checkpoint's for 0.
Result<std::int64_t> TreeSize(std::int64_t asked, std::int64_t latest, const char* field) {
  if (asked == 0) return latest;
  if (asked < 0 || asked > latest) {
    return Status::InvalidArgument(std::string(field) + " " + std::to_string(asked) +
                                   " is not between 1 and the latest checkpoint's size " +
                                   std::to_string(latest) + " (0: that size)");
  }
  return asked;
}

void AddHashes(const std::vector<tlog::Hash>& hashes,
               google::protobuf::RepeatedPtrField<std::string>* out) {
  for (const tlog::Hash& hash : hashes) out->Add(std::string(tlog::HashBytes(hash)));
}

}  // namespace

Result<std::shared_ptr<const PublishedCheckpoint>> TransparencyApi::Latest() const {
  auto latest = publisher_.Latest();
  if (!latest) {
    return Status::Unavailable("the log is being rebuilt from Kafka and has no checkpoint yet");
  }
  return latest;
}

v1::SignedCheckpoint TransparencyApi::ToProto(const PublishedCheckpoint& published) const {
  v1::SignedCheckpoint checkpoint;
  checkpoint.set_signed_note(published.signed_note);
  checkpoint.set_origin(published.checkpoint.origin);
  checkpoint.set_tree_size(published.checkpoint.size);
  checkpoint.set_root_hash(std::string(tlog::HashBytes(published.checkpoint.root)));
  checkpoint.mutable_partition_ends()->Add(published.partition_ends.begin(),
                                           published.partition_ends.end());
  for (v1::Cosignature& cosignature : witnesses_.Newest()) {
    *checkpoint.add_cosignatures() = std::move(cosignature);
  }
  return checkpoint;
}

Result<v1::SignedCheckpoint> TransparencyApi::GetCheckpoint() const {
  auto latest = Latest();
  if (!latest.ok()) return latest.status();
  return ToProto(**latest);
}

Result<v1::LogEntry> TransparencyApi::ReadEntry(std::int64_t index) const {
  auto bytes = publisher_.ReadEntry(index);
  if (!bytes.ok()) return bytes.status();
  const tlog::Hash leaf_hash = tlog::LeafHash(*bytes);
  auto in_tree = tree_.tree().LeafHashAt(index);
  if (!in_tree.ok()) return in_tree.status();
  if (*in_tree != leaf_hash) {
    return Status::Internal("the entry bundle on disk does not hash to leaf " +
                            std::to_string(index) + " of the tree");
  }
  v1::LogEntry entry;
  entry.set_leaf_index(index);
  entry.set_leaf_hash(std::string(tlog::HashBytes(leaf_hash)));
  if (auto decoded = tlog::DecodeLeafEntry(*bytes); decoded.ok()) {
    entry.set_source_partition(decoded->source.partition);
    entry.set_source_offset(decoded->source.offset);
    entry.set_record_sha256(decoded->record_sha256);
    entry.set_submission_id(decoded->submission_id);
    entry.set_record_included(decoded->record.has_value());
    if (decoded->record) (void)entry.mutable_record()->ParseFromString(*decoded->record);
  }
  entry.set_entry(std::move(bytes).value());
  return entry;
}

Result<std::vector<std::int64_t>> TransparencyApi::LeavesOf(const std::string& submission_id,
                                                            std::int64_t tree_size) const {
  std::vector<std::int64_t> leaves;
  std::size_t read = 0;
  for (std::int64_t candidate : tree_.CandidateLeaves(submission_id)) {
    if (candidate >= tree_size || read == kMaxLeavesPerId) break;
    ++read;
    auto bytes = publisher_.ReadEntry(candidate);
    if (!bytes.ok()) return bytes.status();
    auto entry = tlog::DecodeLeafEntry(*bytes);
    if (entry.ok() && entry->submission_id == submission_id) leaves.push_back(candidate);
  }
  return leaves;
}

Result<v1::InclusionProof> TransparencyApi::GetInclusionProof(
    const v1::GetInclusionProofRequest& request) const {
  auto latest = Latest();
  if (!latest.ok()) return latest.status();
  auto size = TreeSize(request.tree_size(), (*latest)->checkpoint.size, "tree_size");
  if (!size.ok()) return size.status();
  v1::InclusionProof proof;
  std::int64_t index = 0;
  switch (request.leaf_case()) {
    case v1::GetInclusionProofRequest::kSubmissionId: {
      const std::string& id = request.submission_id();
      if (id.empty() || id.size() > tlog::kMaxLeafEntryIdBytes) {
        return Status::InvalidArgument("submission_id must be 1 to " +
                                       std::to_string(tlog::kMaxLeafEntryIdBytes) + " bytes");
      }
      auto leaves = LeavesOf(id, *size);
      if (!leaves.ok()) return leaves.status();
      if (leaves->empty()) {
        return Status::NotFound("no leaf of the tree of " + std::to_string(*size) +
                                " leaves carries submission id " + id);
      }
      index = leaves->front();
      for (std::size_t i = 1; i < leaves->size(); ++i) proof.add_other_leaf_indexes((*leaves)[i]);
      break;
    }
    case v1::GetInclusionProofRequest::kLeafIndex:
      index = request.leaf_index();
      if (index < 0 || index >= *size) {
        return Status::InvalidArgument("leaf_index " + std::to_string(index) +
                                       " is not below the tree size " + std::to_string(*size));
      }
      break;
    case v1::GetInclusionProofRequest::LEAF_NOT_SET:
      return Status::InvalidArgument("give submission_id or leaf_index");
  }
  auto hashes = tree_.tree().ProveInclusion(index, *size);
  if (!hashes.ok()) return hashes.status();
  auto entry = ReadEntry(index);
  if (!entry.ok()) return entry.status();
  proof.set_leaf_index(index);
  proof.set_tree_size(*size);
  AddHashes(*hashes, proof.mutable_hashes());
  *proof.mutable_entry() = std::move(entry).value();
  if (*size == (*latest)->checkpoint.size) *proof.mutable_checkpoint() = ToProto(**latest);
  return proof;
}

Result<v1::ConsistencyProof> TransparencyApi::GetConsistencyProof(
    const v1::GetConsistencyProofRequest& request) const {
  auto latest = Latest();
  if (!latest.ok()) return latest.status();
  auto new_size = TreeSize(request.new_size(), (*latest)->checkpoint.size, "new_size");
  if (!new_size.ok()) return new_size.status();
  if (request.old_size() < 0 || request.old_size() > *new_size) {
    return Status::InvalidArgument("old_size " + std::to_string(request.old_size()) +
                                   " is not between 0 and new_size " + std::to_string(*new_size));
  }
  auto hashes = tree_.tree().ProveConsistency(request.old_size(), *new_size);
  if (!hashes.ok()) return hashes.status();
  v1::ConsistencyProof proof;
  proof.set_old_size(request.old_size());
  proof.set_new_size(*new_size);
  AddHashes(*hashes, proof.mutable_hashes());
  if (*new_size == (*latest)->checkpoint.size) *proof.mutable_checkpoint() = ToProto(**latest);
  return proof;
}

Result<v1::LogEntry> TransparencyApi::GetEntry(const v1::GetEntryRequest& request) const {
  auto latest = Latest();
  if (!latest.ok()) return latest.status();
  const std::int64_t size = (*latest)->checkpoint.size;
  if (request.leaf_index() < 0 || request.leaf_index() >= size) {
    return Status::InvalidArgument("leaf_index " + std::to_string(request.leaf_index()) +
                                   " is not below the latest checkpoint's size " +
                                   std::to_string(size));
  }
  return ReadEntry(request.leaf_index());
}

Result<v1::AddCosignatureResponse> TransparencyApi::AddCosignature(
    const v1::AddCosignatureRequest& request) const {
  if (request.cosigned_note().empty()) return Status::InvalidArgument("give cosigned_note");
  return witnesses_.Add(request.cosigned_note());
}

}  // namespace hattama::transparency
