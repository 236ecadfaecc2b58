#include "common/tlog/hash.h"

#include <gtest/gtest.h>

#include "common/tlog/memory_tree.h"
#include "tests/common/tlog/reference_tree.h"
#include "tests/common/tlog/test_vectors.h"

namespace hattama::tlog {
namespace {

using testing::HexOf;
using testing::Unhex;

// The roots of the trees of the first n of testing::kCtLeaves, published with them
// (transparency-dev/merkle testonly/constants.go).
const char* const kRoots[] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",  // no leaves
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

TEST(MerkleHash, LeafAndNodeHashesAreTheRfc6962Vectors) {
  // transparency-dev/merkle rfc6962/rfc6962_test.go.
  EXPECT_EQ(HexOf(EmptyTreeHash()), kRoots[0]);
  EXPECT_EQ(HexOf(LeafHash("")),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
  EXPECT_EQ(HexOf(LeafHash("L123456")),
            "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56");
  EXPECT_EQ(HexOf(NodeHash(LeafHash(""), LeafHash(Unhex("00")))), kRoots[2]);
}

TEST(MerkleHash, TreesOfTheTestLeavesHaveTheirPublishedRoots) {
  MemoryTree tree;
  EXPECT_EQ(HexOf(tree.Head().root), kRoots[0]);
  for (std::size_t i = 0; i < std::size(testing::kCtLeaves); ++i) {
    tree.Append(LeafHash(Unhex(testing::kCtLeaves[i])));
    EXPECT_EQ(HexOf(tree.Head().root), kRoots[i + 1]) << "size " << i + 1;
  }
  for (std::int64_t size = 0; size <= 8; ++size) {
    EXPECT_EQ(HexOf(*tree.RootAt(size)), kRoots[size]) << "size " << size;
  }
}

// transparency-dev/merkle compact/range_test.go, TestGetRootHashGolden: leaf i's entry is the two
// bytes i & 0xff, i >> 8. These sizes cross full and partial tiles of every level up to 2.
TEST(MerkleHash, LargerTreesHaveTheirPublishedRoots) {
  const std::pair<std::int64_t, const char*> kGolden[] = {
      {10, "VjWMPSYNtCuCNlF/RLnQy6HcwSk6CIipfxm+hettA+4="},
      {15, "j4SulYmocFuxdeyp12xXCIgK6PekBcxzAIj4zbQzNEI="},
      {16, "c+4Uc6BCMOZf/v3NZK1kqTUJe+bBoFtOhP+P3SayKRE="},
      {100, "dUh9hYH88p0CMoHkdr1wC2szbhcLAXOejWpINIooKUY="},
      {255, "SmdsuKUqiod3RX2jyF2M6JnbdE4QuTwwipfAowI4/i0="},
      {256, "qFI0t/tZ1MdOYgyPpPzHFiZVw86koScXy9q3FU5casA="},
      {1000, "RXrgb8xHd55Y48FbfotJwCbV82Kx22LZfEbmBGAvwlQ="},
      {4095, "cWRFdQhPcjn9WyBXE/r1f04ejxIm5lvg40DEpRBVS0w="},
      {4096, "6uU/phfHg1n/GksYT6TO9aN8EauMCCJRl3dIK0HDs2M="},
      {10000, "VZcav65F9haHVRk3wre2axFoBXRNeUh/1d9d5FQfxIg="},
      {65535, "iPuVYJhP6SEE4gUFp8qbafd2rYv9YTCDYqAxCj8HdLM="},
  };
  MemoryTree tree;
  for (std::int64_t i = 0; i < 65535; ++i) {
    const char entry[2] = {static_cast<char>(i & 0xff), static_cast<char>(i >> 8 & 0xff)};
    tree.Append(LeafHash(std::string_view(entry, 2)));
  }
  for (const auto& [size, root] : kGolden) {
    EXPECT_EQ(HashToBase64(*tree.RootAt(size)), root) << "size " << size;
  }
}

TEST(MerkleHash, EveryStoredTreeHashIsTheRfcDefinition) {
  MemoryTree tree;
  std::vector<Hash> leaves;
  for (int i = 0; i <= 300; ++i) {
    ASSERT_EQ(HexOf(*tree.RootAt(i)), HexOf(testing::ReferenceRoot(leaves))) << "size " << i;
    leaves.push_back(LeafHash("entry " + std::to_string(i)));
    tree.Append(leaves.back());
  }
}

TEST(MerkleHash, HashesRoundTripThroughBase64AndBytes) {
  const Hash hash = LeafHash("x");
  EXPECT_EQ(HashToBase64(hash).size(), 44u);
  EXPECT_EQ(*HashFromBase64(HashToBase64(hash)), hash);
  EXPECT_EQ(*HashFromBytes(HashBytes(hash)), hash);
  EXPECT_EQ(HashFromBase64("AAAA").status().message(), "a hash is 32 bytes, not 3");
  EXPECT_FALSE(HashFromBase64("not base64!").ok());
}

}  // namespace
}  // namespace hattama::tlog
