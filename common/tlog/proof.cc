#include "common/tlog/proof.h"

#include <algorithm>
#include <string>

namespace hattama::tlog {
namespace {

using internal::SplitPoint;
using internal::SubtreeHash;
using internal::SubtreeIndexes;

// The leaves [lo, hi) of a complete or partial subtree.
struct LeafRange {
  std::int64_t lo;
  std::int64_t hi;
};

// Both proofs walk RFC 6962's recursion down from the whole tree [0, size): split the range at
// lo + SplitPoint(hi - lo), go on into the half that holds what is proven and record the other
// half, whose hash the proof carries. Listed bottom first, as proofs are, these are the ranges of
// the proof's hashes.

std::vector<LeafRange> InclusionRanges(std::int64_t index, std::int64_t tree_size) {
  std::vector<LeafRange> ranges;
  for (std::int64_t lo = 0, hi = tree_size; hi - lo > 1;) {
    const std::int64_t mid = lo + SplitPoint(hi - lo);
    if (index < mid) {
      ranges.push_back({mid, hi});
      hi = mid;
    } else {
      ranges.push_back({lo, mid});
      lo = mid;
    }
  }
  std::reverse(ranges.begin(), ranges.end());
  return ranges;
}

// The walk ends at the subtree that ends where the old tree ends. If that subtree starts at 0 it
// is the old tree itself, whose root the verifier has; otherwise its hash is the proof's first.
std::vector<LeafRange> ConsistencyRanges(std::int64_t old_size, std::int64_t new_size) {
  std::vector<LeafRange> ranges;
  std::int64_t lo = 0;
  std::int64_t hi = new_size;
  while (old_size != hi) {
    const std::int64_t mid = lo + SplitPoint(hi - lo);
    if (old_size <= mid) {
      ranges.push_back({mid, hi});
      hi = mid;
    } else {
      ranges.push_back({lo, mid});
      lo = mid;
    }
  }
  if (lo != 0) ranges.push_back({lo, hi});
  std::reverse(ranges.begin(), ranges.end());
  return ranges;
}

// The hashes of `ranges`, from one read of the stored hashes they are built from.
Result<std::vector<Hash>> RangeHashes(const std::vector<LeafRange>& ranges,
                                      const HashReader& reader) {
  std::vector<std::int64_t> indexes;
  for (const LeafRange& range : ranges) SubtreeIndexes(range.lo, range.hi, indexes);
  auto stored = internal::ReadExactly(reader, indexes);
  if (!stored.ok()) return stored.status();
  std::span<const Hash> rest(*stored);
  std::vector<Hash> hashes;
  hashes.reserve(ranges.size());
  for (const LeafRange& range : ranges) hashes.push_back(SubtreeHash(range.lo, range.hi, rest));
  return hashes;
}

Status CheckInclusionArguments(std::int64_t index, std::int64_t tree_size) {
  if (index < 0 || index >= tree_size) {
    return Status::InvalidArgument("leaf index " + std::to_string(index) +
                                   " is not in a tree of size " + std::to_string(tree_size));
  }
  return Status::Ok();
}

Status CheckConsistencyArguments(std::int64_t old_size, std::int64_t new_size) {
  if (old_size < 0 || old_size > new_size) {
    return Status::InvalidArgument("a tree of size " + std::to_string(old_size) +
                                   " cannot be a prefix of a tree of size " +
                                   std::to_string(new_size));
  }
  return Status::Ok();
}

Status CheckLength(std::string_view kind, std::size_t length, std::size_t expected) {
  if (length == expected) return Status::Ok();
  return Status::InvalidArgument("the " + std::string(kind) + " proof has " +
                                 std::to_string(length) + " hashes, not the " +
                                 std::to_string(expected) + " it must have");
}

}  // namespace

std::size_t InclusionProofLength(std::int64_t index, std::int64_t tree_size) {
  return InclusionRanges(index, tree_size).size();
}

std::size_t ConsistencyProofLength(std::int64_t old_size, std::int64_t new_size) {
  if (old_size <= 0 || old_size > new_size) return 0;
  return ConsistencyRanges(old_size, new_size).size();
}

Result<InclusionProof> ProveInclusion(std::int64_t index, std::int64_t tree_size,
                                      const HashReader& reader) {
  if (Status bad = CheckInclusionArguments(index, tree_size); !bad.ok()) return bad;
  return RangeHashes(InclusionRanges(index, tree_size), reader);
}

Result<ConsistencyProof> ProveConsistency(std::int64_t old_size, std::int64_t new_size,
                                          const HashReader& reader) {
  if (Status bad = CheckConsistencyArguments(old_size, new_size); !bad.ok()) return bad;
  if (old_size == 0) return ConsistencyProof{};
  return RangeHashes(ConsistencyRanges(old_size, new_size), reader);
}

Status VerifyInclusion(std::span<const Hash> proof, std::int64_t index, const Hash& leaf_hash,
                       std::int64_t tree_size, const Hash& root) {
  if (Status bad = CheckInclusionArguments(index, tree_size); !bad.ok()) return bad;
  const std::vector<LeafRange> ranges = InclusionRanges(index, tree_size);
  if (Status bad = CheckLength("inclusion", proof.size(), ranges.size()); !bad.ok()) return bad;
  // Up from the leaf: each proof hash is the sibling of the subtree built so far.
  Hash hash = leaf_hash;
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    hash = ranges[i].lo > index ? NodeHash(hash, proof[i]) : NodeHash(proof[i], hash);
  }
  if (hash != root) {
    return Status::InvalidArgument("the inclusion proof of leaf " + std::to_string(index) +
                                   " does not lead to the root of the tree of size " +
                                   std::to_string(tree_size));
  }
  return Status::Ok();
}

Status VerifyConsistency(std::span<const Hash> proof, std::int64_t old_size, const Hash& old_root,
                         std::int64_t new_size, const Hash& new_root) {
  if (Status bad = CheckConsistencyArguments(old_size, new_size); !bad.ok()) return bad;
  if (old_size == 0) {
    if (Status bad = CheckLength("consistency", proof.size(), 0); !bad.ok()) return bad;
    if (old_root != EmptyTreeHash()) {
      return Status::InvalidArgument("the root of the empty tree is SHA-256 of no bytes");
    }
    return Status::Ok();
  }
  const std::vector<LeafRange> ranges = ConsistencyRanges(old_size, new_size);
  if (Status bad = CheckLength("consistency", proof.size(), ranges.size()); !bad.ok()) return bad;
  const std::string sizes = std::to_string(old_size) + " to " + std::to_string(new_size);
  // Up from where the trees part: a sibling right of the old tree's end joins the new tree only,
  // a sibling left of it joins both.
  std::size_t i = 0;
  Hash old_hash = old_root;
  Hash new_hash = old_root;
  if (!ranges.empty() && ranges[0].hi == old_size) old_hash = new_hash = proof[i++];
  for (; i < ranges.size(); ++i) {
    if (ranges[i].lo >= old_size) {
      new_hash = NodeHash(new_hash, proof[i]);
    } else {
      old_hash = NodeHash(proof[i], old_hash);
      new_hash = NodeHash(proof[i], new_hash);
    }
  }
  if (old_hash != old_root) {
    return Status::InvalidArgument("the consistency proof from " + sizes +
                                   " does not lead to the old root");
  }
  if (new_hash != new_root) {
    return Status::InvalidArgument("the consistency proof from " + sizes +
                                   " does not lead to the new root");
  }
  return Status::Ok();
}

}  // namespace hattama::tlog
