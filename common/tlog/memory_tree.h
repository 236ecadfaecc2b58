// An append-only Merkle tree held in memory: the leaf hashes appended so far, their tree heads and
// proofs. Its store is the layout of stored_hashes.h (a std::deque in StoredHashIndex order), so a
// writer that keeps a log in a file or in Redis holds the same sequence there: after each Append it
// saves the hashes from the StoredHashCount() before to the one after (ReadHashes), and after a
// restart rebuilds the tree with FromStoredHashes. (Or it keeps no MemoryTree and implements
// HashReader over its store, appending what StoredHashesForLeaf returns.)
//
// What a leaf's entry is, and the rule that no entry is appended twice, belong to the integrator;
// the tree takes leaf hashes (LeafHash(entry), hash.h).
//
// Thread-safety: safe for concurrent use. Appends are serialised; readers (Head, proofs,
// ReadHashes) run in parallel with each other and wait only while an append stores its hashes.
// A proof asked for a size no larger than Head().size stays valid while appends go on: stored
// hashes are never rewritten.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <shared_mutex>
#include <span>
#include <vector>

#include "common/base/result.h"
#include "common/tlog/hash.h"
#include "common/tlog/proof.h"
#include "common/tlog/stored_hashes.h"

namespace hattama::tlog {

// A tree's size with its root hash, read together.
struct TreeHead {
  std::int64_t size = 0;
  Hash root = EmptyTreeHash();
  friend bool operator==(const TreeHead&, const TreeHead&) = default;
};

class MemoryTree final : public HashReader {
 public:
  MemoryTree() = default;
  MemoryTree(const MemoryTree&) = delete;
  MemoryTree& operator=(const MemoryTree&) = delete;

  // A tree over hashes read back from a store, e.g. after a restart. InvalidArgument unless their
  // number is StoredHashCount(n) for some n, and unless every stored subtree hash is the node hash
  // of the two below it (a store with a torn or altered write is refused, not served).
  static Result<std::unique_ptr<MemoryTree>> FromStoredHashes(std::vector<Hash> stored);

  // Appends the leaf with hash `leaf_hash`; returns its index (the size before appending).
  std::int64_t Append(const Hash& leaf_hash);

  // The current size and root.
  TreeHead Head() const;
  // The root of the tree of the first `tree_size` leaves; InvalidArgument beyond Head().size.
  Result<Hash> RootAt(std::int64_t tree_size) const;
  // The hash of leaf `index`; NotFound if there is no such leaf yet.
  Result<Hash> LeafHashAt(std::int64_t index) const;
  // Proofs (proof.h); InvalidArgument for sizes beyond Head().size or indexes not below the size.
  Result<InclusionProof> ProveInclusion(std::int64_t index, std::int64_t tree_size) const;
  Result<ConsistencyProof> ProveConsistency(std::int64_t old_size, std::int64_t new_size) const;

  // The whole store, in StoredHashIndex order (its first StoredHashCount(n) hashes are the store of
  // the tree of n leaves).
  Result<std::vector<Hash>> ReadHashes(std::span<const std::int64_t> indexes) const override;
  std::int64_t StoredHashCount() const;

 private:
  Status CheckSize(std::int64_t tree_size) const;

  mutable std::shared_mutex mutex_;
  std::deque<Hash> stored_;  // guarded by mutex_; a deque never moves what it holds
  std::int64_t size_ = 0;    // guarded by mutex_
};

}  // namespace hattama::tlog
