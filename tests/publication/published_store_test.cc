// The read model against a real redis-server seeded through aggregation's apply path: what each
// read returns, the totals cache in front of ReadTotals, and how every read (the deployment
// table's too) behaves when Redis is restarted or gone.
#include "services/publication/published_store.h"

#include <gtest/gtest.h>

#include <set>

#include "tests/publication/fixture.h"

namespace hattama::publication {
namespace {

using testing::ObserverRecord;

using PublishedStoreTest = StoreFixture;

const TotalsKey kNation{"kz", "mazhilis", /*official=*/false};

TEST_F(PublishedStoreTest, PartitionCountIsZeroBeforeAnythingWasApplied) {
  auto partitions = store_->ReadPartitionCount();

  ASSERT_TRUE(partitions.ok()) << partitions.status().message();
  EXPECT_EQ(*partitions, 0);
  // And totals are then all zero rather than an error.
  auto totals = store_->ReadTotals(kNation);
  ASSERT_TRUE(totals.ok()) << totals.status().message();
  EXPECT_EQ(totals->stations_reporting(), 0);
}

TEST_F(PublishedStoreTest, PartitionCountIsWhatAggregationWrote) {
  WritePartitionCount();
  EXPECT_EQ(store_->ReadPartitionCount().value(), testing::kPartitions);

  ASSERT_TRUE(redis_->Run({"SET", redis::layout::PartitionsKey(), "four"}).ok());
  auto garbled = store_->ReadPartitionCount();
  EXPECT_EQ(garbled.status().code(), StatusCode::kInternal);
  EXPECT_NE(garbled.status().message().find("four"), std::string::npos);
}

TEST_F(PublishedStoreTest, TotalsAreSummedOverEveryPartition) {
  std::vector<v1::SubmissionRecord> records = {
      ObserverRecord("a", "S1", "mazhilis", {300, 120, 80}, 20),
      ObserverRecord("b", "S2", "mazhilis", {200, 100, 50}, 10),
      ObserverRecord("c", "S4", "mazhilis", {500, 150, 100}, 30),
      ObserverRecord("d", "S5", "mazhilis", {100, 200, 0}),
  };
  std::set<int32_t> partitions;
  for (const auto& record : records) partitions.insert(testing::PartitionOf(record));
  ASSERT_GT(partitions.size(), 1u) << "the stations must spread over partitions for this test";
  Aggregate(records);

  auto nation = store_->ReadTotals(kNation);
  auto regions = store_->ReadTotalsOfAreas(
      *registry_->FindContest("mazhilis"), redis::layout::Scope::kObserver,
      {registry_->FindArea("kz-a"), registry_->FindArea("kz-b")});

  ASSERT_TRUE(nation.ok()) << nation.status().message();
  EXPECT_EQ(nation->stations_reporting(), 4);
  EXPECT_EQ(nation->options(0).votes(), 300 + 200 + 500 + 100);
  EXPECT_EQ(nation->figures().ballots_spoiled(), 60);
  EXPECT_FALSE(nation->official());
  ASSERT_TRUE(regions.ok()) << regions.status().message();
  ASSERT_EQ(regions->size(), 2u);
  EXPECT_EQ((*regions)[0].area().area_id(), "kz-a");
  EXPECT_EQ((*regions)[0].options(0).votes(), 500);
  EXPECT_EQ((*regions)[1].options(0).votes(), 600);
}

TEST_F(PublishedStoreTest, OfficialTotalsAreReadApart) {
  Aggregate({ObserverRecord("a", "S1", "mazhilis", {300, 120, 80}),
             OfficialRecord("o", "S1", "mazhilis", {310, 110, 80})});

  auto official = store_->ReadTotals({"kz", "mazhilis", /*official=*/true});
  auto observed = store_->ReadTotals(kNation);

  ASSERT_TRUE(official.ok()) << official.status().message();
  EXPECT_TRUE(official->official());
  EXPECT_EQ(official->options(0).votes(), 310);
  EXPECT_EQ(observed->options(0).votes(), 300);
}

TEST_F(PublishedStoreTest, TotalsComeFromTheCacheUntilTheirKeyIsInvalidated) {
  TotalsCache cache;
  cache.Enable();
  store_->UseTotalsCache(&cache);
  Aggregate({ObserverRecord("a", "S1", "mazhilis", {300, 120, 80})});
  ASSERT_EQ(store_->ReadTotals(kNation)->stations_reporting(), 1);

  Aggregate({ObserverRecord("b", "S4", "mazhilis", {200, 100, 50})});
  EXPECT_EQ(store_->ReadTotals(kNation)->stations_reporting(), 1) << "not from the cache";
  EXPECT_EQ(cache.hits(), 1u);

  cache.Invalidate(kNation);
  EXPECT_EQ(store_->ReadTotals(kNation)->stations_reporting(), 2);
}

TEST_F(PublishedStoreTest, TotalsReadBeforeAnyPartitionExistedAreNotKept) {
  TotalsCache cache;
  cache.Enable();
  store_->UseTotalsCache(&cache);
  // Read at start, before aggregation applied anything: no log position to state.
  ASSERT_EQ(store_->ReadTotals(kNation)->log_position().partition_ends_size(), 0);

  // Aggregation applies a protocol of another contest: no change of this total will come, yet
  // its log position now names every partition.
  Aggregate({ObserverRecord("a", "S1", "maslikhat", {300, 120})});
  EXPECT_EQ(store_->ReadTotals(kNation)->log_position().partition_ends_size(),
            testing::kPartitions);
  EXPECT_EQ(cache.hits(), 0u);
}

TEST_F(PublishedStoreTest, TotalsReadWhilePartitionsStoodAtZeroAreNotKept) {
  TotalsCache cache;
  cache.Enable();
  store_->UseTotalsCache(&cache);
  // Aggregation has published the partition count but applied nothing yet: every end is 0, the
  // empty log's, which a recount takes as not yet logged.
  ASSERT_TRUE(
      redis_->Run({"SET", redis::layout::PartitionsKey(), std::to_string(testing::kPartitions)})
          .ok());
  auto early = store_->ReadTotals(kNation);
  ASSERT_TRUE(early.ok()) << early.status().message();
  ASSERT_EQ(early->log_position().partition_ends_size(), testing::kPartitions);

  // A protocol of another contest moves the positions but never this total.
  Aggregate({ObserverRecord("a", "S1", "maslikhat", {300, 120})});
  auto later = store_->ReadTotals(kNation);
  ASSERT_TRUE(later.ok());
  int64_t applied = 0;
  for (int64_t end : later->log_position().partition_ends()) applied += end;
  EXPECT_GT(applied, 0) << "the early read was kept";
  EXPECT_EQ(cache.hits(), 0u);
}

TEST_F(PublishedStoreTest, ABadKeyIsRefusedWithoutAskingRedis) {
  server_->process().Stop();

  EXPECT_EQ(store_->ReadTotals({"atlantis", "mazhilis", false}).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(store_->ReadTotals({"kz", "", false}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->ReadTotals(kNation).status().code(), StatusCode::kUnavailable);
}

TEST_F(PublishedStoreTest, AStationIsReadWithEveryVersionOfEachOfItsContests) {
  auto first = ObserverRecord("v1", "S2", "mazhilis", {200, 100, 50}, 10);
  auto second = ObserverRecord("v2", "S2", "mazhilis", {210, 90, 50}, 10);
  second.mutable_submission()->set_revision(2);
  Aggregate({first, second, ObserverRecord("m", "S2", "maslikhat", {70, 30})});

  auto contests = store_->ReadStation(*registry_->FindStation("S2"));

  ASSERT_TRUE(contests.ok()) << contests.status().message();
  ASSERT_EQ(contests->size(), 2u);
  EXPECT_EQ((*contests)[0].contest_id(), "mazhilis");
  EXPECT_EQ((*contests)[0].counted_submission_id(), "v2");
  EXPECT_EQ((*contests)[0].versions_size(), 2);
  EXPECT_EQ((*contests)[1].contest_id(), "maslikhat");
  EXPECT_EQ((*contests)[1].counted().figures().option_votes(0).votes(), 70);
}

TEST_F(PublishedStoreTest, StationResultsInBulkCarryFlagsAndOfficialFiguresButNoVersions) {
  auto flagged = ObserverRecord("f", "S2", "mazhilis", {200, 100, 50}, 10);
  testing::Flag(flagged);
  Aggregate({ObserverRecord("a", "S1", "mazhilis", {300, 120, 80}), flagged,
             OfficialRecord("o", "S1", "mazhilis", {310, 110, 80})});
  std::vector<const domain::Station*> stations;
  for (const char* id : {"S3", "S2", "S1"}) stations.push_back(registry_->FindStation(id));

  auto results = store_->ReadStationResults(*registry_->FindContest("mazhilis"), stations);

  ASSERT_TRUE(results.ok()) << results.status().message();
  ASSERT_EQ(results->size(), 3u);
  EXPECT_FALSE((*results)[0].has_counted());  // S3: nothing counted
  EXPECT_EQ((*results)[1].counted_submission_id(), "f");
  ASSERT_EQ((*results)[1].flags_size(), 1);
  EXPECT_EQ((*results)[1].flags(0).code(), v1::REASON_CODE_VALID_PLUS_SPOILED_NOT_IN_BOX);
  EXPECT_EQ((*results)[2].official().figures().option_votes(0).votes(), 310);
  EXPECT_EQ((*results)[2].flags_size(), 0);
  for (const auto& result : *results) EXPECT_EQ(result.versions_size(), 0);
}

TEST_F(PublishedStoreTest, DeploymentCountsAreTheTableAggregationKeeps) {
  EXPECT_TRUE(store_->ReadDeploymentCounts()->empty());
  const std::string sent =
      redis::layout::DeploymentCountField("kz-a", redis::layout::kMandatesSent);
  ASSERT_TRUE(redis_->Run({"HINCRBY", redis::layout::DeploymentCountsKey(), sent, "3"}).ok());

  auto counts = store_->ReadDeploymentCounts();

  ASSERT_TRUE(counts.ok()) << counts.status().message();
  EXPECT_EQ(counts->size(), 1u);
  EXPECT_EQ(counts->at(sent), 3);
}

TEST_F(PublishedStoreTest, EveryReadIsTriedAgainOnAFreshConnectionAfterRedisRestarts) {
  // Each read leaves an idle pooled connection that the restart breaks.
  ASSERT_TRUE(store_->ReadTotals(kNation).ok());
  ASSERT_TRUE(store_->ReadDeploymentCounts().ok());
  ASSERT_TRUE(server_->Restart().ok());

  auto totals = store_->ReadTotals(kNation);
  auto counts = store_->ReadDeploymentCounts();

  EXPECT_TRUE(totals.ok()) << totals.status().message();
  EXPECT_TRUE(counts.ok()) << counts.status().message();
}

TEST_F(PublishedStoreTest, RedisGoneIsUnavailableNamingTheStore) {
  server_->process().Stop();

  auto counts = store_->ReadDeploymentCounts();
  auto station = store_->ReadStation(*registry_->FindStation("S1"));

  EXPECT_EQ(counts.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(counts.status().message().find("deployment store unavailable"), std::string::npos)
      << counts.status().message();
  EXPECT_EQ(station.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(station.status().message().find("totals store unavailable"), std::string::npos)
      << station.status().message();
}

}  // namespace
}  // namespace hattama::publication
