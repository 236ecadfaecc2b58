#include "common/tlog/proof.h"

#include <string>
#include <utility>

namespace hattama::tlog {
namespace {

using internal::SplitPoint;
using internal::SubtreeHash;
using internal::SubtreeIndexes;

// Each proof below walks RFC 6962's recursion over the leaf range [lo, hi): split it at
// lo + SplitPoint(hi - lo), descend into the half that holds what is proven, and record the hash
// of the other half. Building a proof runs the walk twice: once to list the stored hashes it
// needs (so that a store is read once), once to combine them.

void InclusionIndexes(std::int64_t lo, std::int64_t hi, std::int64_t index,
                      std::vector<std::int64_t>& indexes) {
  if (lo + 1 == hi) return;
  const std::int64_t mid = lo + SplitPoint(hi - lo);
  if (index < mid) {
    InclusionIndexes(lo, mid, index, indexes);
    SubtreeIndexes(mid, hi, indexes);
  } else {
    SubtreeIndexes(lo, mid, indexes);
    InclusionIndexes(mid, hi, index, indexes);
  }
}

void InclusionHashes(std::int64_t lo, std::int64_t hi, std::int64_t index,
                     std::span<const Hash>& hashes, InclusionProof& proof) {
  if (lo + 1 == hi) return;
  const std::int64_t mid = lo + SplitPoint(hi - lo);
  if (index < mid) {
    InclusionHashes(lo, mid, index, hashes, proof);
    proof.push_back(SubtreeHash(mid, hi, hashes));
  } else {
    const Hash left = SubtreeHash(lo, mid, hashes);
    InclusionHashes(mid, hi, index, hashes, proof);
    proof.push_back(left);
  }
}

// Consistency walks [lo, hi) while the old size `old_size` is inside it; once a subtree ends
// exactly at old_size its hash is known to both trees (and to the verifier, if lo is 0).
void ConsistencyIndexes(std::int64_t lo, std::int64_t hi, std::int64_t old_size,
                        std::vector<std::int64_t>& indexes) {
  if (old_size == hi) {
    if (lo != 0) SubtreeIndexes(lo, hi, indexes);
    return;
  }
  const std::int64_t mid = lo + SplitPoint(hi - lo);
  if (old_size <= mid) {
    ConsistencyIndexes(lo, mid, old_size, indexes);
    SubtreeIndexes(mid, hi, indexes);
  } else {
    SubtreeIndexes(lo, mid, indexes);
    ConsistencyIndexes(mid, hi, old_size, indexes);
  }
}

void ConsistencyHashes(std::int64_t lo, std::int64_t hi, std::int64_t old_size,
                       std::span<const Hash>& hashes, ConsistencyProof& proof) {
  if (old_size == hi) {
    if (lo != 0) proof.push_back(SubtreeHash(lo, hi, hashes));
    return;
  }
  const std::int64_t mid = lo + SplitPoint(hi - lo);
  if (old_size <= mid) {
    ConsistencyHashes(lo, mid, old_size, hashes, proof);
    proof.push_back(SubtreeHash(mid, hi, hashes));
  } else {
    const Hash left = SubtreeHash(lo, mid, hashes);
    ConsistencyHashes(mid, hi, old_size, hashes, proof);
    proof.push_back(left);
  }
}

// Reads `indexes` and checks that the reader kept HashReader's promise of one hash each.
Result<std::vector<Hash>> ReadAll(const HashReader& reader,
                                  const std::vector<std::int64_t>& indexes) {
  auto hashes = reader.ReadHashes(indexes);
  if (hashes.ok() && hashes->size() != indexes.size()) {
    return Status::Internal("tlog: ReadHashes returned " + std::to_string(hashes->size()) +
                            " hashes for " + std::to_string(indexes.size()) + " indexes");
  }
  return hashes;
}

// The root of [lo, hi) implied by an inclusion proof of the right length; its last hash is the
// sibling at this level, the ones before it belong further down.
Hash RunInclusion(std::span<const Hash> proof, std::int64_t lo, std::int64_t hi, std::int64_t index,
                  const Hash& leaf_hash) {
  if (lo + 1 == hi) return leaf_hash;
  const std::int64_t mid = lo + SplitPoint(hi - lo);
  const Hash& sibling = proof.back();
  proof = proof.first(proof.size() - 1);
  if (index < mid) return NodeHash(RunInclusion(proof, lo, mid, index, leaf_hash), sibling);
  return NodeHash(sibling, RunInclusion(proof, mid, hi, index, leaf_hash));
}

struct Roots {
  Hash old_root;
  Hash new_root;
};

// The old and new roots of [lo, hi) implied by a consistency proof of the right length.
Roots RunConsistency(std::span<const Hash> proof, std::int64_t lo, std::int64_t hi,
                     std::int64_t old_size, const Hash& old_root) {
  if (old_size == hi) {
    if (lo == 0) return {old_root, old_root};
    return {proof.front(), proof.front()};
  }
  const std::int64_t mid = lo + SplitPoint(hi - lo);
  const Hash& sibling = proof.back();
  proof = proof.first(proof.size() - 1);
  if (old_size <= mid) {
    const Roots below = RunConsistency(proof, lo, mid, old_size, old_root);
    return {below.old_root, NodeHash(below.new_root, sibling)};
  }
  const Roots below = RunConsistency(proof, mid, hi, old_size, old_root);
  return {NodeHash(sibling, below.old_root), NodeHash(sibling, below.new_root)};
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
  std::size_t length = 0;
  for (std::int64_t lo = 0, hi = tree_size; lo + 1 < hi; ++length) {
    const std::int64_t mid = lo + SplitPoint(hi - lo);
    (index < mid ? hi : lo) = mid;
  }
  return length;
}

std::size_t ConsistencyProofLength(std::int64_t old_size, std::int64_t new_size) {
  if (old_size <= 0 || old_size > new_size) return 0;
  std::size_t length = 0;
  std::int64_t lo = 0;
  for (std::int64_t hi = new_size; old_size != hi; ++length) {
    const std::int64_t mid = lo + SplitPoint(hi - lo);
    (old_size <= mid ? hi : lo) = mid;
  }
  return lo == 0 ? length : length + 1;
}

Result<InclusionProof> ProveInclusion(std::int64_t index, std::int64_t tree_size,
                                      const HashReader& reader) {
  if (Status bad = CheckInclusionArguments(index, tree_size); !bad.ok()) return bad;
  std::vector<std::int64_t> indexes;
  InclusionIndexes(0, tree_size, index, indexes);
  auto hashes = ReadAll(reader, indexes);
  if (!hashes.ok()) return hashes.status();
  std::span<const Hash> rest(*hashes);
  InclusionProof proof;
  InclusionHashes(0, tree_size, index, rest, proof);
  return proof;
}

Result<ConsistencyProof> ProveConsistency(std::int64_t old_size, std::int64_t new_size,
                                          const HashReader& reader) {
  if (Status bad = CheckConsistencyArguments(old_size, new_size); !bad.ok()) return bad;
  if (old_size == 0) return ConsistencyProof{};
  std::vector<std::int64_t> indexes;
  ConsistencyIndexes(0, new_size, old_size, indexes);
  auto hashes = ReadAll(reader, indexes);
  if (!hashes.ok()) return hashes.status();
  std::span<const Hash> rest(*hashes);
  ConsistencyProof proof;
  ConsistencyHashes(0, new_size, old_size, rest, proof);
  return proof;
}

Status VerifyInclusion(std::span<const Hash> proof, std::int64_t index, const Hash& leaf_hash,
                       std::int64_t tree_size, const Hash& root) {
  if (Status bad = CheckInclusionArguments(index, tree_size); !bad.ok()) return bad;
  if (Status bad = CheckLength("inclusion", proof.size(), InclusionProofLength(index, tree_size));
      !bad.ok()) {
    return bad;
  }
  if (RunInclusion(proof, 0, tree_size, index, leaf_hash) != root) {
    return Status::InvalidArgument("the inclusion proof of leaf " + std::to_string(index) +
                                   " does not lead to the root of the tree of size " +
                                   std::to_string(tree_size));
  }
  return Status::Ok();
}

Status VerifyConsistency(std::span<const Hash> proof, std::int64_t old_size, const Hash& old_root,
                         std::int64_t new_size, const Hash& new_root) {
  if (Status bad = CheckConsistencyArguments(old_size, new_size); !bad.ok()) return bad;
  const std::size_t expected = ConsistencyProofLength(old_size, new_size);
  if (Status bad = CheckLength("consistency", proof.size(), expected); !bad.ok()) return bad;
  const std::string sizes = std::to_string(old_size) + " to " + std::to_string(new_size);
  if (old_size == 0) {
    if (old_root != EmptyTreeHash()) {
      return Status::InvalidArgument("the root of the empty tree is SHA-256 of no bytes");
    }
    return Status::Ok();
  }
  const Roots roots = RunConsistency(proof, 0, new_size, old_size, old_root);
  if (roots.old_root != old_root) {
    return Status::InvalidArgument("the consistency proof from " + sizes +
                                   " does not lead to the old root");
  }
  if (roots.new_root != new_root) {
    return Status::InvalidArgument("the consistency proof from " + sizes +
                                   " does not lead to the new root");
  }
  return Status::Ok();
}

}  // namespace hattama::tlog
