#include "common/tlog/tile.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "common/tlog/memory_tree.h"

namespace hattama::tlog {
namespace {

TEST(TilePath, IsWrittenAsTlogTilesSpells) {
  EXPECT_EQ(TilePath({0, 0, 256}), "tile/0/000");
  EXPECT_EQ(TilePath({0, 5, 17}), "tile/0/005.p/17");
  EXPECT_EQ(TilePath({1, 1234067, 256}), "tile/1/x001/x234/067");  // the spec's example
  EXPECT_EQ(TilePath({2, 1000, 1}), "tile/2/x001/000.p/1");
  EXPECT_EQ(EntryBundlePath({0, 1234067, 256}), "tile/entries/x001/x234/067");
  EXPECT_EQ(EntryBundlePath({0, 3, 255}), "tile/entries/003.p/255");
}

TEST(TilePath, ParsesWhatItWritesAndNothingElse) {
  for (const Tile& tile : {Tile{0, 0, 256}, Tile{0, 5, 17}, Tile{1, 1234067, 256},
                           Tile{63, 999999999999, 1}, Tile{7, 1000000, 255}}) {
    auto parsed = ParseTilePath(TilePath(tile));
    ASSERT_TRUE(parsed.ok()) << parsed.status().message();
    EXPECT_FALSE(parsed->entry_bundle);
    EXPECT_EQ(parsed->tile, tile);
    auto bundle = ParseTilePath(EntryBundlePath(tile));
    ASSERT_TRUE(bundle.ok()) << bundle.status().message();
    EXPECT_TRUE(bundle->entry_bundle);
    EXPECT_EQ(bundle->tile, (Tile{0, tile.n, tile.width}));
  }
  for (const char* bad :
       {"tile/0/5", "tile/0/0005", "tile/00/000", "tile/64/000", "tile/-1/000", "tile/0/x000/005",
        "tile/0/001/002", "tile/0/x001", "tile/0/000.p/0", "tile/0/000.p/256", "tile/0/000.p/07",
        "tile/0/000.p", "tile/0/000/", "tile/entries", "tile/0", "tiles/0/000", "/tile/0/000",
        "tile/data/000", "tile/0/x999/x999/x999/x999/x999/x999/x999/999"}) {
    EXPECT_FALSE(ParseTilePath(bad).ok()) << bad;
  }
  EXPECT_EQ(ParseTilePath("tile/0/x000/005").status().message(),
            "\"tile/0/x000/005\" is not a tile path: not written as tile/0/005");
}

std::multiset<std::string> Paths(const std::vector<Tile>& tiles) {
  std::multiset<std::string> paths;
  for (const Tile& tile : tiles) paths.insert(TilePath(tile));
  return paths;
}

TEST(NewTiles, ATreeOf70000HasTheTilesTheSpecLists) {
  // tlog-tiles: "a tree of size 70,000 will be represented by 273 full level 0 tiles, one partial
  // level 0 tile of width 112, one full level 1 tile, one partial level 1 tile of width 17, and
  // one partial level 2 tile of width 1".
  const std::vector<Tile> tiles = NewTiles(0, 70000);
  const auto count = [&](int level, int width) {
    return std::count_if(tiles.begin(), tiles.end(),
                         [&](const Tile& t) { return t.level == level && t.width == width; });
  };
  EXPECT_EQ(count(0, 256), 273);
  EXPECT_EQ(count(0, 112), 1);
  EXPECT_EQ(count(1, 256), 1);
  EXPECT_EQ(count(1, 17), 1);
  EXPECT_EQ(count(2, 1), 1);
  EXPECT_EQ(tiles.size(), 277u);
  // "a tree of size 256 will be represented by a full level 0 tile and a partial level 1 tile of
  // width 1".
  EXPECT_EQ(Paths(NewTiles(0, 256)), (std::multiset<std::string>{"tile/0/000", "tile/1/000.p/1"}));
}

TEST(NewTiles, GrowingPublishesCompletedTilesAndTheNewPartialsOnly) {
  EXPECT_EQ(Paths(NewTiles(250, 260)),
            (std::multiset<std::string>{"tile/0/000", "tile/0/001.p/4", "tile/1/000.p/1"}));
  EXPECT_EQ(Paths(NewTiles(260, 261)), (std::multiset<std::string>{"tile/0/001.p/5"}));
  EXPECT_TRUE(NewTiles(261, 261).empty());
  EXPECT_EQ(Paths(NewTiles(511, 512)),
            (std::multiset<std::string>{"tile/0/001", "tile/1/000.p/2"}));
  // Growing in steps publishes every full tile that one step from 0 does, once.
  std::set<std::string> stepped;
  std::int64_t size = 0;
  for (std::int64_t next : {1, 255, 256, 700, 65535, 65536, 70000}) {
    for (const Tile& tile : NewTiles(size, next)) {
      if (tile.width == kTileWidth) {
        EXPECT_TRUE(stepped.insert(TilePath(tile)).second);
      }
    }
    size = next;
  }
  std::set<std::string> at_once;
  for (const Tile& tile : NewTiles(0, 70000)) {
    if (tile.width == kTileWidth) at_once.insert(TilePath(tile));
  }
  EXPECT_EQ(stepped, at_once);
}

TEST(TileData, HoldsTheLeafHashesAndTheRootsOfTheTilesBelow) {
  MemoryTree tree;
  std::vector<Hash> leaves;
  for (int i = 0; i < 600; ++i) {
    leaves.push_back(LeafHash("entry " + std::to_string(i)));
    tree.Append(leaves.back());
  }
  auto partial = ReadTileData({0, 2, 88}, tree);  // leaves 512..599
  ASSERT_TRUE(partial.ok()) << partial.status().message();
  ASSERT_EQ(partial->size(), 88 * kHashSize);
  for (int i = 0; i < 88; ++i) {
    ASSERT_EQ(partial->substr(i * kHashSize, kHashSize), HashBytes(leaves[512 + i])) << i;
  }
  // Level 1, partial of width 2: the roots of the trees of leaves 0..255 and 256..511.
  auto level1 = ReadTileData({1, 0, 2}, tree);
  ASSERT_TRUE(level1.ok());
  ASSERT_EQ(level1->size(), 2 * kHashSize);
  EXPECT_EQ(level1->substr(0, kHashSize), HashBytes(*tree.RootAt(256)));
  EXPECT_EQ(NodeHash(*HashFromBytes(level1->substr(0, kHashSize)),
                     *HashFromBytes(level1->substr(kHashSize))),
            *tree.RootAt(512));
  EXPECT_EQ(ReadTileData({0, 2, 89}, tree).status().code(), StatusCode::kNotFound);
}

TEST(EntryBundle, EntriesRoundTripWithTheirLengthPrefixes) {
  const std::vector<std::string> entries = {"", "a", std::string(300, 'x'),
                                            std::string(65535, '\xff')};
  auto bundle = EncodeEntryBundle(entries);
  ASSERT_TRUE(bundle.ok()) << bundle.status().message();
  EXPECT_EQ(bundle->substr(0, 5), std::string("\x00\x00\x00\x01"
                                              "a",
                                              5));
  EXPECT_EQ(bundle->substr(5, 2), "\x01\x2c");  // 300, big-endian
  EXPECT_EQ(bundle->size(), 2 + 0 + 2 + 1 + 2 + 300 + 2 + 65535u);
  auto decoded = DecodeEntryBundle(*bundle);
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  EXPECT_EQ(*decoded, entries);
}

TEST(EntryBundle, WhatTheFormatCannotHoldIsRefused) {
  EXPECT_EQ(
      EncodeEntryBundle(std::vector<std::string>{"ok", std::string(65536, 'x')}).status().message(),
      "entry 1 of the bundle is 65536 bytes; tlog-tiles entries are at most 65535");
  EXPECT_FALSE(EncodeEntryBundle(std::vector<std::string>{}).ok());
  EXPECT_FALSE(EncodeEntryBundle(std::vector<std::string>(257, "e")).ok());
  EXPECT_TRUE(EncodeEntryBundle(std::vector<std::string>(256, "e")).ok());

  EXPECT_EQ(DecodeEntryBundle(std::string("\x00\x05"
                                          "abc",
                                          5))
                .status()
                .message(),
            "entry 0 of the bundle is cut short");
  EXPECT_EQ(DecodeEntryBundle(std::string("\x00\x01"
                                          "a\x00",
                                          4))
                .status()
                .message(),
            "the entry bundle ends in a cut length");
  EXPECT_EQ(DecodeEntryBundle("").status().message(), "the entry bundle is empty");
  std::string too_many;
  for (int i = 0; i < 257; ++i) too_many += std::string("\x00\x00", 2);
  EXPECT_EQ(DecodeEntryBundle(too_many).status().message(),
            "the entry bundle holds more than 256 entries");
}

}  // namespace
}  // namespace hattama::tlog
