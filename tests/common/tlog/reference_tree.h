// RFC 6962 §2.1 written out as the RFC states it (MTH, PATH, PROOF over a list of leaf hashes),
// recursive and slow: an independent definition to hold the store-based library code to.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "common/tlog/hash.h"

namespace hattama::tlog::testing {

// The largest power of two smaller than n (n > 1).
inline std::int64_t ReferenceSplit(std::int64_t n) {
  std::int64_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

inline Hash ReferenceRoot(std::span<const Hash> leaves) {
  if (leaves.empty()) return EmptyTreeHash();
  if (leaves.size() == 1) return leaves[0];
  const auto k = static_cast<std::size_t>(ReferenceSplit(static_cast<std::int64_t>(leaves.size())));
  return NodeHash(ReferenceRoot(leaves.first(k)), ReferenceRoot(leaves.subspan(k)));
}

// PATH(m, D[n]).
inline std::vector<Hash> ReferenceInclusion(std::int64_t m, std::span<const Hash> leaves) {
  const auto n = static_cast<std::int64_t>(leaves.size());
  if (n <= 1) return {};
  const std::int64_t k = ReferenceSplit(n);
  std::vector<Hash> path;
  if (m < k) {
    path = ReferenceInclusion(m, leaves.first(k));
    path.push_back(ReferenceRoot(leaves.subspan(k)));
  } else {
    path = ReferenceInclusion(m - k, leaves.subspan(k));
    path.push_back(ReferenceRoot(leaves.first(k)));
  }
  return path;
}

// SUBPROOF(m, D[n], b).
inline std::vector<Hash> ReferenceSubproof(std::int64_t m, std::span<const Hash> leaves,
                                           bool complete) {
  const auto n = static_cast<std::int64_t>(leaves.size());
  if (m == n) {
    if (complete) return {};
    return {ReferenceRoot(leaves)};
  }
  const std::int64_t k = ReferenceSplit(n);
  std::vector<Hash> proof;
  if (m <= k) {
    proof = ReferenceSubproof(m, leaves.first(k), complete);
    proof.push_back(ReferenceRoot(leaves.subspan(k)));
  } else {
    proof = ReferenceSubproof(m - k, leaves.subspan(k), false);
    proof.push_back(ReferenceRoot(leaves.first(k)));
  }
  return proof;
}

// PROOF(m, D[n]) for 0 < m <= n.
inline std::vector<Hash> ReferenceConsistency(std::int64_t m, std::span<const Hash> leaves) {
  return ReferenceSubproof(m, leaves, true);
}

}  // namespace hattama::tlog::testing
