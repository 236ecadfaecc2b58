#include "services/tlog/log_tree.h"

#include <algorithm>
#include <mutex>

#include "common/base/digest.h"

namespace hattama::transparency {

LogTree::Appended LogTree::Append(std::string_view value) {
  Appended appended;
  auto entry = tlog::DecodeLeafEntry(value);
  if (!entry.ok()) {
    appended.outcome = Outcome::kMalformed;
    appended.why = entry.status().message();
    return appended;
  }
  appended.entry = std::move(entry).value();
  std::unique_lock lock(mutex_);
  if (!sources_.Add(appended.entry.source)) {
    appended.outcome = Outcome::kDuplicateSource;
    return appended;
  }
  // Appended under the lock, so that a reader never sees a source logged without its leaf.
  appended.index = tree_.Append(tlog::LeafHash(value));
  if (!appended.entry.submission_id.empty()) {
    ids_.emplace(IdKey(appended.entry.submission_id), appended.index);
  }
  return appended;
}

bool LogTree::IsLogged(const tlog::SourcePosition& source) const {
  std::shared_lock lock(mutex_);
  return sources_.Contains(source);
}

std::int64_t LogTree::ResumeOffset(std::int32_t partition) const {
  std::shared_lock lock(mutex_);
  return sources_.ResumeOffset(partition);
}

std::vector<std::int64_t> LogTree::PartitionEnds(std::int32_t partitions) const {
  std::shared_lock lock(mutex_);
  std::vector<std::int64_t> ends(std::max(partitions, sources_.PartitionsSeen()));
  for (std::size_t p = 0; p < ends.size(); ++p) {
    ends[p] = sources_.ResumeOffset(static_cast<std::int32_t>(p));
  }
  return ends;
}

std::int64_t LogTree::logged() const {
  std::shared_lock lock(mutex_);
  return sources_.size();
}

std::vector<std::int64_t> LogTree::CandidateLeaves(std::string_view submission_id) const {
  std::vector<std::int64_t> leaves;
  {
    std::shared_lock lock(mutex_);
    auto [begin, end] = ids_.equal_range(IdKey(submission_id));
    for (auto it = begin; it != end; ++it) leaves.push_back(it->second);
  }
  std::sort(leaves.begin(), leaves.end());
  return leaves;
}

std::uint64_t LogTree::IdKey(std::string_view submission_id) {
  // A prefix of SHA-256 rather than std::hash: ids come from hubs, and a key they could collide
  // at will would cost every lookup of theirs many entry reads.
  const std::string digest = Sha256(submission_id);
  std::uint64_t key = 0;
  for (int i = 0; i < 8; ++i) key = key << 8 | static_cast<unsigned char>(digest[i]);
  return key;
}

}  // namespace hattama::transparency
