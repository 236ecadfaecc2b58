// The snapshot files of a running hattama-publication (--snapshot-dir, --portal-dir), served by a
// real nginx, after protocols streamed through the whole stack: each file is the bytes its
// GET /v1/ answers, a new protocol reaches the files within seconds, the portal and every file
// are served while publication is frozen, so that public load never reaches it, and a client
// written from the README's description of the index (format 2, its buckets) finds them all.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <csignal>
#include <span>

#include "services/publication/snapshot_plan.h"
#include "tools/hub/simulator/plan.h"
#include "tools/hub/simulator/synthetic.h"
#include "tools/hub/simulator/truth.h"
#include "tools/hub/simulator/verify.h"
#include "tools/stack/nginx.h"
#include "tools/stack/stack.h"

namespace hattama::publication {
namespace {

using namespace std::chrono_literals;

// The body of GET `path` on `client`, or "" with the status when it is not a 200.
std::string Body(httplib::Client& client, const std::string& path) {
  auto answer = client.Get(path);
  if (!answer) return "";
  if (answer->status != 200) return "status " + std::to_string(answer->status);
  return answer->body;
}

// A reader of the snapshot files written from the README alone ("Served from the edge"), not
// from publication's code: a key's path is in the index's "files", or else in the bucket file
// that "buckets"."files"[FNV-1a 32-bit of the key's UTF-8 bytes mod "buckets"."count"] names;
// every path is relative to the index's URL.
class ReadmeClient {
 public:
  explicit ReadmeClient(const std::string& url) : edge_(url) {}

  // Reads /data/index.json; false unless it is there and of format 2.
  bool ReadIndex() {
    index_.Clear();
    return google::protobuf::util::JsonStringToMessage(Body(edge_, "/data/index.json"), &index_)
               .ok() &&
           index_.fields().count("format") && index_.fields().at("format").number_value() == 2;
  }
  // The index's own files: key -> path.
  std::map<std::string, std::string> IndexFiles() const { return Files(index_); }
  // The path of `key`'s file, or "" when neither the index nor its bucket names it.
  std::string PathOf(const std::string& key) {
    auto listed = IndexFiles();
    if (listed.count(key)) return listed.at(key);
    const auto bucket = BucketFiles(Bucket(key));
    return bucket.count(key) ? bucket.at(key) : "";
  }
  // Every key the index names, itself or through its buckets.
  std::map<std::string, std::string> AllFiles() {
    auto all = IndexFiles();
    for (int b = 0; b < Buckets().values_size(); ++b)
      all.merge(BucketFiles(static_cast<size_t>(b)));
    return all;
  }
  // The bytes of the file at `path` (relative to the index).
  std::string Get(const std::string& path) { return Body(edge_, "/data/" + path); }

 private:
  static uint32_t Fnv1a(std::string_view bytes) {
    uint32_t hash = 0x811c9dc5;
    for (unsigned char c : bytes) hash = (hash ^ c) * 0x01000193;
    return hash;
  }
  static std::map<std::string, std::string> Files(const google::protobuf::Struct& json) {
    std::map<std::string, std::string> files;
    if (!json.fields().count("files")) return files;
    for (const auto& [key, path] : json.fields().at("files").struct_value().fields()) {
      files[key] = path.string_value();
    }
    return files;
  }
  const google::protobuf::ListValue& Buckets() const {
    return index_.fields().at("buckets").struct_value().fields().at("files").list_value();
  }
  size_t Bucket(const std::string& key) const {
    const double count =
        index_.fields().at("buckets").struct_value().fields().at("count").number_value();
    return Fnv1a(key) % static_cast<uint32_t>(count);
  }
  std::map<std::string, std::string> BucketFiles(size_t bucket) {
    google::protobuf::Struct json;
    if (!google::protobuf::util::JsonStringToMessage(
             Get(Buckets().values(static_cast<int>(bucket)).string_value()), &json)
             .ok()) {
      return {};
    }
    return Files(json);
  }

  httplib::Client edge_;
  google::protobuf::Struct index_;
};

class SnapshotStackTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new stack::TempDir("snapshot-test");
    auto registry = hub::GenerateRegistryFiles({.stations = 120, .seed = 5}, dir_->path());
    ASSERT_TRUE(registry.ok()) << registry.status().message();
    registry_ = new std::shared_ptr<const domain::Registry>(*registry);
    auto plan = hub::DrawPlan(**registry, {.seed = 5, .hubs = 2, .official_results = true});
    ASSERT_TRUE(plan.ok());
    plan_ = new hub::Plan(std::move(plan).value());
    const std::string data = dir_->path() + "/data";
    const std::string portal = dir_->path() + "/portal";
    auto stack = stack::Stack::Start(
        {.registry_dir = dir_->path(),
         .partitions = 4,
         .publication_flags = {"--snapshot-dir", data, "--portal-dir", portal}});
    ASSERT_TRUE(stack.ok()) << stack.status().message();
    stack_ = std::move(stack).value().release();
    auto nginx = stack::Nginx::Start({.snapshot_dir = data, .portal_dir = portal});
    ASSERT_TRUE(nginx.ok()) << nginx.status().message();
    nginx_ = std::move(nginx).value().release();
    // Half of the night, shown by the API before any test looks at the files.
    std::span<const hub::PlannedSubmission> all = plan_->submissions;
    Stream(all.first(all.size() / 2));
  }
  static void TearDownTestSuite() {
    delete nginx_;
    delete stack_;
    delete plan_;
    delete registry_;
    delete dir_;
  }

  // Streams `submissions` and waits until publication's API shows every one of them.
  static void Stream(std::span<const hub::PlannedSubmission> submissions) {
    auto sent =
        hub::StreamSubmissions(submissions, {.ingestion_address = stack_->ingestion_address()});
    ASSERT_TRUE(sent.ok()) << sent.status().message();
    std::span<const hub::PlannedSubmission> so_far(plan_->submissions.data(),
                                                   submissions.data() + submissions.size());
    auto shown = hub::VerifyPublication(**registry_, hub::ComputeTruth(**registry_, so_far),
                                        {.publication_address = stack_->publication_address(),
                                         .timeout = 60s,
                                         .check_stations = false});
    ASSERT_TRUE(shown.ok());
  }

  // What the index nginx serves names, itself and through its buckets: file name -> "v/<hex>.json".
  static std::map<std::string, std::string> Index() {
    ReadmeClient client(nginx_->url());
    if (!client.ReadIndex()) return {};
    return client.AllFiles();
  }

  // Names of files whose bytes through nginx differ from publication's GET /v1/ answer now.
  static std::vector<std::string> Differing(const std::vector<std::string>& names) {
    httplib::Client edge(nginx_->url());
    httplib::Client api("http://" + stack_->publication_http_address());
    const auto files = Index();
    std::vector<std::string> differing;
    for (const std::string& name : names) {
      auto file = files.find(name);
      if (file == files.end()) {
        differing.push_back(name + " (not in the index)");
        continue;
      }
      const std::string got = Body(edge, "/data/" + file->second);
      const std::string want = Body(api, "/v1/" + name);
      if (got != want) {
        size_t at = 0;
        while (at < got.size() && at < want.size() && got[at] == want[at]) ++at;
        differing.push_back(name + " (from byte " + std::to_string(at) + ": " + got.substr(at, 60) +
                            " instead of " + want.substr(at, 60) + ")");
      }
    }
    return differing;
  }

  // Polls until every file of `names` equals its API answer; the ones that never did.
  static std::vector<std::string> EventuallyEqual(const std::vector<std::string>& names,
                                                  std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::vector<std::string> differing = Differing(names);
    while (!differing.empty() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(200ms);
      differing = Differing(names);
    }
    return differing;
  }

  // The files a portal reads first, and one of each kind below.
  static std::vector<std::string> SomeFiles() {
    const domain::Registry& registry = **registry_;
    const std::string& contest = registry.election().contests(0).contest_id();
    const domain::Station& station = registry.stations().front();
    const std::map<std::string, std::string> area = {{"area_id", registry.nation_id()},
                                                     {"contest_id", contest}};
    return {
        SnapshotName("GetElection", {}),
        SnapshotName("GetDeploymentTable", {}),
        SnapshotName("GetAreaTotals", area),
        SnapshotName("GetOfficialTotals", area),
        SnapshotName("ListStations", {{"area_id", station.district_id()}, {"contest_id", contest}}),
        SnapshotName("GetStationResults", {{"station_id", station.station_id()}}),
        SnapshotName("ListDiscrepancies", {{"contest_id", contest}, {"limit", "10"}}),
        SnapshotName("GetPvtEstimate", {{"contest_id", contest}})};
  }

  static inline stack::TempDir* dir_ = nullptr;
  static inline std::shared_ptr<const domain::Registry>* registry_ = nullptr;
  static inline hub::Plan* plan_ = nullptr;
  static inline stack::Stack* stack_ = nullptr;
  static inline stack::Nginx* nginx_ = nullptr;
};

TEST_F(SnapshotStackTest, EachFileIsItsApiAnswerByteForByte) {
  EXPECT_EQ(EventuallyEqual(SomeFiles(), 15s), std::vector<std::string>{});
  // Every file of the plan is there: totals of every area and contest, every district's list,
  // every station.
  const SnapshotPlan plan(**registry_);
  const auto files = Index();
  size_t missing = 0;
  for (const SnapshotFile& file : plan.files()) {
    // Without a transparency log GetLogCheckpoint has no answer to snapshot; NightProgress may not
    // have sampled yet.
    if (file.method == "GetLogCheckpoint" || file.method == "GetNightProgress") continue;
    if (files.count(file.name) == 0) ++missing;
  }
  EXPECT_EQ(missing, 0u) << "of " << plan.files().size();
}

TEST_F(SnapshotStackTest, AClientFollowingTheReadmeFindsADistrictsStationsAndAStation) {
  const domain::Registry& registry = **registry_;
  const domain::Station& station = registry.stations().back();
  // Keys spelled as the README says: Method?params sorted by name.
  const std::string list = "ListStations?area_id=" + station.district_id() +
                           "&contest_id=" + registry.election().contests(0).contest_id();
  const std::string results = "GetStationResults?station_id=" + station.station_id();
  httplib::Client api("http://" + stack_->publication_http_address());
  ReadmeClient client(nginx_->url());
  std::string differing = "not read";
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  while (!differing.empty() && std::chrono::steady_clock::now() < deadline) {
    differing.clear();
    if (!client.ReadIndex()) {
      differing = "no index.json of format 2";
      std::this_thread::sleep_for(200ms);
      continue;
    }
    for (const std::string& key : {list, results}) {
      EXPECT_EQ(client.IndexFiles().count(key), 0u) << key << " is the index's own";
      const std::string path = client.PathOf(key);
      if (path.empty() || client.Get(path) != Body(api, "/v1/" + key)) {
        differing += key + " (" + (path.empty() ? "not found" : path) + ") ";
      }
    }
    if (!differing.empty()) std::this_thread::sleep_for(200ms);
  }
  EXPECT_EQ(differing, "");
  // The index itself names the nation's totals.
  EXPECT_EQ(
      client.IndexFiles().count("GetAreaTotals?area_id=" + registry.nation_id() +
                                "&contest_id=" + registry.election().contests(0).contest_id()),
      1u);
}

TEST_F(SnapshotStackTest, TheRestOfTheNightReachesTheFilesWithinSeconds) {
  std::span<const hub::PlannedSubmission> all = plan_->submissions;
  const auto before = Index();
  Stream(all.subspan(all.size() / 2));
  // Shown by the API now; the files follow within a few turns of the publisher.
  EXPECT_EQ(EventuallyEqual(SomeFiles(), 10s), std::vector<std::string>{});
  const std::string nation = SnapshotName(
      "GetAreaTotals", {{"area_id", (**registry_).nation_id()},
                        {"contest_id", (**registry_).election().contests(0).contest_id()}});
  EXPECT_NE(Index().at(nation), before.at(nation));
}

TEST_F(SnapshotStackTest, ThePortalAndEveryFileAreServedWhilePublicationIsFrozen) {
  const auto files = Index();
  ASSERT_GT(files.size(), 100u);
  stack_->publication().Signal(SIGSTOP);
  httplib::Client edge(nginx_->url());
  edge.set_read_timeout(2);
  size_t served = 0;
  for (const auto& [name, path] : files) {
    auto answer = edge.Get("/data/" + path);
    if (answer && answer->status == 200) ++served;
  }
  auto page = edge.Get("/");
  auto index = edge.Get("/data/index.json");
  stack_->publication().Signal(SIGCONT);
  EXPECT_EQ(served, files.size());
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("<html"), std::string::npos);
  ASSERT_TRUE(index);
  EXPECT_EQ(index->status, 200);
}

}  // namespace
}  // namespace hattama::publication
