// The snapshot directory on a real file system: versions named by their bytes' SHA-256, an index
// rewritten only when a file changed, with a sequence that goes on across restarts, and old
// versions deleted only once no index has named them for the keep time.
#include "services/publication/snapshot_directory.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "common/base/digest.h"
#include "tools/stack/process.h"

namespace hattama::publication {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string VersionOf(std::string_view bytes) {
  return "v/" + Hex(Sha256(bytes)).substr(0, 32) + ".json";
}

class SnapshotDirectoryTest : public ::testing::Test {
 protected:
  std::unique_ptr<SnapshotDirectory> Open() {
    auto directory = SnapshotDirectory::Open(dir_.path(), 300s);
    EXPECT_TRUE(directory.ok()) << directory.status().message();
    return directory.ok() ? std::move(directory).value() : nullptr;
  }
  std::string Path(const std::string& relative) const { return dir_.path() + "/" + relative; }

  stack::TempDir dir_{"snapshot-directory-test"};
};

TEST_F(SnapshotDirectoryTest, AFileIsWrittenUnderItsHashAndNamedByTheIndex) {
  auto directory = Open();
  ASSERT_EQ(directory->Put("GetElection", "{\"election_id\":\"kz\"}\n").value(), true);
  ASSERT_TRUE(directory->Publish().ok());

  const std::string version = VersionOf("{\"election_id\":\"kz\"}\n");
  EXPECT_EQ(Read(Path(version)), "{\"election_id\":\"kz\"}\n");
  const std::string index = Read(Path("index.json"));
  EXPECT_NE(index.find("\"format\": 1"), std::string::npos) << index;
  EXPECT_NE(index.find("\"sequence\": 1,"), std::string::npos) << index;
  EXPECT_NE(index.find("\"GetElection\": \"" + version + "\""), std::string::npos) << index;
  EXPECT_EQ(directory->files().at("GetElection"), version);
}

TEST_F(SnapshotDirectoryTest, TheSameBytesAgainWriteNothing) {
  auto directory = Open();
  ASSERT_TRUE(directory->Put("GetElection", "same\n").value());
  ASSERT_TRUE(directory->Publish().ok());

  EXPECT_FALSE(directory->Put("GetElection", "same\n").value());
  ASSERT_TRUE(directory->Publish().ok());
  EXPECT_EQ(directory->sequence(), 1);
  EXPECT_EQ(directory->versions_written(), 1u);
}

TEST_F(SnapshotDirectoryTest, AReplacedVersionIsDeletedOnlyOnceNoIndexNamedItForTheKeepTime) {
  auto directory = Open();
  ASSERT_TRUE(directory->Put("GetAreaTotals?area_id=kz&contest_id=m", "old\n").value());
  ASSERT_TRUE(directory->Publish().ok());
  ASSERT_TRUE(directory->Put("GetAreaTotals?area_id=kz&contest_id=m", "new\n").value());
  const auto replaced = SnapshotDirectory::Clock::now();
  ASSERT_TRUE(directory->Publish(replaced).ok());
  EXPECT_EQ(directory->sequence(), 2);

  ASSERT_TRUE(directory->Publish(replaced + 299s).ok());
  EXPECT_TRUE(fs::exists(Path(VersionOf("old\n"))));  // A reader of index 1 still finds it.
  ASSERT_TRUE(directory->Publish(replaced + 301s).ok());
  EXPECT_FALSE(fs::exists(Path(VersionOf("old\n"))));
  EXPECT_TRUE(fs::exists(Path(VersionOf("new\n"))));
  EXPECT_EQ(directory->versions_deleted(), 1u);
}

TEST_F(SnapshotDirectoryTest, AVersionTwoFilesShareStaysWhileEitherNamesIt) {
  auto directory = Open();
  ASSERT_TRUE(directory->Put("GetSeats?threshold_percent=7", "seats\n").value());
  ASSERT_TRUE(directory->Put("GetSeats?threshold_percent=3", "seats\n").value());
  ASSERT_TRUE(directory->Put("GetSeats?threshold_percent=3", "other\n").value());
  const auto now = SnapshotDirectory::Clock::now();
  ASSERT_TRUE(directory->Publish(now).ok());
  ASSERT_TRUE(directory->Publish(now + 3600s).ok());
  EXPECT_TRUE(fs::exists(Path(VersionOf("seats\n"))));
  EXPECT_EQ(directory->versions_written(), 2u);
}

TEST_F(SnapshotDirectoryTest, ARestartGoesOnWithTheSequenceAndClearsWhatItNoLongerNames) {
  {
    auto first = Open();
    ASSERT_TRUE(first->Put("GetElection", "before\n").value());
    ASSERT_TRUE(first->Publish().ok());
    ASSERT_TRUE(first->Put("GetElection", "again\n").value());
    ASSERT_TRUE(first->Publish().ok());
  }
  auto second = Open();
  const auto started = SnapshotDirectory::Clock::now();
  ASSERT_TRUE(second->Put("GetElection", "again\n").value());  // Found on disk, not rewritten.
  ASSERT_TRUE(second->Publish(started).ok());
  EXPECT_EQ(second->sequence(), 3);
  EXPECT_EQ(second->versions_written(), 0u);

  ASSERT_TRUE(second->Publish(started + 301s).ok());
  EXPECT_FALSE(fs::exists(Path(VersionOf("before\n"))));
  EXPECT_TRUE(fs::exists(Path(VersionOf("again\n"))));
}

TEST_F(SnapshotDirectoryTest, ThePortalsFilesAreWrittenByTheirPaths) {
  ASSERT_TRUE(WritePortalFiles(Path("portal"), {{"/index.html", {"text/html", "<html>\n"}},
                                                {"/app.js", {"text/javascript", "run();\n"}}})
                  .ok());
  EXPECT_EQ(Read(Path("portal/index.html")), "<html>\n");
  EXPECT_EQ(Read(Path("portal/app.js")), "run();\n");
}

}  // namespace
}  // namespace hattama::publication
