// The applier against a real redis-server: what the totals hold after submissions, resends,
// replays, new versions, flags, official results and retractions; the counting rule's model
// (common/domain/dispute.h) against batches cut anywhere, cached members, zombies and a lost tail;
// and the write steps on a real Redis Cluster.
#include "services/aggregation/applier.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <set>

#include "common/domain/dispute.h"
#include "common/redis/client.h"
#include "services/aggregation/batch_applier.h"
#include "services/aggregation/change_feed.h"
#include "tests/testing/election.h"
#include "tests/testing/redis_cluster.h"
#include "tests/testing/redis_server_test.h"
#include "tests/testing/redis_state.h"
#include "tools/stack/stack.h"

namespace hattama::aggregation {
namespace {

using testing::AreaTotals;
using testing::ExpectedByRule;
using testing::ExpectedTotals;
using testing::ObserverRecord;

class ApplierTest : public testing::RedisServerTest {
 protected:
  std::vector<Outcome> Apply(const std::vector<v1::SubmissionRecord>& records) {
    return testing::ApplyBatch(applier_, *redis_, records);
  }
  // Applies `record` as read from its station's partition at `offset`.
  Outcome ApplyAt(int64_t offset, const v1::SubmissionRecord& record) {
    auto call = applier_.Prepare(testing::PartitionOf(record), offset, record);
    EXPECT_TRUE(call.ok()) << call.status().message();
    if (!call.ok()) return Outcome::kStored;
    auto outcomes = applier_.Apply(*redis_, {*call});
    EXPECT_TRUE(outcomes.ok() && outcomes->size() == 1);
    return outcomes.ok() && outcomes->size() == 1 ? outcomes->front() : Outcome::kStored;
  }
  // The partition's position as a reader of Redis finds it; 0 when absent.
  int64_t Position(int32_t partition) {
    auto reply = redis_->Run({"GET", redis::layout::PositionKey(partition)});
    EXPECT_TRUE(reply.ok());
    return reply.ok() && !reply->str.empty() ? std::stoll(reply->str) : 0;
  }
  // Every key but the partitions' positions, which a resend (a new record of the log) moves on.
  std::map<std::string, std::string> DumpWithoutPositions() {
    auto dump = testing::Dump(*redis_);
    std::erase_if(dump, [](const auto& key) { return key.first.ends_with(":position"); });
    return dump;
  }
  std::map<std::string, int64_t> Totals(const std::string& area,
                                        const std::string& contest = "mazhilis") {
    return AreaTotals(*redis_, contest, area);
  }

  std::shared_ptr<const domain::Registry> registry_ = testing::TinyRegistry();
  Applier applier_{registry_};
  std::map<int32_t, int64_t> offsets_;
};

TEST_F(ApplierTest, DistrictRegionAndNationTotalsEqualTheStationsFigures) {
  auto s1 = ObserverRecord("sub-1", "S1", "mazhilis", {300, 120, 80}, 15);

  EXPECT_EQ(Apply({s1}), std::vector<Outcome>{Outcome::kCounted});

  auto expected = ExpectedTotals({s1});
  EXPECT_EQ(expected["v:nur"], 300);
  EXPECT_EQ(expected["f:ballots_in_box"], 515);
  EXPECT_EQ(expected["stations_reporting"], 1);
  EXPECT_EQ(Totals("kz-a-1"), expected);
  EXPECT_EQ(Totals("kz-a"), testing::ExpectedRegionTotals({s1}));
  EXPECT_EQ(Totals("kz"), expected);
  EXPECT_TRUE(Totals("kz-b").empty());
  EXPECT_TRUE(Totals("kz-a", "maslikhat").empty());
}

TEST_F(ApplierTest, TotalsSumTheStationsOfEachArea) {
  auto s1 = ObserverRecord("sub-1", "S1", "mazhilis", {300, 120, 80});
  auto s2 = ObserverRecord("sub-2", "S2", "mazhilis", {200, 100, 10}, 5);
  auto s4 = ObserverRecord("sub-4", "S4", "mazhilis", {400, 50, 90}, 7);

  Apply({s1, s2, s4});

  EXPECT_EQ(Totals("kz-a"), testing::ExpectedRegionTotals({s1, s2}));
  EXPECT_EQ(Totals("kz-b-1"), ExpectedTotals({s4}));
  EXPECT_EQ(Totals("kz"), ExpectedTotals({s1, s2, s4}));
  EXPECT_EQ(Totals("kz")["v:nur"], 900);
  EXPECT_EQ(Totals("kz")["stations_reporting"], 3);
}

TEST_F(ApplierTest, ResentSubmissionIsCountedOnce) {
  auto s1 = ObserverRecord("sub-1", "S1", "mazhilis", {300, 120, 80});

  EXPECT_EQ(Apply({s1}), std::vector<Outcome>{Outcome::kCounted});
  auto before = DumpWithoutPositions();
  EXPECT_EQ(Apply({s1}), std::vector<Outcome>{Outcome::kDuplicate});

  EXPECT_EQ(DumpWithoutPositions(), before);
  EXPECT_EQ(Totals("kz")["v:nur"], 300);
  EXPECT_EQ(Totals("kz")["stations_reporting"], 1);
}

TEST_F(ApplierTest, ReplayedBatchLeavesEveryKeyUnchanged) {
  auto first = ObserverRecord("sub-1", "S1", "mazhilis", {300, 120, 80});
  auto second = ObserverRecord("sub-2", "S1", "mazhilis", {310, 110, 80});
  second.mutable_submission()->set_revision(2);
  auto flagged = ObserverRecord("sub-3", "S5", "mazhilis", {10, 20, 30});
  testing::Flag(flagged);
  auto local = ObserverRecord("sub-4", "S2", "maslikhat", {70, 30});
  std::vector<v1::SubmissionRecord> batch = {first, second, flagged, local};

  std::map<int32_t, int64_t> offsets;
  testing::ApplyBatch(applier_, *redis_, batch, testing::kPartitions, &offsets);
  auto before = testing::Dump(*redis_);
  // Delivered again from the same offsets, as after a crash before the consumer's commit.
  offsets.clear();
  auto outcomes = testing::ApplyBatch(applier_, *redis_, batch, testing::kPartitions, &offsets);

  EXPECT_EQ(outcomes, std::vector<Outcome>(batch.size(), Outcome::kDuplicate));
  EXPECT_EQ(testing::Dump(*redis_), before);
  EXPECT_EQ(Totals("kz"), ExpectedTotals({second, flagged}, /*flagged=*/1));
}

TEST_F(ApplierTest, SecondVersionMovesTotalsByTheDifference) {
  auto s2 = ObserverRecord("sub-0", "S2", "mazhilis", {100, 100, 100});
  auto first = ObserverRecord("sub-1", "S1", "mazhilis", {300, 120, 80}, 20);
  // The same observer's corrected copy: a higher revision replaces theirs.
  auto second = ObserverRecord("sub-2", "S1", "mazhilis", {250, 170, 80}, 5);
  second.mutable_submission()->set_revision(2);

  Apply({s2, first});
  EXPECT_EQ(Apply({second}), std::vector<Outcome>{Outcome::kCounted});

  auto totals = Totals("kz");
  EXPECT_EQ(totals, ExpectedTotals({s2, second}));
  EXPECT_EQ(totals["v:nur"], 350);
  EXPECT_EQ(totals["v:akzhol"], 270);
  EXPECT_EQ(totals["f:ballots_spoiled"], 5);
  EXPECT_EQ(totals["stations_reporting"], 2);
  EXPECT_EQ(Totals("kz-a-1"), totals);
  EXPECT_EQ(Totals("kz-a"), testing::ExpectedRegionTotals({s2, second}));
}

TEST_F(ApplierTest, FlaggedCountFollowsTheCountedVersion) {
  auto flagged = ObserverRecord("sub-1", "S1", "mazhilis", {300, 120, 80});
  testing::Flag(flagged);
  auto corrected = ObserverRecord("sub-2", "S1", "mazhilis", {300, 120, 80}, 5);
  corrected.mutable_submission()->set_revision(2);
  auto other = ObserverRecord("sub-4", "S4", "mazhilis", {1, 2, 3});
  testing::Flag(other);

  Apply({flagged, other});
  EXPECT_EQ(Totals("kz")["flagged_count"], 2);
  EXPECT_EQ(Totals("kz-a")["flagged_count"], 1);
  Apply({corrected});
  EXPECT_EQ(Totals("kz")["flagged_count"], 1);
  EXPECT_EQ(Totals("kz-a").count("flagged_count"), 0);
  EXPECT_EQ(Totals("kz")["stations_reporting"], 2);
}

TEST_F(ApplierTest, IdenticalFiguresFromAnotherObserverConfirmWithoutMovingTotals) {
  auto first = ObserverRecord("sub-1", "S1", "mazhilis", {300, 120, 80});
  auto confirming = ObserverRecord("sub-2", "S1", "mazhilis", {300, 120, 80}, 0, "observer-2");

  Apply({first});
  EXPECT_EQ(Apply({confirming}), std::vector<Outcome>{Outcome::kCounted});

  EXPECT_EQ(Totals("kz"), ExpectedTotals({first}));
  auto station =
      redis_->Run({"HGET", redis::layout::StationKey(testing::PartitionOf(first), "mazhilis", "S1"),
                   "confirmations"});
  ASSERT_TRUE(station.ok());
  EXPECT_EQ(station->str, "2");
}

TEST_F(ApplierTest, DifferingFiguresMakeTheStationDisputedAndTheMajorityCounts) {
  auto a = ObserverRecord("sub-1", "S1", "mazhilis", {300, 120, 80}, 0, "observer-1");
  auto b = ObserverRecord("sub-2", "S1", "mazhilis", {200, 220, 80}, 0, "observer-2");
  auto c = ObserverRecord("sub-3", "S1", "mazhilis", {200, 220, 80}, 0, "observer-3");

  auto outcomes = Apply({a, b, c});

  EXPECT_EQ(outcomes.back(), Outcome::kCounted);
  auto totals = Totals("kz");
  EXPECT_EQ(totals["v:nur"], 200);
  EXPECT_EQ(totals["disputed_count"], 1);
  EXPECT_EQ(totals["stations_reporting"], 1);
  EXPECT_EQ(Apply({ObserverRecord("sub-4", "S1", "mazhilis", {300, 120, 80}, 0, "observer-4"),
                   ObserverRecord("sub-5", "S1", "mazhilis", {300, 120, 80}, 0, "observer-5")})
                .back(),
            Outcome::kCounted);
  EXPECT_EQ(Totals("kz")["v:nur"], 300);
  EXPECT_EQ(Totals("kz")["disputed_count"], 1);
}

TEST_F(ApplierTest, RevisionArrivingBeforeTheOriginalStillCounts) {
  auto original = ObserverRecord("sub-1", "S1", "mazhilis", {300, 120, 80});
  auto revision = ObserverRecord("sub-2", "S1", "mazhilis", {290, 130, 80});
  revision.mutable_submission()->set_revision(2);

  Apply({revision});
  EXPECT_EQ(Apply({original}), std::vector<Outcome>{Outcome::kStale});

  EXPECT_EQ(Totals("kz"), ExpectedTotals({revision}));
}

TEST_F(ApplierTest, AppliedChangesReportTheNewTotalsWithAGrowingVersion) {
  auto s1 = ObserverRecord("sub-1", "S1", "mazhilis", {300, 120, 80});
  auto s2 = ObserverRecord("sub-2", "S2", "mazhilis", {10, 20, 30});
  auto s1_revised = ObserverRecord("sub-3", "S1", "mazhilis", {301, 120, 80});
  s1_revised.mutable_submission()->set_revision(2);
  std::vector<v1::TotalsChange> changes;
  auto apply = [&](const std::vector<v1::SubmissionRecord>& batch) {
    std::vector<PreparedRecord> records;
    for (const auto& record : batch) {
      const int32_t partition = testing::PartitionOf(record);
      records.push_back(applier_.Prepare(partition, offsets_[partition]++, record).value());
    }
    changes.clear();
    ASSERT_TRUE(applier_.Apply(*redis_, records, &changes).ok());
  };

  apply({s1, s2});
  // One change per moved total of each partition: the district, region and nation of each
  // station, a total both stations share reported once with both in it.
  std::set<std::string> moved;
  for (const auto& change : changes) {
    EXPECT_EQ(change.contest_id(), "mazhilis");
    EXPECT_FALSE(change.official());
    EXPECT_EQ(change.version(), 1);
    EXPECT_TRUE(moved.insert(change.area_id() + "@" + std::to_string(change.partition())).second);
    if (change.area_id() == "kz") {
      EXPECT_EQ(change.area_kind(), v1::AREA_KIND_NATION);
    }
  }
  std::set<std::string> expected;
  for (const auto& record : {s1, s2}) {
    for (const v1::Area* area : registry_->EnclosingAreas(
             *registry_->FindStation(record.submission().protocol().station_id()))) {
      expected.insert(area->area_id() + "@" + std::to_string(testing::PartitionOf(record)));
    }
  }
  EXPECT_EQ(moved, expected);

  // The next batch that moves the nation's total of S1's partition reports it with version 2.
  apply({s1_revised});
  const v1::TotalsChange* nation = nullptr;
  for (const auto& change : changes) {
    if (change.area_id() == "kz") nation = &change;
  }
  ASSERT_NE(nation, nullptr);
  EXPECT_EQ(nation->version(), 2);
  EXPECT_EQ(nation->figures().option_votes(0).votes(),
            testing::PartitionOf(s1) == testing::PartitionOf(s2) ? 311 : 301);
}

TEST_F(ApplierTest, OfficialResultIsCountedApartFromTheObservers) {
  auto observer = ObserverRecord("sub-1", "S1", "mazhilis", {300, 120, 80});
  auto official = ObserverRecord("official-1", "S1", "mazhilis", {700, 20, 10});
  official.mutable_submission()->set_source(v1::SOURCE_OFFICIAL);
  auto official_elsewhere = ObserverRecord("official-2", "S4", "mazhilis", {900, 0, 0});
  official_elsewhere.mutable_submission()->set_source(v1::SOURCE_OFFICIAL);

  auto outcomes = Apply({observer, official, official_elsewhere});

  EXPECT_EQ(outcomes,
            (std::vector<Outcome>{Outcome::kCounted, Outcome::kCounted, Outcome::kCounted}));
  EXPECT_EQ(Totals("kz"), ExpectedTotals({observer}));
  EXPECT_EQ(testing::AreaTotals(*redis_, "mazhilis", "kz", testing::kPartitions,
                                redis::layout::Scope::kOfficial),
            ExpectedTotals({official, official_elsewhere}));
  auto versions = redis_->Run(
      {"LLEN", redis::layout::VersionsKey(testing::PartitionOf(official), "mazhilis", "S1")});
  ASSERT_TRUE(versions.ok());
  EXPECT_EQ(versions->integer, 2);
}

TEST_F(ApplierTest, RetractionWithdrawsTheObserversCountedProtocol) {
  auto s1 = ObserverRecord("sub-1", "S1", "mazhilis", {300, 120, 80});
  testing::Flag(s1);
  auto s2 = ObserverRecord("sub-2", "S2", "mazhilis", {200, 100, 10});
  v1::SubmissionRecord retraction;
  auto* submission = retraction.mutable_submission();
  submission->set_submission_id("sub-3");
  submission->set_observer_id("observer-1");
  submission->set_source(v1::SOURCE_OBSERVER);
  submission->set_retraction(true);
  // A retraction withdraws the observer's versions up to its own revision.
  submission->set_revision(1);
  submission->mutable_protocol()->set_station_id("S1");
  submission->mutable_protocol()->set_contest_id("mazhilis");
  retraction.set_digest("sha256:retraction");

  Apply({s1, s2});
  EXPECT_EQ(Apply({retraction}), std::vector<Outcome>{Outcome::kRetracted});

  EXPECT_EQ(Totals("kz"), ExpectedTotals({s2}));
  EXPECT_EQ(Totals("kz")["stations_reporting"], 1);
  EXPECT_EQ(Totals("kz").count("flagged_count"), 0);
}

TEST_F(ApplierTest, RetractionByAnotherObserverChangesNoTotals) {
  auto s1 = ObserverRecord("sub-1", "S1", "mazhilis", {300, 120, 80});
  v1::SubmissionRecord retraction;
  retraction.mutable_submission()->set_submission_id("sub-2");
  retraction.mutable_submission()->set_observer_id("observer-2");
  retraction.mutable_submission()->set_retraction(true);
  retraction.mutable_submission()->mutable_protocol()->set_station_id("S1");
  retraction.mutable_submission()->mutable_protocol()->set_contest_id("mazhilis");

  Apply({s1});
  EXPECT_EQ(Apply({retraction}), std::vector<Outcome>{Outcome::kStored});

  EXPECT_EQ(Totals("kz"), ExpectedTotals({s1}));
}

TEST_F(ApplierTest, LowerRevisionFromTheCountedObserverDoesNotReplaceIt) {
  auto revised = ObserverRecord("sub-2", "S1", "mazhilis", {310, 120, 80});
  revised.mutable_submission()->set_revision(2);
  auto late_original = ObserverRecord("sub-1", "S1", "mazhilis", {300, 120, 80});
  late_original.mutable_submission()->set_revision(1);

  Apply({revised});
  EXPECT_EQ(Apply({late_original}), std::vector<Outcome>{Outcome::kStale});

  EXPECT_EQ(Totals("kz"), ExpectedTotals({revised}));
}

TEST_F(ApplierTest, ReusedIdWithAnotherDigestChangesNothing) {
  auto s1 = ObserverRecord("sub-1", "S1", "mazhilis", {300, 120, 80});
  auto reused = ObserverRecord("sub-1", "S1", "mazhilis", {1, 1, 1});

  Apply({s1});
  auto before = DumpWithoutPositions();
  EXPECT_EQ(Apply({reused}), std::vector<Outcome>{Outcome::kIdReused});

  EXPECT_EQ(DumpWithoutPositions(), before);
}

TEST_F(ApplierTest, ScriptIsLoadedAgainAfterRedisForgetsIt) {
  auto s1 = ObserverRecord("sub-1", "S1", "mazhilis", {300, 120, 80});
  auto s4 = ObserverRecord("sub-2", "S4", "mazhilis", {30, 20, 10});
  ASSERT_TRUE(redis_->Run({"SCRIPT", "FLUSH"}).ok());

  EXPECT_EQ(Apply({s1, s4}), (std::vector<Outcome>{Outcome::kCounted, Outcome::kCounted}));

  EXPECT_EQ(Totals("kz"), ExpectedTotals({s1, s4}));
}

TEST_F(ApplierTest, PartitionPositionPassesEveryAppliedRecordWhateverItsOutcome) {
  auto original = ObserverRecord("sub-1", "S1", "mazhilis", {300, 120, 80});
  auto revised = ObserverRecord("sub-2", "S1", "mazhilis", {290, 130, 80});
  revised.mutable_submission()->set_revision(2);
  auto reused = ObserverRecord("sub-1", "S1", "mazhilis", {1, 1, 1});
  const int32_t partition = testing::PartitionOf(original);

  EXPECT_EQ(Position(partition), 0);
  EXPECT_EQ(ApplyAt(10, revised), Outcome::kCounted);
  EXPECT_EQ(Position(partition), 11);
  EXPECT_EQ(ApplyAt(11, original), Outcome::kStale);
  EXPECT_EQ(Position(partition), 12);
  EXPECT_EQ(ApplyAt(14, original), Outcome::kDuplicate);
  EXPECT_EQ(Position(partition), 15);
  EXPECT_EQ(ApplyAt(15, reused), Outcome::kIdReused);
  EXPECT_EQ(Position(partition), 16);

  // Only the record's own partition moves.
  for (int32_t p = 0; p < testing::kPartitions; ++p) {
    if (p != partition) {
      EXPECT_EQ(Position(p), 0) << "partition " << p;
    }
  }
}

TEST_F(ApplierTest, ReplayedRecordsLeaveThePositionWhereItWas) {
  auto s1 = ObserverRecord("sub-1", "S1", "mazhilis", {300, 120, 80});
  auto s1_revised = ObserverRecord("sub-2", "S1", "mazhilis", {290, 130, 80});
  s1_revised.mutable_submission()->set_revision(2);
  const int32_t partition = testing::PartitionOf(s1);
  ApplyAt(0, s1);
  ApplyAt(1, s1_revised);
  auto before = testing::Dump(*redis_);
  ASSERT_EQ(Position(partition), 2);

  // A consumer that restarts from an older committed offset applies both again.
  EXPECT_EQ(ApplyAt(0, s1), Outcome::kDuplicate);
  EXPECT_EQ(ApplyAt(1, s1_revised), Outcome::kDuplicate);

  EXPECT_EQ(Position(partition), 2);
  EXPECT_EQ(testing::Dump(*redis_), before);
}

TEST_F(ApplierTest, RecordOfAnUnknownStationCannotBeApplied) {
  auto unknown = ObserverRecord("sub-1", "S99", "mazhilis", {1, 2, 3});

  auto call = applier_.Prepare(0, 0, unknown);

  ASSERT_FALSE(call.ok());
  EXPECT_NE(call.status().message().find("S99"), std::string::npos);
}

TEST_F(ApplierTest, LostConnectionIsAnErrorNotAnOutcome) {
  auto s1 = ObserverRecord("sub-1", "S1", "mazhilis", {300, 120, 80});
  auto call = applier_.Prepare(testing::PartitionOf(s1), 0, s1);
  ASSERT_TRUE(call.ok());
  server_->process().Stop();

  auto outcomes = applier_.Apply(*redis_, {*call});

  EXPECT_FALSE(outcomes.ok());
}

// A step that moves totals names them in feed-pending together with the totals of earlier steps
// the broker has not acknowledged yet; a step that moves none leaves the list as it was.
TEST_F(ApplierTest, FeedPendingIsTheUnionOfTheStepAndTheUnacknowledgedTotals) {
  auto s1 = ObserverRecord("sub-1", "S1", "mazhilis", {300, 120, 80});
  const int32_t partition = testing::PartitionOf(s1);
  auto call = applier_.Prepare(partition, 0, s1);
  ASSERT_TRUE(call.ok());
  const std::string earlier = "D-earlier|mazhilis|observer";
  BatchOptions options;
  options.unacknowledged_feed = [&](int32_t asked) {
    return asked == partition ? std::set<std::string>{earlier} : std::set<std::string>{};
  };
  BatchApplier member(registry_, /*cache_entries=*/1000);

  auto applied = member.Apply(*redis_, std::span(&*call, 1), options);

  ASSERT_TRUE(applied.ok()) << applied.status().message();
  ASSERT_FALSE(applied->changes.empty());
  std::string expected;
  std::set<std::string> lines = {earlier};
  for (const auto& change : applied->changes) {
    lines.insert(FeedPendingLine(change));
  }
  for (const auto& line : lines) expected += line + "\n";
  auto listed = redis_->Run({"GET", redis::layout::FeedPendingKey(partition)});
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->str, expected);

  // The same record again (a resend at the next offset): a duplicate, no total moves.
  auto again = applier_.Prepare(partition, 1, s1);
  ASSERT_TRUE(again.ok());
  options.unacknowledged_feed = [](int32_t) { return std::set<std::string>{"D-other|x|observer"}; };
  auto replayed = member.Apply(*redis_, std::span(&*again, 1), options);
  ASSERT_TRUE(replayed.ok());
  EXPECT_TRUE(replayed->changes.empty());
  listed = redis_->Run({"GET", redis::layout::FeedPendingKey(partition)});
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->str, expected);
}

}  // namespace
}  // namespace hattama::aggregation

namespace hattama::aggregation {
namespace {

// Property: any order of the same submissions, cut into any batches, under any partition count,
// leaves the same totals in Redis — the ones the pure model of the dispute rule predicts.
TEST(ApplierProperty, AnyPermutationOfTheSameSubmissionsYieldsTheModelsTotals) {
  auto server = stack::RedisServer::Start();
  ASSERT_TRUE(server.ok()) << server.status().message();
  auto redis = testing::Connect((*server)->address());
  ASSERT_NE(redis, nullptr);
  auto registry = testing::TinyRegistry();
  Applier applier(registry);
  std::mt19937 random(5);
  const std::vector<std::vector<int64_t>> figures = {
      {300, 120, 80}, {290, 130, 80}, {300, 120, 81}, {10, 20, 30}};
  const std::vector<std::string> stations = {"S1", "S2", "S4"};

  for (int scenario = 0; scenario < 12; ++scenario) {
    std::vector<v1::SubmissionRecord> records;
    for (int i = 0; i < 14; ++i) {
      const std::string station = stations[random() % stations.size()];
      const std::string observer = "observer-" + std::to_string(random() % 4);
      const std::string id = "x" + std::to_string(scenario) + "-" + std::to_string(i);
      auto record =
          ObserverRecord(id, station, "mazhilis", figures[random() % figures.size()], 0, observer);
      record.mutable_submission()->set_revision(static_cast<int32_t>(random() % 3));
      if (random() % 7 == 0) record.mutable_submission()->set_retraction(true);
      if (random() % 5 == 0) testing::Flag(record);
      records.push_back(record);
    }
    // The model: the rule per station, the counted figures summed.
    const auto expected = ExpectedByRule(records);

    for (int order = 0; order < 6; ++order) {
      ASSERT_TRUE(redis->Run({"FLUSHALL"}).ok());
      std::shuffle(records.begin(), records.end(), random);
      const int32_t partitions = order % 2 == 0 ? 4 : 3;
      // Cut into batches of random size, and replay one batch as a crash would.
      size_t at = 0;
      while (at < records.size()) {
        const size_t size = 1 + random() % 5;
        std::vector<v1::SubmissionRecord> batch(
            records.begin() + at, records.begin() + std::min(records.size(), at + size));
        testing::ApplyBatch(applier, *redis, batch, partitions);
        if (random() % 4 == 0) testing::ApplyBatch(applier, *redis, batch, partitions);
        at += size;
      }
      ASSERT_EQ(AreaTotals(*redis, "mazhilis", "kz", partitions), expected)
          << "scenario " << scenario << ", order " << order;
    }
  }
}

// A locale whose collation differs from byte order (en_US.UTF-8 sorts "a" before "B"), compiled
// into a temporary directory with localedef so the test needs no system-wide locale. redis-server
// collates Lua string comparisons with the locale of its environment (setlocale(LC_COLLATE, "")).
class CollatingLocale {
 public:
  CollatingLocale() {
    const std::string command =
        "localedef -i en_US -f UTF-8 " + dir_.path() + "/en_US.UTF-8 >/dev/null 2>&1";
    ok_ = std::system(command.c_str()) == 0;
  }
  bool ok() const { return ok_; }
  const std::string& path() const { return dir_.path(); }

 private:
  stack::TempDir dir_{"hattama-locale"};
  bool ok_ = false;
};

// Sets environment variables for the life of the object (children started meanwhile inherit
// them).
class ScopedEnv {
 public:
  ScopedEnv(std::vector<std::pair<std::string, std::string>> values) : values_(std::move(values)) {
    for (const auto& [name, value] : values_) setenv(name.c_str(), value.c_str(), 1);
  }
  ~ScopedEnv() {
    for (const auto& [name, value] : values_) unsetenv(name.c_str());
  }

 private:
  std::vector<std::pair<std::string, std::string>> values_;
};

// Property: ties between submission ids (an observer's two versions of one revision, the
// representative of confirmed figures) are broken in byte order, an empty additional list
// confirms a 0 one, as the C++ model does, even when
// redis-server runs in a locale whose collation orders the ids differently: upper vs lower case,
// punctuation the locale ignores, non-ASCII letters.
TEST(ApplierProperty, IdsAreOrderedByBytesWhateverTheServersLocale) {
  CollatingLocale locale;
  ASSERT_TRUE(locale.ok()) << "localedef -i en_US -f UTF-8 failed (package: locales)";
  ScopedEnv env({{"LOCPATH", locale.path()}, {"LC_ALL", "en_US.UTF-8"}});
  auto server = stack::RedisServer::Start();
  ASSERT_TRUE(server.ok()) << server.status().message();
  auto redis = testing::Connect((*server)->address());
  ASSERT_NE(redis, nullptr);
  // The server really collates: Lua's < disagrees with byte order on "a" and "B".
  auto probe = redis->Run({"EVAL", "return ('a' < 'B') and 1 or 0", "0"});
  ASSERT_TRUE(probe.ok()) << probe.status().message();
  ASSERT_EQ(probe->integer, 1) << "redis-server did not take the collating locale";

  auto registry = testing::TinyRegistry();
  Applier applier(registry);
  std::mt19937 random(11);
  const std::vector<std::vector<int64_t>> figures = {{300, 120, 80}, {290, 130, 80}};
  const std::vector<std::string> prefixes = {"a", "B", "Ab", "aB", "_b", "\xc3\xa9",
                                             "z", "Z", "e",  "E",  "1",  "-a"};
  for (int scenario = 0; scenario < 16; ++scenario) {
    std::vector<v1::SubmissionRecord> records;
    for (int i = 0; i < 10; ++i) {
      const std::string id = prefixes[random() % prefixes.size()] + "-" + std::to_string(scenario) +
                             "-" + std::to_string(i);
      const std::string observer = "observer-" + std::to_string(random() % 3);
      auto record =
          ObserverRecord(id, "S1", "mazhilis", figures[random() % figures.size()], 0, observer);
      // One revision for all: an observer's versions are told apart by their ids alone.
      record.mutable_submission()->set_revision(1);
      if (random() % 2 == 0) testing::Flag(record);
      // An additional list left empty and one written as 0 are the same figures.
      if (random() % 2 == 0) {
        record.mutable_submission()
            ->mutable_protocol()
            ->mutable_figures()
            ->set_additional_list_voters(0);
      }
      records.push_back(record);
    }
    const auto expected = ExpectedByRule(records);
    for (int order = 0; order < 3; ++order) {
      ASSERT_TRUE(redis->Run({"FLUSHALL"}).ok());
      std::shuffle(records.begin(), records.end(), random);
      for (const auto& record : records) testing::ApplyBatch(applier, *redis, {record});
      ASSERT_EQ(AreaTotals(*redis, "mazhilis", "kz"), expected)
          << "scenario " << scenario << ", order " << order;
    }
  }
}

// A log of `count` random versions (revisions, retractions, flags, resends, reused ids) of the tiny
// registry's mazhilis stations, each with its partition and offset as Kafka would give them.
std::vector<PreparedRecord> RandomLog(const Applier& applier, std::mt19937& random, int count,
                                      std::vector<v1::SubmissionRecord>& records) {
  const std::vector<std::vector<int64_t>> figures = {
      {300, 120, 80}, {290, 130, 80}, {300, 120, 81}, {10, 20, 30}};
  const std::vector<std::string> stations = {"S1", "S2", "S3", "S4", "S5"};
  std::map<int32_t, int64_t> offsets;
  std::vector<PreparedRecord> log;
  for (int i = 0; i < count; ++i) {
    v1::SubmissionRecord record;
    if (!records.empty() && random() % 8 == 0) {
      record = records[random() % records.size()];  // A resend (or, with new figures, a reuse).
      if (random() % 2 == 0) {  // Ids are unique per partition: the station stays.
        record = ObserverRecord(record.submission().submission_id(),
                                record.submission().protocol().station_id(), "mazhilis", {1, 2, 3});
      }
    } else {
      record = ObserverRecord("id-" + std::to_string(i), stations[random() % stations.size()],
                              "mazhilis", figures[random() % figures.size()], 0,
                              "observer-" + std::to_string(random() % 4));
      record.mutable_submission()->set_revision(static_cast<int32_t>(random() % 3));
      if (random() % 7 == 0) record.mutable_submission()->set_retraction(true);
      if (random() % 5 == 0) testing::Flag(record);
    }
    const int32_t partition = testing::PartitionOf(record);
    log.push_back(applier.Prepare(partition, offsets[partition]++, record).value());
    records.push_back(record);
  }
  return log;
}

// The records a member applies first: a resend is applied as its first copy, a reused id not at
// all.
std::vector<v1::SubmissionRecord> FirstOfEachId(const std::vector<v1::SubmissionRecord>& records) {
  std::set<std::string> seen;
  std::vector<v1::SubmissionRecord> first;
  for (const auto& record : records) {
    if (seen.insert(record.submission().submission_id()).second) first.push_back(record);
  }
  return first;
}

// A redis-server of the test's own, the tiny registry and its applier.
class BatchApplierProperty : public testing::RedisServerTest {
 protected:
  std::shared_ptr<const domain::Registry> registry_ = testing::TinyRegistry();
  Applier applier_{registry_};
};

// Property: a member that keeps its state cache between batches, batches cut at random points,
// batches delivered again (a crash before the commit), and a zombie member writing old batches
// with what it remembered (a rebalance it did not notice) leave the totals the model predicts.
TEST_F(BatchApplierProperty, CachedMembersAndAZombieYieldTheModelsTotals) {
  std::mt19937 random(23);
  for (int scenario = 0; scenario < 12; ++scenario) {
    ASSERT_TRUE(redis_->Run({"FLUSHALL"}).ok());
    std::vector<v1::SubmissionRecord> records;
    const auto log = RandomLog(applier_, random, 60, records);
    BatchApplier member(registry_, /*cache_entries=*/scenario % 3 == 0 ? 4 : 100000);
    BatchApplier zombie(registry_, 100000);
    // Every other scenario, the member writes its steps on a second connection while it folds.
    auto second = testing::Connect(server_->address());
    ASSERT_NE(second, nullptr);
    redis::Client* writer = scenario % 2 == 1 ? second.get() : nullptr;
    size_t at = 0;
    size_t previous = 0;
    size_t zombie_at = 0;  // The zombie reads the same log on its own, from where it was.
    while (at < log.size()) {
      const size_t end = std::min(log.size(), at + 1 + random() % 9);
      ASSERT_TRUE(member.Apply(*redis_, std::span(log.data() + at, end - at), {}, writer).ok());
      if (random() % 4 == 0) {  // Delivered again from the last committed offset.
        ASSERT_TRUE(
            member.Apply(*redis_, std::span(log.data() + previous, end - previous), {}, writer)
                .ok());
      }
      if (random() % 3 == 0 && zombie_at < log.size()) {
        const size_t zombie_end = std::min(log.size(), zombie_at + 1 + random() % 12);
        ASSERT_TRUE(
            zombie.Apply(*redis_, std::span(log.data() + zombie_at, zombie_end - zombie_at)).ok());
        zombie_at = zombie_end;
      }
      previous = at;
      at = end;
    }
    ASSERT_EQ(AreaTotals(*redis_, "mazhilis", "kz"), ExpectedByRule(FirstOfEachId(records)))
        << "scenario " << scenario;
  }
}

// A batch of one record at a time (the latency path) through a cached member: the same totals.
TEST_F(BatchApplierProperty, OneRecordBatchesYieldTheModelsTotals) {
  std::mt19937 random(7);
  std::vector<v1::SubmissionRecord> records;
  const auto log = RandomLog(applier_, random, 80, records);
  BatchApplier member(registry_, 100000);
  for (const auto& record : log) {
    auto applied = member.Apply(*redis_, std::span(&record, 1));
    ASSERT_TRUE(applied.ok()) << applied.status().message();
    ASSERT_TRUE(applied->outcomes[0].has_value());
  }
  EXPECT_EQ(AreaTotals(*redis_, "mazhilis", "kz"), ExpectedByRule(FirstOfEachId(records)));
}

// A step writes a station's versions in one RPUSH and its backers in one HSET however many of its
// records the batch holds (as a rebuild's batches do): Redis ends up holding exactly what batches
// of one record each leave, every version in log order and every backer's last entry. The totals
// are held to the model instead: their version counts steps, and a field that moved back to 0 in
// some step stays there as 0; and each feed-pending list names the totals of its last step.
TEST_F(BatchApplierProperty, OneBatchStoresWhatOneRecordBatchesStore) {
  std::mt19937 random(11);
  std::vector<v1::SubmissionRecord> records;
  const auto log = RandomLog(applier_, random, 120, records);
  auto dump = [this] {
    auto keys = testing::Dump(*redis_);
    std::erase_if(keys, [](const auto& key) {
      return key.first.ends_with(":feed-pending") || key.first.find(":totals:") != key.first.npos;
    });
    return keys;
  };
  BatchApplier whole(registry_, 100000);
  ASSERT_TRUE(whole.Apply(*redis_, log).ok());
  const auto from_one_batch = dump();
  EXPECT_EQ(AreaTotals(*redis_, "mazhilis", "kz"), ExpectedByRule(FirstOfEachId(records)));

  ASSERT_TRUE(redis_->Run({"FLUSHALL"}).ok());
  BatchApplier one_by_one(registry_, 100000);
  for (const auto& record : log) ASSERT_TRUE(one_by_one.Apply(*redis_, std::span(&record, 1)).ok());

  EXPECT_EQ(from_one_batch, dump());
  EXPECT_EQ(AreaTotals(*redis_, "mazhilis", "kz"), ExpectedByRule(FirstOfEachId(records)));
}

// Redis lost the tail of a partition (FLUSHALL: a failover to a replica that had not got it): the
// member's next write finds the position moved, and the partition is left out for the caller to
// read the log again from the position Redis holds; applied from there, the totals are whole.
TEST_F(BatchApplierProperty, LostTailIsLeftOutAndReplayedFromThePositionRedisHolds) {
  std::mt19937 random(3);
  std::vector<v1::SubmissionRecord> records;
  const auto log = RandomLog(applier_, random, 40, records);
  BatchApplier member(registry_, 100000);
  ASSERT_TRUE(member.Apply(*redis_, std::span(log.data(), 25)).ok());
  ASSERT_TRUE(redis_->Run({"FLUSHALL"}).ok());

  std::set<int32_t> sought;
  BatchOptions options{.leave_out_gap = [&](int32_t partition, int64_t position) {
    EXPECT_EQ(position, 0);
    return sought.insert(partition).second;  // Once per partition, as the aggregator seeks.
  }};
  auto applied = member.Apply(*redis_, std::span(log.data() + 25, log.size() - 25), options);
  ASSERT_TRUE(applied.ok()) << applied.status().message();
  EXPECT_FALSE(applied->left_out.empty());
  // Read again from each left-out partition's position (0): its whole log.
  std::vector<PreparedRecord> again;
  for (const auto& record : log) {
    if (applied->left_out.contains(record.partition)) again.push_back(record);
  }
  ASSERT_TRUE(member.Apply(*redis_, again, options).ok());
  std::vector<v1::SubmissionRecord> kept;    // What Redis holds: every partition not left out lost
  for (size_t i = 0; i < log.size(); ++i) {  // its first 25 records' share.
    if (i >= 25 || applied->left_out.contains(log[i].partition)) kept.push_back(records[i]);
  }
  EXPECT_EQ(AreaTotals(*redis_, "mazhilis", "kz"), ExpectedByRule(FirstOfEachId(kept)));
}

// The write steps on a real Redis Cluster (3 masters, 3 replicas): each partition's step is one
// script call on the master of its {p<N>} slot, with only the position declared as a key; a
// member, its redeliveries and a zombie leave the totals the model predicts.
TEST(BatchApplierOnRedisCluster, StepsOfEveryPartitionLandWholeOnTheirMasters) {
  auto cluster = testing::RedisCluster::Start();
  ASSERT_TRUE(cluster.ok()) << cluster.status().message();
  auto redis = redis::ConnectClient({.cluster_seeds = (*cluster)->addresses()});
  ASSERT_TRUE(redis.ok()) << redis.status().message();
  auto registry = testing::TinyRegistry();
  Applier applier(registry);
  std::mt19937 random(31);
  std::vector<v1::SubmissionRecord> records;
  const auto log = RandomLog(applier, random, 80, records);
  BatchApplier member(registry, 100000);
  BatchApplier zombie(registry, 100000);
  size_t at = 0;
  while (at < log.size()) {
    const size_t end = std::min(log.size(), at + 1 + random() % 12);
    auto applied = member.Apply(**redis, std::span(log.data() + at, end - at));
    ASSERT_TRUE(applied.ok()) << applied.status().message();
    if (random() % 3 == 0) {
      ASSERT_TRUE(zombie.Apply(**redis, std::span(log.data(), end)).ok());
    }
    at = end;
  }

  std::map<std::string, int64_t> totals;
  for (int32_t p = 0; p < testing::kPartitions; ++p) {
    auto reply = (*redis)->Run({"HGETALL", redis::layout::TotalsKey(p, "mazhilis", "kz")});
    ASSERT_TRUE(reply.ok()) << reply.status().message();
    for (size_t i = 0; i + 1 < reply->elements.size(); i += 2) {
      if (reply->elements[i].str == redis::layout::kTotalsVersion) continue;
      totals[reply->elements[i].str] += std::stoll(reply->elements[i + 1].str);
    }
  }
  std::erase_if(totals, [](const auto& field) { return field.second == 0; });
  EXPECT_EQ(totals, ExpectedByRule(FirstOfEachId(records)));
}

}  // namespace
}  // namespace hattama::aggregation
