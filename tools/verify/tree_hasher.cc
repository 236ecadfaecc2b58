#include "tools/verify/tree_hasher.h"

namespace hattama::verify {

void TreeHasher::AppendLeaf(const tlog::Hash& leaf_hash) {
  Subtree added{.leaves = 1, .hash = leaf_hash};
  // Two perfect subtrees of equal size side by side are the two halves of one twice as large.
  while (!subtrees_.empty() && subtrees_.back().leaves == added.leaves) {
    added = {.leaves = added.leaves * 2, .hash = tlog::NodeHash(subtrees_.back().hash, added.hash)};
    subtrees_.pop_back();
  }
  subtrees_.push_back(added);
  ++size_;
}

tlog::Hash TreeHasher::Root() const {
  if (subtrees_.empty()) return tlog::EmptyTreeHash();
  // RFC 6962 splits at the largest power of two below the size: the leftmost subtree is the left
  // child of the root, and the rest hang off to the right, smallest lowest.
  tlog::Hash root = subtrees_.back().hash;
  for (auto it = subtrees_.rbegin() + 1; it != subtrees_.rend(); ++it) {
    root = tlog::NodeHash(it->hash, root);
  }
  return root;
}

}  // namespace hattama::verify
