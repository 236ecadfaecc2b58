#include "common/tlog/proof.h"

#include <gtest/gtest.h>

#include "common/tlog/memory_tree.h"
#include "tests/common/tlog/reference_tree.h"
#include "tests/common/tlog/test_vectors.h"

namespace hattama::tlog {
namespace {

using testing::HashFromHex;
using testing::Unhex;

std::vector<Hash> Hashes(std::initializer_list<const char*> hex) {
  std::vector<Hash> hashes;
  for (const char* h : hex) hashes.push_back(HashFromHex(h));
  return hashes;
}

class TestTree {
 public:
  explicit TestTree(int size) {
    for (int i = 0; i < size; ++i) {
      leaves_.push_back(
          LeafHash(i < 8 ? Unhex(testing::kCtLeaves[i]) : "leaf " + std::to_string(i)));
      tree_.Append(leaves_.back());
    }
  }
  const MemoryTree& tree() const { return tree_; }
  const Hash& leaf(std::int64_t i) const { return leaves_[i]; }
  std::span<const Hash> first(std::int64_t n) const { return std::span(leaves_).first(n); }
  Hash root(std::int64_t n) const { return *tree_.RootAt(n); }

 private:
  MemoryTree tree_;
  std::vector<Hash> leaves_;
};

// transparency-dev/merkle testonly/reference_test.go (TestRefInclusionProof), 0-based indexes.
TEST(InclusionProof, MatchesThePublishedVectors) {
  const TestTree test(8);
  const struct {
    std::int64_t index, size;
    std::vector<Hash> proof;
  } kVectors[] = {
      {0, 1, {}},
      {0, 2, Hashes({"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"})},
      {1, 2, Hashes({"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"})},
      {2, 3, Hashes({"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"})},
      {1, 5,
       Hashes({"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
               "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
               "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"})},
      {0, 8,
       Hashes({"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
               "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
               "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"})},
      {5, 8,
       Hashes({"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
               "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
               "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"})},
  };
  for (const auto& vector : kVectors) {
    auto proof = test.tree().ProveInclusion(vector.index, vector.size);
    ASSERT_TRUE(proof.ok()) << proof.status().message();
    EXPECT_EQ(*proof, vector.proof) << vector.index << " in " << vector.size;
    EXPECT_TRUE(VerifyInclusion(vector.proof, vector.index, test.leaf(vector.index), vector.size,
                                test.root(vector.size))
                    .ok());
  }
}

// transparency-dev/merkle proof/verify_test.go (consistencyProofs).
TEST(ConsistencyProof, MatchesThePublishedVectors) {
  const TestTree test(8);
  const struct {
    std::int64_t old_size, new_size;
    std::vector<Hash> proof;
  } kVectors[] = {
      {1, 1, {}},
      {1, 8,
       Hashes({"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
               "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
               "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"})},
      {6, 8,
       Hashes({"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
               "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
               "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"})},
      {2, 5,
       Hashes({"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
               "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"})},
  };
  for (const auto& vector : kVectors) {
    auto proof = test.tree().ProveConsistency(vector.old_size, vector.new_size);
    ASSERT_TRUE(proof.ok()) << proof.status().message();
    EXPECT_EQ(*proof, vector.proof) << vector.old_size << " to " << vector.new_size;
    EXPECT_TRUE(VerifyConsistency(vector.proof, vector.old_size, test.root(vector.old_size),
                                  vector.new_size, test.root(vector.new_size))
                    .ok());
  }
}

constexpr int kAllUpTo = 70;

TEST(InclusionProof, EveryLeafOfEveryTreeUpTo70IsProvenAsTheRfcDefinesAndVerifies) {
  const TestTree test(kAllUpTo);
  for (std::int64_t size = 1; size <= kAllUpTo; ++size) {
    for (std::int64_t index = 0; index < size; ++index) {
      auto proof = test.tree().ProveInclusion(index, size);
      ASSERT_TRUE(proof.ok()) << proof.status().message();
      ASSERT_EQ(*proof, testing::ReferenceInclusion(index, test.first(size)))
          << index << " in " << size;
      ASSERT_EQ(proof->size(), InclusionProofLength(index, size));
      const Status verified =
          VerifyInclusion(*proof, index, test.leaf(index), size, test.root(size));
      ASSERT_TRUE(verified.ok()) << index << " in " << size << ": " << verified.message();
    }
  }
}

TEST(ConsistencyProof, EveryPairOfTreesUpTo70IsProvenAsTheRfcDefinesAndVerifies) {
  const TestTree test(kAllUpTo);
  for (std::int64_t new_size = 0; new_size <= kAllUpTo; ++new_size) {
    for (std::int64_t old_size = 0; old_size <= new_size; ++old_size) {
      auto proof = test.tree().ProveConsistency(old_size, new_size);
      ASSERT_TRUE(proof.ok()) << proof.status().message();
      if (old_size > 0) {
        ASSERT_EQ(*proof, testing::ReferenceConsistency(old_size, test.first(new_size)))
            << old_size << " to " << new_size;
      }
      ASSERT_EQ(proof->size(), ConsistencyProofLength(old_size, new_size));
      const Status verified =
          VerifyConsistency(*proof, old_size, test.root(old_size), new_size, test.root(new_size));
      ASSERT_TRUE(verified.ok()) << old_size << " to " << new_size << ": " << verified.message();
    }
  }
}

// Every single change to a proof or to what it claims must be caught.
TEST(InclusionProof, AnyTamperingIsDetected) {
  const TestTree test(kAllUpTo);
  const Hash other = LeafHash("not in the tree");
  for (std::int64_t size = 1; size <= kAllUpTo; ++size) {
    for (std::int64_t index = 0; index < size; ++index) {
      const InclusionProof proof = *test.tree().ProveInclusion(index, size);
      const Hash& leaf = test.leaf(index);
      const Hash root = test.root(size);
      for (std::size_t i = 0; i < proof.size(); ++i) {
        for (int bit = 0; bit < 256; bit += 37) {
          InclusionProof bad = proof;
          bad[i][bit / 8] ^= static_cast<std::uint8_t>(1 << (bit % 8));
          ASSERT_FALSE(VerifyInclusion(bad, index, leaf, size, root).ok());
        }
      }
      ASSERT_FALSE(VerifyInclusion(proof, index, other, size, root).ok());
      ASSERT_FALSE(VerifyInclusion(proof, index, leaf, size, other).ok());
      if (size > 1) {
        ASSERT_FALSE(VerifyInclusion(proof, (index + 1) % size, leaf, size, root).ok());
      }
      if (size < kAllUpTo) {
        // The proof for this size, offered for the next tree (with that tree's root).
        ASSERT_FALSE(VerifyInclusion(proof, index, leaf, size + 1, test.root(size + 1)).ok());
      }
      InclusionProof longer = proof;
      longer.push_back(root);
      ASSERT_FALSE(VerifyInclusion(longer, index, leaf, size, root).ok());
      if (!proof.empty()) {
        ASSERT_FALSE(
            VerifyInclusion(std::span(proof).first(proof.size() - 1), index, leaf, size, root)
                .ok());
      }
    }
  }
}

TEST(ConsistencyProof, AnyTamperingIsDetected) {
  const TestTree test(kAllUpTo);
  const Hash other = LeafHash("not a root");
  for (std::int64_t new_size = 1; new_size <= kAllUpTo; ++new_size) {
    for (std::int64_t old_size = 1; old_size <= new_size; ++old_size) {
      const ConsistencyProof proof = *test.tree().ProveConsistency(old_size, new_size);
      const Hash old_root = test.root(old_size);
      const Hash new_root = test.root(new_size);
      for (std::size_t i = 0; i < proof.size(); ++i) {
        ConsistencyProof bad = proof;
        bad[i][i % kHashSize] ^= 0x40;
        ASSERT_FALSE(VerifyConsistency(bad, old_size, old_root, new_size, new_root).ok());
      }
      ASSERT_FALSE(VerifyConsistency(proof, old_size, other, new_size, new_root).ok());
      ASSERT_FALSE(VerifyConsistency(proof, old_size, old_root, new_size, other).ok());
      ConsistencyProof longer = proof;
      longer.push_back(old_root);
      ASSERT_FALSE(VerifyConsistency(longer, old_size, old_root, new_size, new_root).ok());
      if (old_size < new_size) {
        // A tree that is not a prefix: the roots swapped, or an old size that is off by one.
        ASSERT_FALSE(VerifyConsistency(proof, old_size, new_root, new_size, old_root).ok());
        ASSERT_FALSE(
            VerifyConsistency(proof, old_size + 1, test.root(old_size + 1), new_size, new_root)
                .ok());
      }
    }
  }
}

TEST(InclusionProof, ErrorsSayWhatIsWrong) {
  const TestTree test(8);
  const Hash root = test.root(8);
  EXPECT_EQ(test.tree().ProveInclusion(8, 8).status().message(),
            "leaf index 8 is not in a tree of size 8");
  EXPECT_EQ(test.tree().ProveInclusion(0, 9).status().message(),
            "the log has no tree of size 9 (its size is 8)");
  EXPECT_EQ(VerifyInclusion({}, 5, test.leaf(5), 8, root).message(),
            "the inclusion proof has 0 hashes, not the 3 it must have");
  const InclusionProof proof = *test.tree().ProveInclusion(5, 8);
  EXPECT_EQ(VerifyInclusion(proof, 5, test.leaf(4), 8, root).message(),
            "the inclusion proof of leaf 5 does not lead to the root of the tree of size 8");
}

TEST(ConsistencyProof, ErrorsSayWhatIsWrong) {
  const TestTree test(8);
  EXPECT_EQ(test.tree().ProveConsistency(6, 5).status().message(),
            "a tree of size 6 cannot be a prefix of a tree of size 5");
  const ConsistencyProof proof = *test.tree().ProveConsistency(6, 8);
  EXPECT_EQ(VerifyConsistency(proof, 6, test.root(5), 8, test.root(8)).message(),
            "the consistency proof from 6 to 8 does not lead to the old root");
  EXPECT_EQ(VerifyConsistency(proof, 6, test.root(6), 8, test.root(7)).message(),
            "the consistency proof from 6 to 8 does not lead to the new root");
  EXPECT_EQ(VerifyConsistency({}, 0, test.root(1), 8, test.root(8)).message(),
            "the root of the empty tree is SHA-256 of no bytes");
  EXPECT_TRUE(VerifyConsistency({}, 0, EmptyTreeHash(), 8, test.root(8)).ok());
}

}  // namespace
}  // namespace hattama::tlog
