#include "common/tlog/stored_hashes.h"

#include <gtest/gtest.h>

#include "common/tlog/memory_tree.h"

namespace hattama::tlog {
namespace {

TEST(StoredHashes, IndexesFollowTheDocumentedOrder) {
  // stored_hashes.h: leaves 0..3 store (0,0) (0,1) (1,0) (0,2) (0,3) (1,1) (2,0).
  const std::pair<int, std::int64_t> kOrder[] = {{0, 0}, {0, 1}, {1, 0}, {0, 2},
                                                 {0, 3}, {1, 1}, {2, 0}};
  for (std::int64_t index = 0; index < 7; ++index) {
    const auto [level, n] = kOrder[index];
    EXPECT_EQ(StoredHashIndex(level, n), index) << level << "," << n;
    EXPECT_EQ(SplitStoredHashIndex(index), kOrder[index]) << index;
  }
  EXPECT_EQ(StoredHashIndex(0, 4), 7);
  EXPECT_EQ(StoredHashIndex(3, 0), 14);
}

TEST(StoredHashes, SplitInvertsTheIndexEverywhere) {
  for (std::int64_t index = 0; index < 20000; ++index) {
    const auto [level, n] = SplitStoredHashIndex(index);
    ASSERT_EQ(StoredHashIndex(level, n), index) << index;
  }
  for (int level = 0; level < 40; ++level) {
    for (std::int64_t n : {std::int64_t{0}, std::int64_t{1}, std::int64_t{12345}}) {
      const auto split = SplitStoredHashIndex(StoredHashIndex(level, n));
      ASSERT_EQ(split, std::make_pair(level, n));
    }
  }
}

TEST(StoredHashes, ATreeStoresExactlyItsCountAndTheHashesOfItsSubtrees) {
  MemoryTree tree;
  for (std::int64_t size = 0; size < 1100; ++size) {
    ASSERT_EQ(tree.StoredHashCount(), StoredHashCount(size)) << "size " << size;
    // 2n - popcount(n): one hash per complete subtree at every level.
    ASSERT_EQ(StoredHashCount(size), 2 * size - std::popcount(static_cast<std::uint64_t>(size)));
    tree.Append(LeafHash(std::to_string(size)));
  }
  // Every stored hash (level > 0) is the node hash of its two children.
  const std::int64_t count = tree.StoredHashCount();
  for (std::int64_t index = 0; index < count; ++index) {
    const auto [level, n] = SplitStoredHashIndex(index);
    if (level == 0) continue;
    const std::int64_t wanted[] = {index, StoredHashIndex(level - 1, 2 * n),
                                   StoredHashIndex(level - 1, 2 * n + 1)};
    const auto hashes = tree.ReadHashes(wanted);
    ASSERT_TRUE(hashes.ok());
    ASSERT_EQ((*hashes)[0], NodeHash((*hashes)[1], (*hashes)[2])) << index;
  }
}

// A store that is down, or one that breaks HashReader's promise, is reported, never read past.
class BrokenReader final : public HashReader {
 public:
  explicit BrokenReader(bool down) : down_(down) {}
  Result<std::vector<Hash>> ReadHashes(std::span<const std::int64_t> indexes) const override {
    if (down_) return Status::Unavailable("redis is down");
    return std::vector<Hash>(indexes.size() - 1);
  }

 private:
  bool down_;
};

TEST(StoredHashes, AStoreThatFailsIsReportedAsItSays) {
  EXPECT_EQ(TreeHash(5, BrokenReader(true)).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(StoredHashesForLeaf(3, LeafHash("x"), BrokenReader(true)).status().message(),
            "redis is down");
  EXPECT_EQ(TreeHash(5, BrokenReader(false)).status().message(),
            "tlog: ReadHashes returned 1 hashes for 2 indexes");
  EXPECT_EQ(StoredHashesForLeaf(3, LeafHash("x"), BrokenReader(false)).status().code(),
            StatusCode::kInternal);
}

}  // namespace
}  // namespace hattama::tlog
