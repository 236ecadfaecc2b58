// The RFC 6962 root of a tree whose leaves arrive one by one, in memory that grows with the log of
// the leaf count only: it keeps the roots of the perfect subtrees that the leaves so far make up
// (a "compact range", one per 1-bit of the count), so a checker can hash a log of millions of
// entries as it downloads them and compare the root with a checkpoint's.
//
// Not thread-safe: one TreeHasher per download.
#pragma once

#include <cstdint>
#include <vector>

#include "common/tlog/hash.h"

namespace hattama::verify {

class TreeHasher {
 public:
  void AppendLeaf(const tlog::Hash& leaf_hash);
  std::int64_t size() const { return size_; }
  // The root of the leaves appended so far (EmptyTreeHash() for none).
  tlog::Hash Root() const;

 private:
  struct Subtree {
    std::int64_t leaves;
    tlog::Hash hash;
  };
  // Left to right, sizes strictly decreasing powers of two.
  std::vector<Subtree> subtrees_;
  std::int64_t size_ = 0;
};

}  // namespace hattama::verify
