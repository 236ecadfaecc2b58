#include "common/tlog/memory_tree.h"

#include <mutex>
#include <stdexcept>
#include <string>

namespace hattama::tlog {
namespace {

// Reads a store the caller has already locked.
class UnlockedReader final : public HashReader {
 public:
  explicit UnlockedReader(const std::deque<Hash>& stored) : stored_(stored) {}
  Result<std::vector<Hash>> ReadHashes(std::span<const std::int64_t> indexes) const override {
    std::vector<Hash> hashes;
    hashes.reserve(indexes.size());
    for (const std::int64_t index : indexes) {
      if (index < 0 || index >= static_cast<std::int64_t>(stored_.size())) {
        return Status::NotFound("stored hash " + std::to_string(index) + " is not stored (" +
                                std::to_string(stored_.size()) + " are)");
      }
      hashes.push_back(stored_[static_cast<std::size_t>(index)]);
    }
    return hashes;
  }

 private:
  const std::deque<Hash>& stored_;
};

// The tree size whose store holds exactly `count` hashes, if there is one. A tree of n leaves
// stores 2n - popcount(n) hashes, so n is between count / 2 and count.
Result<std::int64_t> SizeForStoredCount(std::int64_t count) {
  for (std::int64_t n = count / 2; n <= count; ++n) {
    const std::int64_t stored = StoredHashCount(n);
    if (stored == count) return n;
    if (stored > count) break;
  }
  return Status::InvalidArgument(std::to_string(count) +
                                 " stored hashes are not the store of any tree (a torn write?)");
}

}  // namespace

Result<std::unique_ptr<MemoryTree>> MemoryTree::FromStoredHashes(std::vector<Hash> stored) {
  auto size = SizeForStoredCount(static_cast<std::int64_t>(stored.size()));
  if (!size.ok()) return size.status();
  for (std::size_t i = 0; i < stored.size(); ++i) {
    const auto [level, n] = SplitStoredHashIndex(static_cast<std::int64_t>(i));
    if (level == 0) continue;
    const Hash& left = stored[StoredHashIndex(level - 1, 2 * n)];
    const Hash& right = stored[StoredHashIndex(level - 1, 2 * n + 1)];
    if (NodeHash(left, right) != stored[i]) {
      return Status::InvalidArgument("stored hash " + std::to_string(i) + " (level " +
                                     std::to_string(level) + ", " + std::to_string(n) +
                                     ") is not the hash of its two children");
    }
  }
  auto tree = std::make_unique<MemoryTree>();
  tree->stored_.assign(stored.begin(), stored.end());
  tree->size_ = *size;
  return tree;
}

std::int64_t MemoryTree::Append(const Hash& leaf_hash) {
  std::unique_lock lock(mutex_);
  auto hashes = StoredHashesForLeaf(size_, leaf_hash, UnlockedReader(stored_));
  // The reader is this tree's own complete store; failing to read it is a bug.
  if (!hashes.ok()) throw std::logic_error("MemoryTree: " + hashes.status().message());
  stored_.insert(stored_.end(), hashes->begin(), hashes->end());
  return size_++;
}

TreeHead MemoryTree::Head() const {
  std::shared_lock lock(mutex_);
  auto root = TreeHash(size_, UnlockedReader(stored_));
  if (!root.ok()) throw std::logic_error("MemoryTree: " + root.status().message());
  return {size_, *root};
}

Status MemoryTree::CheckSize(std::int64_t tree_size) const {
  std::shared_lock lock(mutex_);
  if (tree_size < 0 || tree_size > size_) {
    return Status::InvalidArgument("the log has no tree of size " + std::to_string(tree_size) +
                                   " (its size is " + std::to_string(size_) + ")");
  }
  return Status::Ok();
}

Result<Hash> MemoryTree::RootAt(std::int64_t tree_size) const {
  if (Status bad = CheckSize(tree_size); !bad.ok()) return bad;
  return TreeHash(tree_size, *this);
}

Result<Hash> MemoryTree::LeafHashAt(std::int64_t index) const {
  std::shared_lock lock(mutex_);
  if (index < 0 || index >= size_) {
    return Status::NotFound("the log has no leaf " + std::to_string(index) + " (its size is " +
                            std::to_string(size_) + ")");
  }
  return stored_[static_cast<std::size_t>(StoredHashIndex(0, index))];
}

Result<InclusionProof> MemoryTree::ProveInclusion(std::int64_t index,
                                                  std::int64_t tree_size) const {
  if (Status bad = CheckSize(tree_size); !bad.ok()) return bad;
  return tlog::ProveInclusion(index, tree_size, *this);
}

Result<ConsistencyProof> MemoryTree::ProveConsistency(std::int64_t old_size,
                                                      std::int64_t new_size) const {
  if (Status bad = CheckSize(new_size); !bad.ok()) return bad;
  return tlog::ProveConsistency(old_size, new_size, *this);
}

Result<std::vector<Hash>> MemoryTree::ReadHashes(std::span<const std::int64_t> indexes) const {
  std::shared_lock lock(mutex_);
  return UnlockedReader(stored_).ReadHashes(indexes);
}

std::int64_t MemoryTree::StoredHashCount() const {
  std::shared_lock lock(mutex_);
  return static_cast<std::int64_t>(stored_.size());
}

}  // namespace hattama::tlog
