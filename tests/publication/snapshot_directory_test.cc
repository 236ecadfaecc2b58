// The snapshot directory on a real file system: versions named by their bytes' SHA-256, an index
// rewritten only when a file changed, with a sequence that goes on across restarts, and old
// versions (bucket files too) deleted only once no index has named them for the keep time; the
// districts' and stations' files named through bucket files, so that the index of 10,000
// stations stays small.
#include "services/publication/snapshot_directory.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "common/base/digest.h"
#include "services/publication/snapshot_plan.h"
#include "tools/hub/simulator/synthetic.h"
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

google::protobuf::Struct ParseJson(const std::string& text) {
  google::protobuf::Struct json;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(text, &json).ok()) << text;
  return json;
}

// The index's bucket files, by bucket.
std::vector<std::string> BucketPaths(const google::protobuf::Struct& index) {
  std::vector<std::string> paths;
  const auto& buckets = index.fields().at("buckets").struct_value().fields();
  for (const auto& path : buckets.at("files").list_value().values()) {
    paths.push_back(path.string_value());
  }
  EXPECT_EQ(static_cast<double>(paths.size()), buckets.at("count").number_value());
  return paths;
}

// The bucket's files: name -> path.
std::map<std::string, std::string> BucketFiles(const std::string& text) {
  std::map<std::string, std::string> files;
  const google::protobuf::Struct bucket = ParseJson(text);
  for (const auto& [name, path] : bucket.fields().at("files").struct_value().fields()) {
    files[name] = path.string_value();
  }
  return files;
}

constexpr char kStation[] = "GetStationResults?station_id=UIK-00001";

class SnapshotDirectoryTest : public ::testing::Test {
 protected:
  std::unique_ptr<SnapshotDirectory> Open() {
    auto directory = SnapshotDirectory::Open(dir_.path(), 300s, kDefaultSnapshotBuckets);
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
  EXPECT_NE(index.find("\"format\": 2"), std::string::npos) << index;
  EXPECT_NE(index.find("\"sequence\": 1,"), std::string::npos) << index;
  EXPECT_NE(index.find("\"GetElection\": \"" + version + "\""), std::string::npos) << index;
  EXPECT_EQ(directory->PathOf("GetElection"), version);
}

TEST_F(SnapshotDirectoryTest, TheBucketOfANameIsFnv1a32OfItsBytesModuloTheCount) {
  // FNV-1a's published test vectors: "" is the offset basis, "a" 0xe40c292c, "foobar" 0xbf9cf968.
  EXPECT_EQ(SnapshotBucket("", 0xFFFFFFFFu), 0x811c9dc5u);
  EXPECT_EQ(SnapshotBucket("a", 0xFFFFFFFFu), 0xe40c292cu);
  EXPECT_EQ(SnapshotBucket("foobar", 0xFFFFFFFFu), 0xbf9cf968u);
  // The README's worked example.
  EXPECT_EQ(SnapshotBucket(kStation, 0xFFFFFFFFu), 0xa6b563f2u);
  EXPECT_EQ(SnapshotBucket(kStation, 64), 50u);
}

TEST_F(SnapshotDirectoryTest, ABucketedFileIsNamedByItsBucketFileAndNotByTheIndex) {
  auto directory = Open();
  ASSERT_TRUE(directory->Put("GetElection", "election\n").value());
  ASSERT_TRUE(directory->Put(kStation, "station\n", SnapshotListing::kBucket).value());
  ASSERT_TRUE(directory->Publish().ok());

  const std::string index = Read(Path("index.json"));
  EXPECT_EQ(index.find("UIK-00001"), std::string::npos) << index;
  const auto buckets = BucketPaths(ParseJson(index));
  ASSERT_EQ(buckets.size(), kDefaultSnapshotBuckets);
  const auto files = BucketFiles(Read(Path(buckets[SnapshotBucket(kStation, 64)])));
  EXPECT_EQ(files, (std::map<std::string, std::string>{{kStation, VersionOf("station\n")}}));
  EXPECT_EQ(Read(Path(files.at(kStation))), "station\n");
  // Every other bucket is the empty one.
  for (size_t b = 0; b < buckets.size(); ++b) {
    if (b == SnapshotBucket(kStation, 64)) continue;
    EXPECT_EQ(Read(Path(buckets[b])), "{\"files\": {}}\n");
  }
  EXPECT_EQ(directory->PathOf(kStation), VersionOf("station\n"));
}

TEST_F(SnapshotDirectoryTest, TheSameBytesAgainWriteNothing) {
  auto directory = Open();
  ASSERT_TRUE(directory->Put("GetElection", "same\n").value());
  ASSERT_TRUE(directory->Publish().ok());

  EXPECT_FALSE(directory->Put("GetElection", "same\n").value());
  ASSERT_TRUE(directory->Publish().ok());
  EXPECT_EQ(directory->sequence(), 1);
  // The file and the empty bucket file every bucket names.
  EXPECT_EQ(directory->versions_written(), 2u);
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
  EXPECT_EQ(directory->versions_written(), 3u);  // with the empty bucket file
}

TEST_F(SnapshotDirectoryTest, AReplacedBucketFileIsDeletedLikeAnyVersion) {
  auto directory = Open();
  ASSERT_TRUE(directory->Put(kStation, "old\n", SnapshotListing::kBucket).value());
  ASSERT_TRUE(directory->Publish().ok());
  const std::string old_bucket = directory->bucket_paths()[SnapshotBucket(kStation, 64)];
  ASSERT_TRUE(directory->Put(kStation, "new\n", SnapshotListing::kBucket).value());
  const auto replaced = SnapshotDirectory::Clock::now();
  ASSERT_TRUE(directory->Publish(replaced).ok());
  const std::string new_bucket = directory->bucket_paths()[SnapshotBucket(kStation, 64)];
  ASSERT_NE(new_bucket, old_bucket);
  EXPECT_EQ(BucketFiles(Read(Path(new_bucket))).at(kStation), VersionOf("new\n"));

  // A reader of index 1 still finds its bucket file and the version it names.
  ASSERT_TRUE(directory->Publish(replaced + 299s).ok());
  EXPECT_TRUE(fs::exists(Path(old_bucket)));
  EXPECT_TRUE(fs::exists(Path(VersionOf("old\n"))));
  ASSERT_TRUE(directory->Publish(replaced + 301s).ok());
  EXPECT_FALSE(fs::exists(Path(old_bucket)));
  EXPECT_FALSE(fs::exists(Path(VersionOf("old\n"))));
  EXPECT_TRUE(fs::exists(Path(new_bucket)));
  EXPECT_TRUE(fs::exists(Path(directory->bucket_paths()[0])));  // the empty one, still named
  EXPECT_EQ(directory->versions_deleted(), 2u);
}

// The bound the README states: at 10,000 stations (10,999 files) the index holds the election's,
// the contests' and the nation's and regions' files and 64 bucket paths, under 32 KiB, where
// format 1 named every file in 980 KB.
TEST_F(SnapshotDirectoryTest, TheIndexOfTenThousandStationsIsUnder32KiB) {
  auto registry = hub::GenerateRegistry({.stations = 10'000, .seed = 2021});
  ASSERT_TRUE(registry.ok()) << registry.status().message();
  const SnapshotPlan plan(**registry);
  auto directory = Open();
  size_t bucketed = 0;
  // Every file with the same bytes: the index's size depends only on the names and the paths
  // (all of one length), and one version is quicker to write than 11,000.
  for (const SnapshotFile& file : plan.files()) {
    ASSERT_TRUE(directory->Put(file.name, "{}\n", file.listing).ok());
    if (file.listing == SnapshotListing::kBucket) ++bucketed;
  }
  ASSERT_TRUE(directory->Publish().ok());
  EXPECT_GT(bucketed, 10'000u);

  const std::string index = Read(Path("index.json"));
  EXPECT_LT(index.size(), 32u * 1024) << index.size() << " bytes";
  EXPECT_EQ(index.find("GetStationResults"), std::string::npos);
  EXPECT_EQ(index.find("ListStations"), std::string::npos);
  // Every file is found: in the index or in its bucket.
  size_t found = 0;
  const auto buckets = BucketPaths(ParseJson(index));
  std::map<std::string, std::map<std::string, std::string>> read;  // bucket path -> files
  for (const SnapshotFile& file : plan.files()) {
    const std::string& bucket = buckets[SnapshotBucket(file.name, 64)];
    if (!read.count(bucket)) read[bucket] = BucketFiles(Read(Path(bucket)));
    const bool in_index = index.find("\"" + file.name + "\": ") != std::string::npos;
    if (in_index != (read[bucket].count(file.name) > 0)) ++found;  // in exactly one
  }
  EXPECT_EQ(found, plan.files().size());
}

// The README's count of the files ("Served from the edge"), from the plan itself: of the synthetic
// 10,000 stations (seed 2021) and of the registry deploy/ ships, which is the same election.
TEST(SnapshotPlanTest, TenThousandStationsMakeTheFilesTheReadmeCounts) {
  auto synthetic = hub::GenerateRegistry({.stations = 10'000, .seed = 2021});
  ASSERT_TRUE(synthetic.ok()) << synthetic.status().message();
  const std::string deployed = std::string(HATTAMA_SOURCE_DIR) + "/deploy/base/registry/";
  auto shipped = domain::Registry::Load(deployed + "election.json", deployed + "stations.csv");
  ASSERT_TRUE(shipped.ok()) << shipped.status().message();
  for (const auto& registry : {*synthetic, *shipped}) {
    const SnapshotPlan plan(*registry);
    size_t in_index = 0;
    for (const SnapshotFile& file : plan.files()) {
      if (file.listing == SnapshotListing::kIndex) ++in_index;
    }
    EXPECT_EQ(plan.files().size(), 11'007u);
    EXPECT_EQ(in_index, 146u);
  }
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
