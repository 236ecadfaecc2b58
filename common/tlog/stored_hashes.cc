#include "common/tlog/stored_hashes.h"

#include <bit>
#include <stdexcept>
#include <string>

namespace hattama::tlog {
namespace internal {

Result<std::vector<Hash>> ReadExactly(const HashReader& reader,
                                      std::span<const std::int64_t> indexes) {
  auto hashes = reader.ReadHashes(indexes);
  if (hashes.ok() && hashes->size() != indexes.size()) {
    return Status::Internal("tlog: ReadHashes returned " + std::to_string(hashes->size()) +
                            " hashes for " + std::to_string(indexes.size()) + " indexes");
  }
  return hashes;
}

std::int64_t SplitPoint(std::int64_t n) {
  return std::int64_t{1} << (std::bit_width(static_cast<std::uint64_t>(n - 1)) - 1);
}

// [lo, hi) splits into complete subtrees, largest first: each is one stored hash.
void SubtreeIndexes(std::int64_t lo, std::int64_t hi, std::vector<std::int64_t>& indexes) {
  while (lo < hi) {
    const std::int64_t size = SplitPoint(hi - lo + 1);  // the largest power of two <= hi - lo
    const int level = std::countr_zero(static_cast<std::uint64_t>(size));
    indexes.push_back(StoredHashIndex(level, lo >> level));
    lo += size;
  }
}

Hash SubtreeHash(std::int64_t lo, std::int64_t hi, std::span<const Hash>& hashes) {
  std::size_t parts = 0;
  while (lo < hi) {
    lo += SplitPoint(hi - lo + 1);
    ++parts;
  }
  if (parts == 0 || hashes.size() < parts) throw std::logic_error("tlog: bad subtree math");
  // The complete subtrees combine right to left: the rightmost, smallest ones first.
  Hash hash = hashes[parts - 1];
  for (std::size_t i = parts - 1; i-- > 0;) hash = NodeHash(hashes[i], hash);
  hashes = hashes.subspan(parts);
  return hash;
}

}  // namespace internal

std::int64_t StoredHashIndex(int level, std::int64_t n) {
  // (level, n) is stored right after (level - 1, 2n + 1), the right child that completes it; follow
  // right children down to the leaf that completed it.
  for (int l = level; l > 0; --l) n = 2 * n + 1;
  // Leaf n is stored after the hashes of leaves 0..n-1, which are n + n/2 + n/4 + ... in number.
  std::int64_t index = 0;
  for (; n > 0; n >>= 1) index += n;
  return index + level;
}

std::pair<int, std::int64_t> SplitStoredHashIndex(std::int64_t index) {
  // StoredHashIndex(0, n) lies in [n, 2n), so the leaf that stored `index` is at least index / 2.
  std::int64_t n = index / 2;
  std::int64_t leaf_index = StoredHashIndex(0, n);
  while (true) {
    // Leaf n stores 1 + (trailing one bits of n) hashes; is `index` among them?
    const std::int64_t next = leaf_index + 1 + std::countr_one(static_cast<std::uint64_t>(n));
    if (next > index) break;
    ++n;
    leaf_index = next;
  }
  const int level = static_cast<int>(index - leaf_index);
  return {level, n >> level};
}

std::int64_t StoredHashCount(std::int64_t tree_size) {
  if (tree_size == 0) return 0;
  const std::int64_t last = tree_size - 1;
  return StoredHashIndex(0, last) + 1 + std::countr_one(static_cast<std::uint64_t>(last));
}

Result<std::vector<Hash>> StoredHashesForLeaf(std::int64_t n, const Hash& leaf_hash,
                                              const HashReader& reader) {
  // Each trailing one bit of n completes a subtree whose left half is already stored.
  const int completed = std::countr_one(static_cast<std::uint64_t>(n));
  std::vector<std::int64_t> left_indexes(completed);
  for (int level = 0; level < completed; ++level) {
    left_indexes[completed - 1 - level] = StoredHashIndex(level, (n >> level) - 1);
  }
  auto left = internal::ReadExactly(reader, left_indexes);
  if (!left.ok()) return left.status();
  std::vector<Hash> hashes{leaf_hash};
  Hash hash = leaf_hash;
  for (int level = 0; level < completed; ++level) {
    hash = NodeHash((*left)[completed - 1 - level], hash);
    hashes.push_back(hash);
  }
  return hashes;
}

Result<Hash> TreeHash(std::int64_t tree_size, const HashReader& reader) {
  if (tree_size < 0) return Status::InvalidArgument("a tree size is not negative");
  if (tree_size == 0) return EmptyTreeHash();
  std::vector<std::int64_t> indexes;
  internal::SubtreeIndexes(0, tree_size, indexes);
  auto hashes = internal::ReadExactly(reader, indexes);
  if (!hashes.ok()) return hashes.status();
  std::span<const Hash> rest(*hashes);
  return internal::SubtreeHash(0, tree_size, rest);
}

}  // namespace hattama::tlog
