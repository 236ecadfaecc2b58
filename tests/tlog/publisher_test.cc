// The tiles directory as a static file server would serve it: every tile and bundle a checkpoint
// needs, byte for byte what the tree holds, the checkpoint signed with the log key, partial tiles
// gone once full, and the same files again when the directory is written afresh.
#include "services/tlog/publisher.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/tlog/proof.h"
#include "services/tlog/log_tree.h"
#include "tests/tlog/tlog_testing.h"
#include "tools/stack/process.h"

namespace hattama::transparency {
namespace {

namespace fs = std::filesystem;
using testing::CheckpointFileDifferences;
using testing::EntryOf;
using testing::FileDifferences;
using testing::TestSigner;
using testing::TileFiles;

// A log of `leaves` entries in memory and a publisher over `dir`.
struct Log {
  explicit Log(const std::string& dir) : store(TileStore::Open(dir).value()) {}
  void Grow(int64_t to) {
    while (tree.Head().size < to) {
      const int64_t n = tree.Head().size;
      const std::string entry = EntryOf("s-" + std::to_string(n), n % 4, n / 4);
      entries.push_back(entry);
      tree.Append(entry);
      publisher.AddEntry(entry);
    }
  }
  Result<bool> Publish(bool sign = true) {
    return publisher.Publish(tree.tree(), tree.Head().size, sign);
  }

  std::unique_ptr<TileStore> store;
  LogTree tree;
  Publisher publisher{*store, TestSigner()};
  std::vector<std::string> entries;
};

TEST(TlogPublisher, WritesEveryTileAndBundleOfTheCheckpoint) {
  stack::TempDir dir("tlog-publisher");
  Log log(dir.path());
  log.Grow(70'000);
  ASSERT_TRUE(log.Publish().ok());

  // Every tile of the tree at its size, as Go's sumdb/tlog would read them.
  for (const tlog::Tile& tile : tlog::NewTiles(0, 70'000)) {
    auto bytes = log.store->Read(tlog::TilePath(tile));
    ASSERT_TRUE(bytes.ok()) << tlog::TilePath(tile);
    EXPECT_EQ(*bytes, tlog::ReadTileData(tile, log.tree.tree()).value()) << tlog::TilePath(tile);
    if (tile.level != 0) continue;
    auto bundle = log.store->Read(tlog::EntryBundlePath(tile));
    ASSERT_TRUE(bundle.ok()) << tlog::EntryBundlePath(tile);
    auto entries = tlog::DecodeEntryBundle(*bundle).value();
    ASSERT_EQ(entries.size(), static_cast<size_t>(tile.width));
    for (int i = 0; i < tile.width; ++i) {
      EXPECT_EQ(entries[i], log.entries[tile.n * 256 + i]);
    }
  }
  // 70,000 = 273 full level-0 tiles + 112, 1 full level-1 tile + 17, and one level-2 hash.
  EXPECT_TRUE(log.store->Read("tile/0/272").ok());
  EXPECT_TRUE(log.store->Read("tile/0/273.p/112").ok());
  EXPECT_TRUE(log.store->Read("tile/entries/273.p/112").ok());
  EXPECT_TRUE(log.store->Read("tile/1/000").ok());
  EXPECT_TRUE(log.store->Read("tile/1/001.p/17").ok());
  EXPECT_TRUE(log.store->Read("tile/2/000.p/1").ok());
}

TEST(TlogPublisher, SignsTheCheckpointWithTheLogKey) {
  stack::TempDir dir("tlog-publisher");
  Log log(dir.path());
  log.Grow(300);
  ASSERT_TRUE(log.Publish().value());
  auto note = log.store->Read("checkpoint");
  ASSERT_TRUE(note.ok());
  const tlog::NoteVerifier verifier = TestSigner().verifier();
  auto checkpoint = tlog::OpenCheckpoint(*note, "hattama/test", verifier);
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status().message();
  EXPECT_EQ(checkpoint->size, 300);
  EXPECT_EQ(checkpoint->root, log.tree.Head().root);
  EXPECT_EQ(log.publisher.Latest()->signed_note, *note);
  // Nothing new: no new checkpoint.
  EXPECT_FALSE(log.Publish().value());
}

TEST(TlogPublisher, ACheckpointIsWrittenOnlyWhenAsked) {
  stack::TempDir dir("tlog-publisher");
  Log log(dir.path());
  log.Grow(300);
  ASSERT_FALSE(log.Publish(false).value());
  EXPECT_TRUE(log.store->Read("tile/0/000").ok());
  EXPECT_TRUE(log.store->Read("checkpoint").status().IsNotFound());
  EXPECT_EQ(log.publisher.Latest(), nullptr);
}

TEST(TlogPublisher, RemovesPartialTilesOnceTheirFullTileIsWritten) {
  stack::TempDir dir("tlog-publisher");
  Log log(dir.path());
  log.Grow(100);
  ASSERT_TRUE(log.Publish().ok());
  log.Grow(200);
  ASSERT_TRUE(log.Publish().ok());
  // Widths 100 and 200 of tile 0 stand side by side: a client may hold either checkpoint.
  EXPECT_TRUE(log.store->Read("tile/0/000.p/100").ok());
  EXPECT_TRUE(log.store->Read("tile/entries/000.p/200").ok());
  log.Grow(300);
  ASSERT_TRUE(log.Publish().ok());
  EXPECT_FALSE(fs::exists(dir.path() + "/tile/0/000.p"));
  EXPECT_FALSE(fs::exists(dir.path() + "/tile/entries/000.p"));
  EXPECT_TRUE(log.store->Read("tile/0/001.p/44").ok());
  // A client holding the checkpoint of 100 leaves takes the full tile's first 100 hashes.
  EXPECT_EQ(log.store->Read("tile/0/000")->substr(0, 100 * 32),
            tlog::ReadTileData({.level = 0, .n = 0, .width = 100}, log.tree.tree()).value());
}

TEST(TlogPublisher, WritesTheSameFilesAgainIntoAnEmptyDirectory) {
  stack::TempDir first_dir("tlog-publisher");
  Log first(first_dir.path());
  for (int64_t size : {1, 255, 256, 257, 1000, 65'536, 70'000}) {
    first.Grow(size);
    ASSERT_TRUE(first.Publish().ok());
  }
  stack::TempDir second_dir("tlog-publisher");
  Log second(second_dir.path());
  second.Grow(70'000);
  ASSERT_TRUE(second.Publish().ok());
  EXPECT_EQ(FileDifferences(TileFiles(first_dir.path()), TileFiles(second_dir.path())), "");
}

// Checkpointed at 300 on the way, a log keeps tile/1/000.p/1 until that tile is full; written at
// 700 at once, it never has it. A verifier of 700 reads neither, and finds the same bytes in both.
TEST(TlogPublisher, AnEarlierSizesPartialTileIsNoFileAVerifierOfTheLastCheckpointReads) {
  stack::TempDir first_dir("tlog-publisher");
  Log first(first_dir.path());
  for (int64_t size : {300, 700}) {
    first.Grow(size);
    ASSERT_TRUE(first.Publish().ok());
  }
  stack::TempDir second_dir("tlog-publisher");
  Log second(second_dir.path());
  second.Grow(700);
  ASSERT_TRUE(second.Publish().ok());
  const auto first_files = TileFiles(first_dir.path());
  const auto second_files = TileFiles(second_dir.path());
  EXPECT_EQ(FileDifferences(first_files, second_files), "tile/1/000.p/1 (only in the first)\n");
  EXPECT_EQ(CheckpointFileDifferences(first_files, second_files, 700), "");

  fs::remove(second_dir.path() + "/tile/entries/002.p/188");
  EXPECT_EQ(CheckpointFileDifferences(TileFiles(second_dir.path()), first_files, 700),
            "tile/entries/002.p/188 (missing from the first)\n"
            "tile/entries/002.p/188 (only in the second)\n");
}

TEST(TlogPublisher, RewritesATileThatHoldsOtherBytes) {
  stack::TempDir dir("tlog-publisher");
  {
    Log log(dir.path());
    log.Grow(600);
    ASSERT_TRUE(log.Publish().ok());
  }
  const auto written = TileFiles(dir.path());
  {
    std::ofstream torn(dir.path() + "/tile/0/001", std::ios::trunc);
    torn << "torn";
    fs::remove(dir.path() + "/tile/entries/000");
  }
  Log again(dir.path());
  again.Grow(600);
  ASSERT_TRUE(again.Publish().ok());
  EXPECT_EQ(FileDifferences(TileFiles(dir.path()), written), "");
}

TEST(TlogPublisher, ReadsEveryEntryOfItsCheckpointBack) {
  stack::TempDir dir("tlog-publisher");
  Log log(dir.path());
  log.Grow(600);
  ASSERT_TRUE(log.Publish().ok());
  for (int64_t i = 0; i < 600; ++i) {
    auto entry = log.publisher.ReadEntry(i);
    ASSERT_TRUE(entry.ok()) << i << ": " << entry.status().message();
    EXPECT_EQ(*entry, log.entries[i]);
  }
  log.Grow(700);  // not published yet
  EXPECT_TRUE(log.publisher.ReadEntry(600).status().IsNotFound());
  EXPECT_TRUE(log.publisher.ReadEntry(-1).status().IsNotFound());
}

TEST(TlogPublisher, KnowsTheCheckpointAnEarlierRunLeft) {
  stack::TempDir dir("tlog-publisher");
  {
    Log log(dir.path());
    EXPECT_FALSE(log.publisher.StoredCheckpoint().value().has_value());
    log.Grow(10);
    ASSERT_TRUE(log.Publish().ok());
  }
  Log again(dir.path());
  auto stored = again.publisher.StoredCheckpoint();
  ASSERT_TRUE(stored.ok());
  ASSERT_TRUE(stored->has_value());
  EXPECT_EQ((*stored)->size, 10);
  // Another log's key (or origin) does not open it.
  auto store = TileStore::Open(dir.path()).value();
  Publisher other(*store, TestSigner("hattama/test", 8));
  EXPECT_EQ(other.StoredCheckpoint().status().code(), StatusCode::kInvalidArgument);
  Publisher renamed(*store, TestSigner("hattama/other"));
  EXPECT_EQ(renamed.StoredCheckpoint().status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace hattama::transparency
