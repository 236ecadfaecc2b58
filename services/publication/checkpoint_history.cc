#include "services/publication/checkpoint_history.h"

#include <algorithm>

namespace hattama::publication {
namespace {

int64_t EndOr0(std::span<const int64_t> ends, size_t partition) {
  return partition < ends.size() ? ends[partition] : 0;
}

}  // namespace

CheckpointHistory::CheckpointHistory(size_t depth) : depth_(std::max<size_t>(1, depth)) {}

void CheckpointHistory::Add(const v1::SignedCheckpoint& checkpoint) {
  std::lock_guard lock(mutex_);
  if (newest_.has_value() && checkpoint.tree_size() < newest_->tree_size()) remembered_.clear();
  newest_ = checkpoint;
  if (!remembered_.empty() && remembered_.back().tree_size == checkpoint.tree_size()) {
    remembered_.pop_back();
  }
  remembered_.push_back({checkpoint.tree_size(),
                         {checkpoint.partition_ends().begin(), checkpoint.partition_ends().end()}});
  while (remembered_.size() > depth_) remembered_.pop_front();
}

std::optional<v1::SignedCheckpoint> CheckpointHistory::Newest() const {
  std::lock_guard lock(mutex_);
  return newest_;
}

int64_t CheckpointHistory::CoveringTreeSize(std::span<const int64_t> ends) const {
  std::lock_guard lock(mutex_);
  for (const Remembered& checkpoint : remembered_) {
    bool covers = true;
    const size_t partitions = std::max(ends.size(), checkpoint.partition_ends.size());
    for (size_t p = 0; p < partitions && covers; ++p) {
      covers = EndOr0(checkpoint.partition_ends, p) >= EndOr0(ends, p);
    }
    if (covers) return checkpoint.tree_size;
  }
  return 0;
}

}  // namespace hattama::publication
