// Inclusion and consistency proofs of RFC 6962 §2.1.1–2.1.2 (RFC 9162 §2.1.3–2.1.4), made from
// a store of hashes (stored_hashes.h) and checked from nothing but the proof and tree heads. They
// are byte-for-byte the proofs of Certificate Transparency and of Go's sumdb/tlog (ProveRecord,
// ProveTree, CheckRecord, CheckTree; Go takes the tree size first, these take it second).
//
// A proof is a list of 32-byte hashes, ordered from the bottom of the tree up (RFC 6962's order).
// In text, each hash is base64 (hash.h).
//
//   inclusion proof of leaf `index` in the tree of `tree_size` leaves (0 <= index < tree_size):
//     RFC 6962's PATH(index, D[0:tree_size]), the hashes of the siblings on the way from the leaf
//     to the root; empty for a tree of one leaf.
//   consistency proof from `old_size` to `new_size` leaves (0 <= old_size <= new_size):
//     RFC 6962's PROOF(old_size, D[0:new_size]); empty when old_size == new_size. An empty old
//     tree is a prefix of every tree, so its proof is empty too (its root is EmptyTreeHash()).
//
// Verification recomputes the roots from the proof and fails unless they equal the given ones and
// the proof has exactly the length it must have; a Status says which (InvalidArgument, always).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "common/base/result.h"
#include "common/tlog/hash.h"
#include "common/tlog/stored_hashes.h"

namespace hattama::tlog {

using InclusionProof = std::vector<Hash>;
using ConsistencyProof = std::vector<Hash>;

// InvalidArgument unless 0 <= index < tree_size; otherwise what `reader` says when it cannot read.
Result<InclusionProof> ProveInclusion(std::int64_t index, std::int64_t tree_size,
                                      const HashReader& reader);
// InvalidArgument unless 0 <= old_size <= new_size.
Result<ConsistencyProof> ProveConsistency(std::int64_t old_size, std::int64_t new_size,
                                          const HashReader& reader);

// Ok when `proof` shows that the leaf with hash `leaf_hash` is leaf `index` of the tree of
// `tree_size` leaves whose root is `root`.
Status VerifyInclusion(std::span<const Hash> proof, std::int64_t index, const Hash& leaf_hash,
                       std::int64_t tree_size, const Hash& root);
// Ok when `proof` shows that the tree of `old_size` leaves with root `old_root` is a prefix of the
// tree of `new_size` leaves with root `new_root`.
Status VerifyConsistency(std::span<const Hash> proof, std::int64_t old_size, const Hash& old_root,
                         std::int64_t new_size, const Hash& new_root);

// The number of hashes in those proofs (for checking a proof's length before using it); 0 for
// sizes that have no proof.
std::size_t InclusionProofLength(std::int64_t index, std::int64_t tree_size);
std::size_t ConsistencyProofLength(std::int64_t old_size, std::int64_t new_size);

}  // namespace hattama::tlog
