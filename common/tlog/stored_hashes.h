// Where a Merkle tree's hashes live in an append-only store, after Go's golang.org/x/mod/sumdb/tlog
// (StoredHashIndex and friends; Crosby and Wallach, "Efficient Data Structures for Tamper-Evident
// Logging", §3.3), so that a file, a Redis list or memory can hold a log as one growing sequence.
//
// Coordinates: the hash (level L, n) is the tree hash of the 2^L leaves [n·2^L, (n+1)·2^L); level
// 0 are the leaf hashes. Only complete subtrees are stored; the root of any tree is computed from
// one stored hash per one bit of its size (TreeHash).
//
// Order: appending leaf n stores its leaf hash, then the hash of every subtree that leaf completes,
// from the lowest level up: 1 + (the number of trailing one bits of n) hashes. So leaves 0..3 store
//
//   index  0      1      2      3      4      5      6
//   hash   (0,0)  (0,1)  (1,0)  (0,2)  (0,3)  (1,1)  (2,0)
//
// and the store of a tree of n leaves holds exactly StoredHashCount(n) hashes, never rewritten.
// Tiles (tile.h) are a regrouping of the same hashes.
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "common/base/result.h"
#include "common/tlog/hash.h"

namespace hattama::tlog {

// The position of hash (level, n) in the store.
std::int64_t StoredHashIndex(int level, std::int64_t n);
// The inverse: the (level, n) stored at `index`.
std::pair<int, std::int64_t> SplitStoredHashIndex(std::int64_t index);
// How many hashes the store of a tree of `tree_size` leaves holds.
std::int64_t StoredHashCount(std::int64_t tree_size);

// Reads stored hashes by index. Implementations: MemoryTree (memory_tree.h); a file, Redis or tile
// server later. ReadHashes returns exactly one hash per index, in the order asked, or a Status
// saying why not (kUnavailable for a store that is down, kNotFound for an index not stored yet).
class HashReader {
 public:
  virtual ~HashReader() = default;
  virtual Result<std::vector<Hash>> ReadHashes(std::span<const std::int64_t> indexes) const = 0;
};

// The hashes to append to the store, starting at StoredHashIndex(0, n), when leaf n (with hash
// `leaf_hash`) joins a tree of n leaves held by `reader`: the leaf hash and the hashes of the
// subtrees it completes. Reads at most log2(n) earlier hashes.
Result<std::vector<Hash>> StoredHashesForLeaf(std::int64_t n, const Hash& leaf_hash,
                                              const HashReader& reader);

// The root hash of the tree of the first `tree_size` leaves in `reader`'s store, from at most
// 1 + log2(tree_size) stored hashes; EmptyTreeHash() for size 0.
Result<Hash> TreeHash(std::int64_t tree_size, const HashReader& reader);

// Internal to tlog. SubtreeIndexes appends the stored hash indexes that the hash of the subtree
// of leaves [lo, hi) is built from to `indexes`; SubtreeHash builds that hash from them, taking
// them from the front of `hashes`.
namespace internal {
// reader.ReadHashes(indexes), checked to keep HashReader's promise of one hash an index.
Result<std::vector<Hash>> ReadExactly(const HashReader& reader,
                                      std::span<const std::int64_t> indexes);
void SubtreeIndexes(std::int64_t lo, std::int64_t hi, std::vector<std::int64_t>& indexes);
Hash SubtreeHash(std::int64_t lo, std::int64_t hi, std::span<const Hash>& hashes);
// The largest power of two smaller than n (n >= 2): where RFC 6962 splits a tree of n leaves.
std::int64_t SplitPoint(std::int64_t n);
}  // namespace internal

}  // namespace hattama::tlog
