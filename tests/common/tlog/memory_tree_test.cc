#include "common/tlog/memory_tree.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace hattama::tlog {
namespace {

Hash Leaf(std::int64_t i) { return LeafHash("entry " + std::to_string(i)); }

std::vector<Hash> StoreOf(const MemoryTree& tree) {
  std::vector<std::int64_t> all(static_cast<std::size_t>(tree.StoredHashCount()));
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<std::int64_t>(i);
  return *tree.ReadHashes(all);
}

TEST(MemoryTree, AppendsGetConsecutiveIndexesAndTheHeadFollows) {
  MemoryTree tree;
  EXPECT_EQ(tree.Head(), (TreeHead{0, EmptyTreeHash()}));
  for (std::int64_t i = 0; i < 5; ++i) EXPECT_EQ(tree.Append(Leaf(i)), i);
  EXPECT_EQ(tree.Head().size, 5);
  EXPECT_EQ(tree.Head().root, *tree.RootAt(5));
  EXPECT_EQ(*tree.LeafHashAt(3), Leaf(3));
  EXPECT_EQ(tree.LeafHashAt(5).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(tree.RootAt(6).status().message(), "the log has no tree of size 6 (its size is 5)");
  EXPECT_EQ(tree.ReadHashes(std::vector<std::int64_t>{8}).status().code(), StatusCode::kNotFound);
}

TEST(MemoryTree, RebuiltFromItsStoreItIsTheSameTree) {
  MemoryTree tree;
  for (std::int64_t i = 0; i < 1000; ++i) tree.Append(Leaf(i));
  auto rebuilt = MemoryTree::FromStoredHashes(StoreOf(tree));
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status().message();
  EXPECT_EQ((*rebuilt)->Head(), tree.Head());
  // It goes on growing as the original would.
  tree.Append(Leaf(1000));
  (*rebuilt)->Append(Leaf(1000));
  EXPECT_EQ((*rebuilt)->Head(), tree.Head());
  EXPECT_EQ(*(*rebuilt)->ProveConsistency(17, 1001), *tree.ProveConsistency(17, 1001));
}

TEST(MemoryTree, AStoreWithATornOrAlteredWriteIsRefused) {
  MemoryTree tree;
  for (std::int64_t i = 0; i < 8; ++i) tree.Append(Leaf(i));
  std::vector<Hash> stored = StoreOf(tree);  // 15 hashes; leaf 7 wrote its leaf and 3 subtrees
  ASSERT_EQ(stored.size(), 15u);

  std::vector<Hash> torn(stored.begin(), stored.end() - 2);  // (1,3) written, (2,1) (3,0) not
  EXPECT_EQ(MemoryTree::FromStoredHashes(torn).status().message(),
            "13 stored hashes are not the store of any tree (a torn write?)");

  std::vector<Hash> altered = stored;
  altered[StoredHashIndex(0, 5)] = Leaf(55);
  EXPECT_EQ(MemoryTree::FromStoredHashes(altered).status().message(),
            "stored hash 9 (level 1, 2) is not the hash of its two children");
  EXPECT_TRUE(MemoryTree::FromStoredHashes({}).ok());
}

// A writer appends while readers take heads and prove against them: every proof made for a head
// a reader saw verifies, however the appends interleave. Each reader runs until it has checked
// proofs across 50 different sizes; the writer stops when both are done (or at a cap, which
// would fail the test), so the two always overlap and nothing waits on a clock.
TEST(MemoryTree, ProofsForAHeadVerifyWhileAppendsGoOn) {
  constexpr std::int64_t kMaxLeaves = 500000;
  constexpr int kSizesToSee = 50;
  MemoryTree tree;
  tree.Append(Leaf(0));
  std::atomic<bool> writer_done = false;
  std::atomic<int> readers_done = 0;
  std::atomic<int> failures = 0;
  std::atomic<int> sizes_seen[2] = {0, 0};
  auto reader = [&](int id) {
    TreeHead previous = tree.Head();
    while (sizes_seen[id] < kSizesToSee && !writer_done) {
      const TreeHead head = tree.Head();
      const std::int64_t index = (id * 7919 + head.size * 31) % head.size;
      auto inclusion = tree.ProveInclusion(index, head.size);
      auto consistency = tree.ProveConsistency(previous.size, head.size);
      if (!inclusion.ok() || !consistency.ok() ||
          !VerifyInclusion(*inclusion, index, Leaf(index), head.size, head.root).ok() ||
          !VerifyConsistency(*consistency, previous.size, previous.root, head.size, head.root)
               .ok()) {
        ++failures;
      }
      if (head.size != previous.size) ++sizes_seen[id];
      previous = head;
    }
    ++readers_done;
  };
  std::thread first(reader, 0);
  std::thread second(reader, 1);
  std::int64_t appended = 1;
  for (; readers_done < 2 && appended < kMaxLeaves; ++appended) tree.Append(Leaf(appended));
  writer_done = true;
  first.join();
  second.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(sizes_seen[0].load(), kSizesToSee);
  EXPECT_EQ(sizes_seen[1].load(), kSizesToSee);
  EXPECT_EQ(tree.Head().size, appended);
}

}  // namespace
}  // namespace hattama::tlog
