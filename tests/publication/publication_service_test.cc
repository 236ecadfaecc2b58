// The publication service over real gRPC loopback, reading a real redis-server seeded through
// aggregation's apply path.
#include "services/publication/publication_service.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <set>

#include "tests/publication/fixture.h"

namespace hattama::publication {
namespace {

using testing::ObserverRecord;

using PublicationTest = PublicationFixture;

TEST_F(PublicationTest, NationalTotalsSumEveryPartition) {
  std::vector<v1::SubmissionRecord> records = {
      ObserverRecord("a", "S1", "mazhilis", {300, 120, 80}, 20),
      ObserverRecord("b", "S2", "mazhilis", {200, 100, 50}, 10),
      ObserverRecord("c", "S4", "mazhilis", {500, 150, 100}, 30),
      ObserverRecord("d", "S5", "mazhilis", {100, 200, 0}, 0),
      ObserverRecord("e", "S6", "mazhilis", {50, 50, 50}, 5),
  };
  testing::Flag(records[2]);
  std::set<int32_t> partitions;
  for (const auto& record : records) partitions.insert(testing::PartitionOf(record));
  ASSERT_GT(partitions.size(), 1u) << "the stations must spread over partitions for this test";
  Aggregate(records);

  v1::AreaTotals totals;
  auto status = GetAreaTotals("kz", "mazhilis", totals);

  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(totals.area().area_id(), "kz");
  EXPECT_EQ(totals.contest_id(), "mazhilis");
  const int64_t valid = 1150 + 620 + 280;
  const int64_t spoiled = 65;
  const int64_t registered = 1000 + 800 + 1200 + 900 + 700;
  EXPECT_EQ(totals.figures().ballots_valid(), valid);
  EXPECT_EQ(totals.figures().ballots_spoiled(), spoiled);
  EXPECT_EQ(totals.figures().ballots_in_box(), valid + spoiled);
  EXPECT_EQ(totals.figures().ballots_cancelled(), 50);
  EXPECT_EQ(totals.figures().registered_voters(), registered);
  ASSERT_EQ(totals.options_size(), 3);
  EXPECT_EQ(totals.options(0).option_id(), "nur");
  EXPECT_EQ(totals.options(0).name(), "Party nur");
  EXPECT_EQ(totals.options(0).votes(), 1150);
  EXPECT_DOUBLE_EQ(totals.options(0).share_percent(), 100.0 * 1150 / valid);
  EXPECT_EQ(totals.options(1).option_id(), "akzhol");
  EXPECT_EQ(totals.options(1).votes(), 620);
  EXPECT_DOUBLE_EQ(totals.options(1).share_percent(), 100.0 * 620 / valid);
  EXPECT_EQ(totals.options(2).option_id(), "adal");
  EXPECT_EQ(totals.options(2).votes(), 280);
  EXPECT_DOUBLE_EQ(totals.options(2).share_percent(), 100.0 * 280 / valid);
  ASSERT_EQ(totals.figures().option_votes_size(), 3);
  EXPECT_EQ(totals.figures().option_votes(1).votes(), 620);
  EXPECT_EQ(totals.stations_reporting(), 5);
  EXPECT_EQ(totals.stations_registered(), 6);
  EXPECT_EQ(totals.flagged_count(), 1);
  EXPECT_DOUBLE_EQ(totals.turnout_percent(), 100.0 * (valid + spoiled) / registered);
  EXPECT_DOUBLE_EQ(totals.spoiled_percent(), 100.0 * spoiled / (valid + spoiled));
}

TEST_F(PublicationTest, RegionTotalsCountOnlyItsStations) {
  Aggregate({ObserverRecord("a", "S1", "maslikhat", {70, 30}, 0),
             ObserverRecord("b", "S4", "mazhilis", {500, 150, 100}, 30)});

  v1::AreaTotals totals;
  ASSERT_TRUE(GetAreaTotals("kz-a", "maslikhat", totals).ok());

  EXPECT_EQ(totals.options(0).votes(), 70);
  EXPECT_DOUBLE_EQ(totals.options(0).share_percent(), 70.0);
  EXPECT_DOUBLE_EQ(totals.options(1).share_percent(), 30.0);
  EXPECT_EQ(totals.stations_reporting(), 1);
  EXPECT_EQ(totals.stations_registered(), 3);
  EXPECT_DOUBLE_EQ(totals.turnout_percent(), 10.0);
}

TEST_F(PublicationTest, AreaWithNothingCountedHasEveryFigureAtZero) {
  v1::AreaTotals totals;
  auto status = GetAreaTotals("kz-b-1", "mazhilis", totals);

  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(totals.figures().has_ballots_valid());
  EXPECT_TRUE(totals.figures().has_additional_list_voters());
  EXPECT_EQ(totals.figures().ballots_valid(), 0);
  ASSERT_EQ(totals.options_size(), 3);
  EXPECT_EQ(totals.options(2).votes(), 0);
  EXPECT_EQ(totals.options(2).share_percent(), 0.0);
  EXPECT_EQ(totals.stations_reporting(), 0);
  EXPECT_EQ(totals.stations_registered(), 3);
  EXPECT_EQ(totals.turnout_percent(), 0.0);
}

TEST_F(PublicationTest, UnknownAreaOrContestIsNotFound) {
  v1::AreaTotals totals;
  auto area = GetAreaTotals("kz-z", "mazhilis", totals);
  auto contest = GetAreaTotals("kz", "senate", totals);

  EXPECT_EQ(area.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(area.error_message().find("kz-z"), std::string::npos);
  EXPECT_EQ(contest.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(contest.error_message().find("senate"), std::string::npos);
}

TEST_F(PublicationTest, MissingArgumentIsInvalid) {
  v1::AreaTotals totals;
  v1::StationResults results;

  EXPECT_EQ(GetAreaTotals("kz", "", totals).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(GetStationResults("", results).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(PublicationTest, RedisDownIsUnavailable) {
  v1::AreaTotals totals;
  ASSERT_TRUE(GetAreaTotals("kz", "mazhilis", totals).ok());  // Leaves an idle connection.
  server_->process().Stop();

  auto status = GetAreaTotals("kz", "mazhilis", totals);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(PublicationTest, ServesAgainAfterRedisRestarts) {
  v1::AreaTotals totals;
  ASSERT_TRUE(GetAreaTotals("kz", "mazhilis", totals).ok());  // Leaves an idle connection.
  ASSERT_TRUE(server_->Restart().ok());

  auto status = GetAreaTotals("kz", "mazhilis", totals);

  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(PublicationTest, StationResultsShowTheCountedVersionAndEveryVersion) {
  auto first = ObserverRecord("v1", "S2", "mazhilis", {200, 100, 50}, 10);
  auto second = ObserverRecord("v2", "S2", "mazhilis", {210, 90, 50}, 10);
  second.mutable_submission()->set_revision(2);
  testing::Flag(second);
  Aggregate({first, second, OfficialRecord("official", "S2", "mazhilis", {600, 10, 10})});

  v1::StationResults results;
  auto status = GetStationResults("S2", results);

  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(results.station().station_id(), "S2");
  EXPECT_EQ(results.station().registered_voters(), 800);
  ASSERT_EQ(results.contests_size(), 2);
  const auto& mazhilis = results.contests(0);
  EXPECT_EQ(mazhilis.contest_id(), "mazhilis");
  EXPECT_EQ(mazhilis.counted_submission_id(), "v2");
  EXPECT_EQ(mazhilis.counted().station_id(), "S2");
  EXPECT_EQ(mazhilis.counted().figures().SerializeAsString(),
            second.submission().protocol().figures().SerializeAsString());
  ASSERT_EQ(mazhilis.flags_size(), 1);
  EXPECT_EQ(mazhilis.flags(0).code(), v1::REASON_CODE_VALID_PLUS_SPOILED_NOT_IN_BOX);
  ASSERT_EQ(mazhilis.versions_size(), 3);
  EXPECT_EQ(mazhilis.versions(0).submission().submission_id(), "v1");
  EXPECT_EQ(mazhilis.versions(1).submission().submission_id(), "v2");
  EXPECT_EQ(mazhilis.versions(2).submission().submission_id(), "official");
  const auto& maslikhat = results.contests(1);
  EXPECT_EQ(maslikhat.contest_id(), "maslikhat");
  EXPECT_FALSE(maslikhat.has_counted());
  EXPECT_EQ(maslikhat.versions_size(), 0);
}

TEST_F(PublicationTest, StationWithHugeOrManyVersionsStaysWithinAClientsMessageLimit) {
  // S3: ten versions with 800 KB ids (8 MB in all, twice a gRPC client's default 4 MB limit).
  std::vector<v1::SubmissionRecord> records;
  for (int i = 0; i < 10; ++i) {
    records.push_back(ObserverRecord("big-" + std::to_string(i) + std::string(800 * 1024, 'x'),
                                     "S3", "mazhilis", {100, 50, 25}, 5,
                                     "observer-" + std::to_string(i)));
  }
  // S4: 150 small versions, one per observer.
  for (int i = 0; i < 150; ++i) {
    records.push_back(ObserverRecord("small-" + std::to_string(i), "S4", "mazhilis", {100, 50, 25},
                                     5, "observer-" + std::to_string(i)));
  }
  Aggregate(records);

  v1::StationResults big;
  auto status = GetStationResults("S3", big);  // The default client: 4 MB at most.
  ASSERT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
  const auto& huge = big.contests(0);
  EXPECT_LT(big.ByteSizeLong(), 4u * 1024 * 1024);
  // The counted version alone is over the budget: the other nine are left out.
  ASSERT_EQ(huge.versions_size(), 1);
  EXPECT_EQ(huge.versions_left_out(), 9);
  bool counted_kept = false;
  for (const auto& version : huge.versions()) {
    counted_kept |= version.submission().submission_id() == huge.counted_submission_id();
  }
  EXPECT_TRUE(counted_kept) << "the counted version is always carried";

  v1::StationResults many;
  ASSERT_TRUE(GetStationResults("S4", many).ok());
  const auto& listed = many.contests(0);
  EXPECT_EQ(listed.versions_size(), kMaxVersionsPerContest);
  EXPECT_EQ(listed.versions_left_out(), 150 - kMaxVersionsPerContest);
  // The newest are kept, in the order applied.
  EXPECT_EQ(listed.versions(listed.versions_size() - 1).submission().submission_id(), "small-149");
}

TEST_F(PublicationTest, DisputedStationShowsConfirmationsAndEveryVersion) {
  Aggregate(DisputedStationS1());

  v1::StationResults results;
  ASSERT_TRUE(GetStationResults("S1", results).ok());
  const auto& mazhilis = results.contests(0);
  EXPECT_EQ(mazhilis.counted_submission_id(), "a");
  EXPECT_EQ(mazhilis.confirmations(), 2);
  EXPECT_TRUE(mazhilis.disputed());
  EXPECT_EQ(mazhilis.variants(), 2);
  EXPECT_EQ(mazhilis.versions_size(), 4);
  EXPECT_EQ(mazhilis.official_submission_id(), "o");
  EXPECT_EQ(mazhilis.official().figures().option_votes(0).votes(), 450);
  v1::AreaTotals totals;
  ASSERT_TRUE(GetAreaTotals("kz", "mazhilis", totals).ok());
  EXPECT_EQ(totals.disputed_count(), 1);
  EXPECT_EQ(totals.options(0).votes(), 300);
}

TEST_F(PublicationTest, OfficialTotalsAreApartAndDiscrepanciesAreListedLargestFirst) {
  auto s1 = ObserverRecord("a", "S1", "mazhilis", {300, 120, 80});
  auto s4 = ObserverRecord("b", "S4", "mazhilis", {100, 100, 100});
  Aggregate({s1, s4, OfficialRecord("o1", "S1", "mazhilis", {310, 110, 80}),
             OfficialRecord("o4", "S4", "mazhilis", {250, 25, 25})});

  grpc::ClientContext context;
  v1::GetOfficialTotalsRequest request;
  request.set_area_id("kz");
  request.set_contest_id("mazhilis");
  v1::AreaTotals official;
  ASSERT_TRUE(stub_->GetOfficialTotals(&context, request, &official).ok());
  EXPECT_TRUE(official.official());
  EXPECT_EQ(official.options(0).votes(), 560);
  EXPECT_EQ(official.stations_reporting(), 2);
  v1::AreaTotals observed;
  ASSERT_TRUE(GetAreaTotals("kz", "mazhilis", observed).ok());
  EXPECT_EQ(observed.options(0).votes(), 400);

  grpc::ClientContext list_context;
  v1::ListDiscrepanciesRequest list;
  list.set_contest_id("mazhilis");
  list.set_kind(v1::AREA_KIND_STATION);
  v1::ListDiscrepanciesResponse stations;
  ASSERT_TRUE(stub_->ListDiscrepancies(&list_context, list, &stations).ok());
  ASSERT_EQ(stations.discrepancies_size(), 2);
  EXPECT_EQ(stations.discrepancies(0).area_id(), "S4");  // 150 + 75 + 75 votes apart
  EXPECT_EQ(stations.discrepancies(0).magnitude(), 300);
  EXPECT_EQ(stations.discrepancies(0).option_differences(0).votes(), 150);
  EXPECT_EQ(stations.discrepancies(1).area_id(), "S1");
  EXPECT_EQ(stations.discrepancies(1).magnitude(), 20);

  grpc::ClientContext area_context;
  list.set_kind(v1::AREA_KIND_NATION);
  v1::ListDiscrepanciesResponse nation;
  ASSERT_TRUE(stub_->ListDiscrepancies(&area_context, list, &nation).ok());
  ASSERT_EQ(nation.discrepancies_size(), 1);
  EXPECT_EQ(nation.discrepancies(0).option_differences(0).votes(), 160);
}

TEST_F(PublicationTest, UnknownStationIsNotFound) {
  v1::StationResults results;
  auto status = GetStationResults("S404", results);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(status.error_message().find("S404"), std::string::npos);
}

TEST_F(PublicationTest, ReadingLeavesRedisAsItWas) {
  Aggregate({ObserverRecord("a", "S1", "mazhilis", {300, 120, 80}, 20)});
  // Redis counts every write in rdb_changes_since_last_save (saving is off in tests).
  auto writes = [&]() -> int64_t {
    auto info = redis_->Run({"INFO", "persistence"});
    if (!info.ok()) return -1;
    const std::string field = "rdb_changes_since_last_save:";
    return std::stoll(info->str.substr(info->str.find(field) + field.size()));
  };
  auto before = testing::Dump(*redis_);
  int64_t writes_before = writes();

  v1::AreaTotals totals;
  v1::StationResults results;
  ASSERT_TRUE(GetAreaTotals("kz", "mazhilis", totals).ok());
  ASSERT_TRUE(GetAreaTotals("kz-b", "maslikhat", totals).ok());
  ASSERT_TRUE(GetStationResults("S1", results).ok());

  EXPECT_GT(writes_before, 0);
  EXPECT_EQ(writes(), writes_before);
  EXPECT_EQ(testing::Dump(*redis_), before);
}

TEST_F(PublicationTest, ElectionIsTheRegistrys) {
  grpc::ClientContext context;
  v1::Election election;
  auto status = stub_->GetElection(&context, v1::GetElectionRequest(), &election);

  ASSERT_TRUE(status.ok());
  EXPECT_EQ(election.election_id(), "test-2021");
  EXPECT_EQ(election.contests_size(), 2);
  EXPECT_EQ(election.areas_size(), 5);
}

TEST_F(PublicationTest, ASecondServerOnATakenAddressIsRefusedAndTheFirstServesOn) {
  auto second = StartGrpcServer(grpc_listen_, {service_.get()});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().message(), "cannot listen on " + grpc_listen_);

  grpc::ClientContext context;
  v1::Election election;
  ASSERT_TRUE(stub_->GetElection(&context, v1::GetElectionRequest(), &election).ok());
  EXPECT_EQ(election.election_id(), "test-2021");
}

}  // namespace
}  // namespace hattama::publication
