// ListStations and the bulk station read under it (PublishedStore::ReadStationResults), over
// real gRPC loopback against a real redis-server seeded through aggregation's apply path.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "services/publication/analysis_service.h"
#include "tests/publication/fixture.h"
#include "tools/hub/simulator/plan.h"
#include "tools/hub/simulator/synthetic.h"

namespace hattama::publication {
namespace {

using testing::ObserverRecord;

class ListStationsTest : public PublicationFixture {
 protected:
  grpc::Status List(const std::string& area, const std::string& contest, int32_t page_size,
                    const std::string& token, v1::ListStationsResponse& response) {
    grpc::ClientContext context;
    v1::ListStationsRequest request;
    request.set_area_id(area);
    request.set_contest_id(contest);
    request.set_page_size(page_size);
    request.set_page_token(token);
    return stub_->ListStations(&context, request, &response);
  }
};

TEST_F(ListStationsTest, DistrictListsItsStationsWithCountedFlaggedDisputedAndOfficialFigures) {
  std::vector<v1::SubmissionRecord> records = DisputedStationS1();
  records.push_back(ObserverRecord("d", "S2", "mazhilis", {200, 100, 50}, 10));
  testing::Flag(records.back());
  records.push_back(ObserverRecord("e", "S4", "mazhilis", {50, 50, 50}));
  Aggregate(records);

  v1::ListStationsResponse response;
  ASSERT_TRUE(List("kz-a-1", "mazhilis", 0, "", response).ok());

  EXPECT_EQ(response.total_count(), 3);
  EXPECT_EQ(response.next_page_token(), "");
  ASSERT_EQ(response.stations_size(), 3);
  const auto& s1 = response.stations(0);
  EXPECT_EQ(s1.station().station_id(), "S1");
  ASSERT_TRUE(s1.has_counted());
  EXPECT_EQ(s1.counted().option_votes(0).votes(), 300);
  EXPECT_EQ(s1.counted().ballots_valid(), 500);
  EXPECT_EQ(s1.confirmations(), 2);
  EXPECT_TRUE(s1.disputed());
  EXPECT_EQ(s1.flags_size(), 0);
  ASSERT_TRUE(s1.has_official());
  EXPECT_EQ(s1.official().option_votes(0).votes(), 450);

  const auto& s2 = response.stations(1);
  EXPECT_EQ(s2.station().station_id(), "S2");
  EXPECT_EQ(s2.counted().ballots_valid(), 350);
  ASSERT_EQ(s2.flags_size(), 1);
  EXPECT_EQ(s2.flags(0).code(), v1::REASON_CODE_VALID_PLUS_SPOILED_NOT_IN_BOX);
  EXPECT_FALSE(s2.disputed());
  EXPECT_FALSE(s2.has_official());

  const auto& s3 = response.stations(2);
  EXPECT_EQ(s3.station().station_id(), "S3");
  EXPECT_FALSE(s3.has_counted());
  EXPECT_EQ(s3.station().registered_voters(), 600);
}

TEST_F(ListStationsTest, NationIsListedPageByPageInRegistryOrder) {
  Aggregate({ObserverRecord("a", "S5", "mazhilis", {10, 20, 30})});

  v1::ListStationsResponse first;
  ASSERT_TRUE(List("kz", "mazhilis", 4, "", first).ok());
  EXPECT_EQ(first.total_count(), 6);
  ASSERT_EQ(first.stations_size(), 4);
  EXPECT_EQ(first.stations(0).station().station_id(), "S1");
  EXPECT_EQ(first.stations(3).station().station_id(), "S4");
  ASSERT_NE(first.next_page_token(), "");

  v1::ListStationsResponse second;
  ASSERT_TRUE(List("kz", "mazhilis", 4, first.next_page_token(), second).ok());
  EXPECT_EQ(second.total_count(), 6);
  ASSERT_EQ(second.stations_size(), 2);
  EXPECT_EQ(second.stations(0).station().station_id(), "S5");
  EXPECT_EQ(second.stations(0).counted().ballots_valid(), 60);
  EXPECT_EQ(second.stations(1).station().station_id(), "S6");
  EXPECT_EQ(second.next_page_token(), "");
}

TEST_F(ListStationsTest, OnlyStationsVotingInTheContestAreListed) {
  v1::ListStationsResponse response;
  ASSERT_TRUE(List("kz", "maslikhat", 0, "", response).ok());
  EXPECT_EQ(response.total_count(), 3);
  ASSERT_EQ(response.stations_size(), 3);
  EXPECT_EQ(response.stations(2).station().station_id(), "S3");
  // Nothing applied yet (no partition count): every station listed, none counted.
  EXPECT_FALSE(response.stations(0).has_counted());
}

TEST_F(ListStationsTest, BadRequestsSayWhatIsWrong) {
  v1::ListStationsResponse response;
  EXPECT_EQ(List("nowhere", "mazhilis", 0, "", response).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(List("kz", "mazhilis", 0, "page-two", response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(List("kz", "mazhilis", -1, "", response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(List("", "mazhilis", 0, "", response).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

// 10,000 stations: the bulk read returns exactly what GetStationResults returns station by station
// (how analysis and export read before), and prints how long each takes.
class BulkReadTest : public PublicationFixture {
 protected:
  void SetUp() override {
    auto registry = hub::GenerateRegistry({.stations = 10'000, .seed = 5});
    ASSERT_TRUE(registry.ok()) << registry.status().message();
    registry_ = *registry;
    PublicationFixture::SetUp();
  }
};

TEST_F(BulkReadTest, ReadsTenThousandStationsAsOneByOneDoes) {
  auto plan = hub::DrawPlan(*registry_, {.seed = 5, .hubs = 2, .official_results = true});
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  std::vector<v1::SubmissionRecord> records;
  for (const auto& planned : plan->submissions) {
    if (planned.kind != hub::SubmissionKind::kClean &&
        planned.kind != hub::SubmissionKind::kBroken) {
      continue;
    }
    // Four stations in five, so that some have nothing counted.
    if (std::hash<std::string>{}(planned.submission.protocol().station_id()) % 5 == 0) continue;
    v1::SubmissionRecord record;
    *record.mutable_submission() = planned.submission;
    record.set_digest("sha256:" + planned.submission.SerializeAsString());
    if (planned.kind == hub::SubmissionKind::kBroken) {  // As ingestion flags it.
      auto* reason = record.add_flags();
      reason->set_code(planned.expected_code);
      reason->set_field("protocol.figures");
      reason->set_message("breaks a control relation");
    }
    records.push_back(std::move(record));
  }
  Aggregate(records);

  const v1::Contest* contest = registry_->FindContest(hub::kMazhilis);
  ASSERT_NE(contest, nullptr);
  std::vector<const domain::Station*> stations;
  for (const auto& station : registry_->stations()) stations.push_back(&station);
  ASSERT_EQ(stations.size(), 10'000u);

  auto started = std::chrono::steady_clock::now();
  std::vector<v1::StationContestResult> one_by_one;
  for (const domain::Station* station : stations) {
    v1::StationResults results;
    ASSERT_TRUE(service_->StationResults(*station, results).ok());
    for (auto& c : *results.mutable_contests()) {
      if (c.contest_id() == contest->contest_id()) {
        c.clear_versions();
        one_by_one.push_back(std::move(c));
      }
    }
  }
  auto one_by_one_time = std::chrono::steady_clock::now() - started;

  started = std::chrono::steady_clock::now();
  auto read = store_->ReadStationResults(*contest, stations);
  ASSERT_TRUE(read.ok()) << read.status().message();
  std::vector<v1::StationContestResult> bulk = std::move(read).value();
  auto bulk_time = std::chrono::steady_clock::now() - started;

  ASSERT_EQ(bulk.size(), one_by_one.size());
  int64_t counted = 0, official = 0, flagged = 0;
  for (size_t i = 0; i < bulk.size(); ++i) {
    ASSERT_EQ(bulk[i].SerializeAsString(), one_by_one[i].SerializeAsString())
        << stations[i]->station_id();
    counted += bulk[i].has_counted();
    official += bulk[i].has_official();
    flagged += bulk[i].flags_size() > 0;
  }
  EXPECT_GT(counted, 7'000);
  EXPECT_LT(counted, 9'000);
  EXPECT_GT(official, 0);
  EXPECT_GT(flagged, 0);

  // The national PVT estimate reads them all the bulk way.
  AnalysisService analysis(store_);
  started = std::chrono::steady_clock::now();
  grpc::ServerContext context;
  v1::GetPvtEstimateRequest request;
  request.set_contest_id(contest->contest_id());
  v1::PvtEstimate estimate;
  ASSERT_TRUE(analysis.GetPvtEstimate(&context, &request, &estimate).ok());
  auto pvt_time = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(estimate.stations_sampled(), counted);

  using std::chrono::milliseconds;
  std::printf(
      "10,000 stations (%lld counted, %lld flagged): one by one %lld ms, bulk %lld ms; "
      "national PVT estimate %lld ms\n",
      static_cast<long long>(counted), static_cast<long long>(flagged),
      static_cast<long long>(std::chrono::duration_cast<milliseconds>(one_by_one_time).count()),
      static_cast<long long>(std::chrono::duration_cast<milliseconds>(bulk_time).count()),
      static_cast<long long>(std::chrono::duration_cast<milliseconds>(pvt_time).count()));
}

}  // namespace
}  // namespace hattama::publication
