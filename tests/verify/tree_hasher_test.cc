// The streaming root hattama-verify hashes downloads with is the root of the log's own tree, at
// every size across several tile and power-of-two boundaries.
#include "tools/verify/tree_hasher.h"

#include <gtest/gtest.h>

#include <string>

#include "common/tlog/memory_tree.h"

namespace hattama::verify {
namespace {

TEST(VerifyTreeHasher, RootEqualsTheLogTreesRootAtEverySize) {
  TreeHasher hasher;
  tlog::MemoryTree tree;
  EXPECT_EQ(hasher.Root(), tlog::EmptyTreeHash());
  for (int i = 0; i < 600; ++i) {
    const tlog::Hash leaf = tlog::LeafHash("entry " + std::to_string(i));
    hasher.AppendLeaf(leaf);
    tree.Append(leaf);
    ASSERT_EQ(hasher.Root(), tree.Head().root) << "size " << i + 1;
  }
  EXPECT_EQ(hasher.size(), 600);
}

}  // namespace
}  // namespace hattama::verify
