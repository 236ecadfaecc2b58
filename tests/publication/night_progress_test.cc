// The night's progress (GetNightProgress) and names per language as publication serves them:
// the history's bound alone, then a real publication server (PublicationServer, real gRPC and
// HTTP on loopback) sampling a real redis-server seeded through aggregation's apply path, with a
// short progress interval, and an election whose names are given per language in its JSON file.
#include "services/publication/night_progress.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include "tests/publication/fixture.h"
#include "tests/testing/eventually.h"

namespace hattama::publication {
namespace {

using google::protobuf::util::MessageDifferencer;
using testing::ObserverRecord;

v1::NightProgressPoint PointWithReporting(int64_t stations_reporting) {
  v1::NightProgressPoint point;
  point.set_stations_reporting(stations_reporting);
  return point;
}

std::vector<int64_t> Reporting(const std::vector<v1::NightProgressPoint>& points) {
  std::vector<int64_t> reporting;
  for (const auto& point : points) reporting.push_back(point.stations_reporting());
  return reporting;
}

TEST(NightProgressHistory, KeepsEveryPointUntilFullThenDropsEveryOtherOlderOne) {
  NightProgressHistory history(4);
  for (int64_t i = 1; i <= 4; ++i) history.Add(PointWithReporting(i));
  EXPECT_EQ(Reporting(history.points()), (std::vector<int64_t>{1, 2, 3, 4}));
  history.Add(PointWithReporting(5));
  EXPECT_EQ(Reporting(history.points()), (std::vector<int64_t>{1, 3, 5}));
  history.Add(PointWithReporting(6));
  EXPECT_EQ(Reporting(history.points()), (std::vector<int64_t>{1, 3, 5, 6}));
  history.Add(PointWithReporting(7));
  EXPECT_EQ(Reporting(history.points()), (std::vector<int64_t>{1, 5, 7}));
}

TEST(NightProgressHistory, HoldsAtMostTwoThousandPointsSpanningTheWholeNight) {
  NightProgressHistory history;
  for (int64_t i = 1; i <= 10'000; ++i) {
    history.Add(PointWithReporting(i));
    ASSERT_LE(history.points().size(), kMaxNightProgressPoints);
  }
  const auto reporting = Reporting(history.points());
  EXPECT_EQ(reporting.front(), 1);
  EXPECT_EQ(reporting.back(), 10'000);
  EXPECT_GE(reporting.size(), kMaxNightProgressPoints / 2);
  EXPECT_TRUE(std::is_sorted(reporting.begin(), reporting.end()));
}

// The sampling rule alone, over totals and estimates the test sets: a point at start, one per
// change, none while a read fails, each told to on_point.
TEST(NightProgressSampler, AddsAPointPerChangeAndTellsEachOne) {
  auto registry = testing::TinyRegistry();
  std::mutex mutex;
  std::map<std::string, int64_t> reporting = {{"mazhilis", 0}, {"maslikhat", 0}};
  bool redis_away = false;
  int failed_reads = 0;
  std::vector<std::string> told;
  NightProgress progress(
      *registry,
      [&](const TotalsKey& key) -> Result<v1::AreaTotals> {
        std::lock_guard lock(mutex);
        if (redis_away) {
          ++failed_reads;
          return Status::Unavailable("Redis is away");
        }
        v1::AreaTotals totals;
        totals.set_contest_id(key.contest_id);
        totals.set_stations_reporting(reporting.at(key.contest_id));
        totals.set_stations_registered(6);
        // Moves with every record of any contest: no reason for a point.
        totals.mutable_log_position()->add_partition_ends(static_cast<int64_t>(told.size()) + 7);
        return totals;
      },
      [](const std::string& contest_id) -> Result<v1::PvtEstimate> {
        v1::PvtEstimate estimate;
        estimate.set_contest_id(contest_id);
        auto* option = estimate.add_options();
        option->set_option_id("nur");
        option->set_name("Party nur");
        option->set_share_percent(50);
        return estimate;
      },
      {.interval = std::chrono::milliseconds(20), .on_point = [&](const std::string& contest_id) {
         std::lock_guard lock(mutex);
         told.push_back(contest_id);
       }});
  const auto told_count = [&] {
    std::lock_guard lock(mutex);
    return told.size();
  };
  const auto points_of = [&](const std::string& contest_id) {
    auto answer = progress.Progress(contest_id);
    EXPECT_TRUE(answer.ok());
    return Reporting({answer->points().begin(), answer->points().end()});
  };
  ASSERT_TRUE(testing::Eventually([&] { return told_count() == 2; }));
  {
    std::lock_guard lock(mutex);
    redis_away = true;
    reporting["mazhilis"] = 3;
  }
  // Many rounds without a read: nothing is added.
  ASSERT_TRUE(testing::Eventually([&] {
    std::lock_guard lock(mutex);
    return failed_reads >= 10;
  }));
  EXPECT_EQ(points_of("mazhilis"), (std::vector<int64_t>{0}));
  {
    std::lock_guard lock(mutex);
    redis_away = false;
  }
  ASSERT_TRUE(testing::Eventually([&] { return told_count() == 3; }));
  EXPECT_EQ(points_of("mazhilis"), (std::vector<int64_t>{0, 3}));
  EXPECT_EQ(points_of("maslikhat"), (std::vector<int64_t>{0}));
  progress.Stop();
  EXPECT_EQ(told, (std::vector<std::string>{"mazhilis", "maslikhat", "mazhilis"}));
  auto answer = progress.Progress("mazhilis");
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(answer->points(1).pvt().options(0).share_percent(), 50);
  EXPECT_EQ(answer->points(1).pvt().options(0).name(), "") << "names stay in GetElection";
  EXPECT_EQ(progress.Progress("senate").status().code(), StatusCode::kNotFound);
}

// TinyElection with names per language, written to an election JSON file and loaded by the
// registry as every service loads it.
std::shared_ptr<const domain::Registry> NamedRegistry(const std::string& dir) {
  v1::Election election = testing::TinyElection();
  auto& nation = *election.mutable_areas(0)->mutable_localized_names();
  nation["kk"] = "Қазақстан";
  nation["ru"] = "Казахстан";
  nation["en"] = "Kazakhstan";
  (*election.mutable_localized_names())["ru"] = "Тестовые выборы";
  (*election.mutable_contests(0)->mutable_localized_names())["kk"] = "Мәжіліс";
  (*election.mutable_contests(0)->mutable_options(1)->mutable_localized_names())["ru"] = "Ак жол";
  EXPECT_TRUE(hub::WriteRegistryFiles(election, testing::TinyStations(), dir).ok());
  auto loaded = hub::LoadRegistryFiles(dir);
  EXPECT_TRUE(loaded.ok()) << loaded.status().message();
  return loaded.ok() ? *loaded : nullptr;
}

// hattama-publication's server in process over the fixture's Redis, sampling every 100 ms.
class NightProgressTest : public StoreFixture {
 protected:
  void SetUp() override {
    registry_ = NamedRegistry(dir_.path());
    ASSERT_NE(registry_, nullptr);
    StoreFixture::SetUp();
    if (HasFatalFailure()) return;
    WritePartitionCount();
    ServerConfig config;
    config.redis = {.address = server_->address(), .timeout = std::chrono::seconds(2)};
    config.listen = "127.0.0.1:0";
    config.http_listen = "127.0.0.1:0";
    config.progress_interval = std::chrono::milliseconds(100);
    config.snapshots.dir = dir_.path() + "/snapshots";
    // No sweep: a snapshot file changes only when something tells publication it changed.
    config.snapshots.sweep = std::chrono::seconds(0);
    auto started = PublicationServer::Start(registry_, config);
    ASSERT_TRUE(started.ok()) << started.status().message();
    publication_ = std::move(started).value();
    auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(publication_->port()),
                                       grpc::InsecureChannelCredentials());
    stub_ = v1::PublicationService::NewStub(channel);
    analysis_ = v1::AnalysisService::NewStub(channel);
    http_ = std::make_unique<httplib::Client>("127.0.0.1", publication_->http_port());
  }

  void TearDown() override { publication_.reset(); }

  grpc::Status GetNightProgress(const std::string& contest_id, v1::NightProgress& progress) {
    grpc::ClientContext context;
    v1::GetNightProgressRequest request;
    request.set_contest_id(contest_id);
    return stub_->GetNightProgress(&context, request, &progress);
  }

  // Whether the newest point of the Mazhilis shows `reporting` stations, within 10 s.
  bool NewestPointReports(int64_t reporting) {
    return testing::Eventually([&] {
      v1::NightProgress progress;
      return GetNightProgress("mazhilis", progress).ok() && progress.points_size() > 0 &&
             progress.points(progress.points_size() - 1).stations_reporting() == reporting;
    });
  }

  stack::TempDir dir_{"hattama-night-progress-test"};
  std::unique_ptr<PublicationServer> publication_;
  std::unique_ptr<v1::PublicationService::Stub> stub_;
  std::unique_ptr<v1::AnalysisService::Stub> analysis_;
  std::unique_ptr<httplib::Client> http_;
};

TEST_F(NightProgressTest, GrowsAPointEachTimeProtocolsAreCounted) {
  ASSERT_TRUE(NewestPointReports(0));
  Aggregate({ObserverRecord("a", "S1", "mazhilis", {300, 120, 80}, 20)});
  ASSERT_TRUE(NewestPointReports(1));
  Aggregate({ObserverRecord("b", "S4", "mazhilis", {200, 100, 50}, 10)});
  ASSERT_TRUE(NewestPointReports(2));

  v1::NightProgress progress;
  ASSERT_TRUE(GetNightProgress("mazhilis", progress).ok());
  EXPECT_EQ(progress.contest_id(), "mazhilis");
  // One point at the start and one per change, none while nothing changed (many intervals
  // passed between the counts).
  ASSERT_EQ(Reporting({progress.points().begin(), progress.points().end()}),
            (std::vector<int64_t>{0, 1, 2}));
  for (const auto& point : progress.points()) EXPECT_EQ(point.stations_total(), 6);
  EXPECT_LT(
      progress.points(0).time().seconds() * 1'000'000'000 + progress.points(0).time().nanos(),
      progress.points(2).time().seconds() * 1'000'000'000 + progress.points(2).time().nanos());
  // The newest point's estimate is what GetPvtEstimate answers now, without the options' names.
  grpc::ClientContext context;
  v1::GetPvtEstimateRequest request;
  request.set_contest_id("mazhilis");
  v1::PvtEstimate estimate;
  ASSERT_TRUE(analysis_->GetPvtEstimate(&context, request, &estimate).ok());
  EXPECT_EQ(estimate.stations_sampled(), 2);
  for (auto& option : *estimate.mutable_options()) option.clear_name();
  EXPECT_TRUE(MessageDifferencer::Equals(progress.points(2).pvt(), estimate))
      << progress.points(2).pvt().ShortDebugString() << " against " << estimate.ShortDebugString();
  // The maslikhat's totals never changed: its one point, from the start.
  v1::NightProgress maslikhat;
  ASSERT_TRUE(GetNightProgress("maslikhat", maslikhat).ok());
  EXPECT_EQ(Reporting({maslikhat.points().begin(), maslikhat.points().end()}),
            (std::vector<int64_t>{0}));

  // The HTTP/JSON mirror answers the same.
  auto response = http_->Get("/v1/GetNightProgress?contest_id=mazhilis");
  ASSERT_TRUE(response);
  ASSERT_EQ(response->status, 200) << response->body;
  v1::NightProgress over_http;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(response->body, &over_http).ok());
  EXPECT_TRUE(MessageDifferencer::Equals(over_http, progress)) << response->body;
  EXPECT_NE(response->body.find("\"stations_reporting\""), std::string::npos);
  EXPECT_NE(response->body.find("\"margin_percent\""), std::string::npos);
}

// The snapshot file nginx serves for GetNightProgress (the file the index names now).
Result<v1::NightProgress> SnapshotOfNightProgress(const std::string& snapshots_dir) {
  auto read = [](const std::string& path) -> std::string {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  };
  google::protobuf::Struct index;
  if (!google::protobuf::util::JsonStringToMessage(read(snapshots_dir + "/index.json"), &index)
           .ok()) {
    return Status::NotFound("no index yet");
  }
  const auto& files = index.fields().at("files").struct_value().fields();
  auto file = files.find("GetNightProgress?contest_id=mazhilis");
  if (file == files.end()) return Status::NotFound("no GetNightProgress file");
  v1::NightProgress progress;
  if (!google::protobuf::util::JsonStringToMessage(
           read(snapshots_dir + "/" + file->second.string_value()), &progress)
           .ok()) {
    return Status::NotFound("unreadable");
  }
  return progress;
}

TEST_F(NightProgressTest, ItsSnapshotFileFollowsEachNewPoint) {
  ASSERT_TRUE(NewestPointReports(0));
  // Without a change feed nothing else tells the snapshot files of the count: only the new point.
  Aggregate({ObserverRecord("a", "S1", "mazhilis", {300, 120, 80}, 20)});
  EXPECT_TRUE(testing::Eventually([&] {
    auto snapshot = SnapshotOfNightProgress(dir_.path() + "/snapshots");
    return snapshot.ok() && snapshot->points_size() == 2 &&
           snapshot->points(1).stations_reporting() == 1;
  }));
}

TEST_F(NightProgressTest, RefusesAMissingOrUnknownContest) {
  v1::NightProgress progress;
  EXPECT_EQ(GetNightProgress("", progress).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  auto unknown = GetNightProgress("senate", progress);
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(unknown.error_message(), "no contest 'senate'");
  auto missing = http_->Get("/v1/GetNightProgress");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 400);
  auto not_found = http_->Get("/v1/GetNightProgress?contest_id=senate");
  ASSERT_TRUE(not_found);
  EXPECT_EQ(not_found->status, 404);
}

TEST_F(NightProgressTest, ServesTheNamesPerLanguageOfTheElectionFile) {
  grpc::ClientContext context;
  v1::Election election;
  ASSERT_TRUE(stub_->GetElection(&context, v1::GetElectionRequest(), &election).ok());
  EXPECT_EQ(election.localized_names().at("ru"), "Тестовые выборы");
  EXPECT_EQ(election.areas(0).localized_names().at("kk"), "Қазақстан");
  EXPECT_EQ(election.areas(0).localized_names().at("ru"), "Казахстан");
  EXPECT_EQ(election.contests(0).localized_names().at("kk"), "Мәжіліс");
  EXPECT_EQ(election.contests(0).options(1).localized_names().at("ru"), "Ак жол");

  auto first = http_->Get("/v1/GetElection");
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 200);
  EXPECT_NE(first->body.find(
                R"("localized_names":{"en":"Kazakhstan","kk":"Қазақстан","ru":"Казахстан"})"),
            std::string::npos)
      << first->body;
  // Readers that name files by their bytes (snapshots, ETags) get the same bytes every time,
  // whatever order a copy's map holds its names in.
  for (int i = 0; i < 20; ++i) {
    auto again = http_->Get("/v1/GetElection");
    ASSERT_TRUE(again);
    ASSERT_EQ(again->body, first->body);
  }
  // The names travel with an area's totals too.
  auto totals = http_->Get("/v1/GetAreaTotals?area_id=kz&contest_id=mazhilis");
  ASSERT_TRUE(totals);
  EXPECT_NE(totals->body.find("Қазақстан"), std::string::npos) << totals->body;
}

}  // namespace
}  // namespace hattama::publication
