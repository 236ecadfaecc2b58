// The recount's rule on small logs written by hand: what counts at a position, the dispute rule,
// revisions and retractions, a reused id, the records aggregation skips, a position that cuts a
// partition, leaves out of offset order, and the comparison with totals shaped as publication
// shapes them.
#include "tools/verify/recount.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "common/domain/dispute.h"
#include "services/publication/totals.h"
#include "tests/testing/election.h"

namespace hattama::verify {
namespace {

using testing::ObserverRecord;

// A log written leaf by leaf: each record takes the next offset of its partition.
class Log {
 public:
  Log() : registry_(testing::TinyRegistry()), recount_(registry_) {}

  void Add(int32_t partition, const std::string& value) {
    tlog::LeafEntry entry;
    entry.source = {partition, next_[partition]++};
    entry.record_sha256 = std::string(32, '\0');
    entry.record = value;
    recount_.AddLeaf(entry);
  }
  void Add(int32_t partition, const v1::SubmissionRecord& record) {
    Add(partition, record.SerializeAsString());
  }
  // A leaf at an offset of our choosing (a writer that logged a partition out of order).
  void AddAt(int32_t partition, int64_t offset, const v1::SubmissionRecord& record) {
    tlog::LeafEntry entry;
    entry.source = {partition, offset};
    entry.record = record.SerializeAsString();
    recount_.AddLeaf(entry);
  }

  // Everything added: each partition to its end, the tree size all leaves.
  v1::LogPosition End() const {
    v1::LogPosition position;
    const int32_t partitions = next_.empty() ? 0 : next_.rbegin()->first + 1;
    for (int32_t p = 0; p < partitions; ++p) {
      auto it = next_.find(p);
      position.add_partition_ends(it == next_.end() ? 0 : it->second);
    }
    position.set_tree_size(recount_.leaves());
    return position;
  }

  Recounted At(const v1::LogPosition& position) {
    auto recounted = recount_.At(position);
    EXPECT_TRUE(recounted.ok()) << recounted.status().message();
    return recounted.ok() ? *recounted : Recounted{};
  }
  Recounted AtEnd() { return At(End()); }

  const domain::Registry& registry() const { return *registry_; }
  Recount& recount() { return recount_; }

 private:
  std::shared_ptr<const domain::Registry> registry_;
  Recount recount_;
  std::map<int32_t, int64_t> next_;
};

v1::LogPosition Position(std::vector<int64_t> ends, int64_t tree_size) {
  v1::LogPosition position;
  for (int64_t end : ends) position.add_partition_ends(end);
  position.set_tree_size(tree_size);
  return position;
}

// The totals of an area, contest "mazhilis", observers'; empty when nothing counts there.
RecountedTotals Mazhilis(const Recounted& recounted, const std::string& area,
                         bool official = false) {
  auto it = recounted.totals.find({area, "mazhilis", official});
  return it == recounted.totals.end() ? RecountedTotals{} : it->second;
}

int64_t Votes(const RecountedTotals& totals, const std::string& option) {
  auto it = totals.figures.find("v:" + option);
  return it == totals.figures.end() ? 0 : it->second;
}

int64_t Figure(const RecountedTotals& totals, const std::string& figure) {
  auto it = totals.figures.find("f:" + figure);
  return it == totals.figures.end() ? 0 : it->second;
}

v1::SubmissionRecord Revision(v1::SubmissionRecord record, int32_t revision) {
  record.mutable_submission()->set_revision(revision);
  return record;
}

v1::SubmissionRecord Retraction(const std::string& id, const std::string& station, int32_t revision,
                                const std::string& observer = "observer-1") {
  v1::SubmissionRecord record = ObserverRecord(id, station, "mazhilis", {}, 0, observer);
  record.mutable_submission()->set_retraction(true);
  record.mutable_submission()->set_revision(revision);
  record.mutable_submission()->mutable_protocol()->clear_figures();
  return record;
}

TEST(Recount, AnAreaSumsTheCountedProtocolsOfItsStations) {
  Log log;
  log.Add(0, ObserverRecord("a", "S1", "mazhilis", {300, 200, 70}, 20));
  log.Add(0, ObserverRecord("b", "S2", "mazhilis", {100, 50, 20}));
  log.Add(1, ObserverRecord("c", "S4", "mazhilis", {400, 300, 100}));
  const Recounted recounted = log.AtEnd();

  const RecountedTotals district = Mazhilis(recounted, "kz-a-1");
  EXPECT_EQ(Votes(district, "nur"), 400);
  EXPECT_EQ(Votes(district, "akzhol"), 250);
  EXPECT_EQ(Votes(district, "adal"), 90);
  EXPECT_EQ(Figure(district, "ballots_valid"), 740);
  EXPECT_EQ(Figure(district, "ballots_spoiled"), 20);
  EXPECT_EQ(Figure(district, "registered_voters"), 1800);
  EXPECT_EQ(district.stations_reporting, 2);
  EXPECT_EQ(Votes(Mazhilis(recounted, "kz-a"), "nur"), 400);
  EXPECT_EQ(Mazhilis(recounted, "kz-b-1").stations_reporting, 1);
  const RecountedTotals nation = Mazhilis(recounted, "kz");
  EXPECT_EQ(Votes(nation, "nur"), 800);
  EXPECT_EQ(nation.stations_reporting, 3);
  EXPECT_EQ(nation.flagged_count, 0);
  EXPECT_EQ(nation.disputed_count, 0);
  EXPECT_EQ(recounted.records, 3);
  EXPECT_FALSE(recounted.totals.contains({"kz", "maslikhat", false}));
}

TEST(Recount, TwoObserversWhoAgreeOutvoteOneWhoDiffersAndTheStationIsDisputed) {
  Log log;
  log.Add(0, ObserverRecord("a", "S1", "mazhilis", {300, 200, 70}, 0, "observer-1"));
  log.Add(0, ObserverRecord("b", "S1", "mazhilis", {100, 400, 70}, 0, "observer-2"));
  log.Add(0, ObserverRecord("c", "S1", "mazhilis", {300, 200, 70}, 0, "observer-3"));
  const RecountedTotals nation = Mazhilis(log.AtEnd(), "kz");
  EXPECT_EQ(Votes(nation, "nur"), 300);
  EXPECT_EQ(nation.stations_reporting, 1);
  EXPECT_EQ(nation.disputed_count, 1);
}

TEST(Recount, ATieBetweenTwoObserversGoesToTheSmallestFiguresDigest) {
  const auto one = ObserverRecord("a", "S1", "mazhilis", {300, 200, 70}, 0, "observer-1");
  const auto two = ObserverRecord("b", "S1", "mazhilis", {100, 400, 70}, 0, "observer-2");
  const bool one_wins = domain::FiguresDigest(one.submission().protocol().figures()) <
                        domain::FiguresDigest(two.submission().protocol().figures());
  Log log;
  log.Add(0, one);
  log.Add(0, two);
  const RecountedTotals nation = Mazhilis(log.AtEnd(), "kz");
  EXPECT_EQ(Votes(nation, "nur"), one_wins ? 300 : 100);
  EXPECT_EQ(nation.disputed_count, 1);
}

TEST(Recount, AHigherRevisionReplacesTheFiguresAndARetractionWithdrawsThem) {
  Log log;
  log.Add(0, ObserverRecord("a", "S1", "mazhilis", {300, 200, 70}));
  log.Add(0, Revision(ObserverRecord("a2", "S1", "mazhilis", {310, 190, 70}), 2));
  log.Add(0, Retraction("a3", "S1", 2));

  const RecountedTotals revised = Mazhilis(log.At(Position({2}, 3)), "kz");
  EXPECT_EQ(Votes(revised, "nur"), 310);
  EXPECT_EQ(revised.stations_reporting, 1);
  EXPECT_EQ(revised.disputed_count, 0);  // one observer's versions never dispute each other

  const Recounted retracted = log.AtEnd();
  EXPECT_FALSE(retracted.totals.contains({"kz", "mazhilis", false}));
}

TEST(Recount, ARecordCarryingAnIdSeenBeforeInItsPartitionChangesNothing) {
  Log log;
  log.Add(0, ObserverRecord("x", "S1", "mazhilis", {300, 200, 70}));
  // The same id again with other figures: aggregation answers id_reused and keeps the first.
  log.Add(0, ObserverRecord("x", "S1", "mazhilis", {1, 1, 1}, 0, "observer-2"));
  // Aggregation keeps the ids it saw per partition: in another partition the id counts.
  log.Add(1, ObserverRecord("x", "S4", "mazhilis", {400, 300, 100}));
  const Recounted recounted = log.AtEnd();
  EXPECT_EQ(Votes(Mazhilis(recounted, "kz-a-1"), "nur"), 300);
  EXPECT_EQ(Mazhilis(recounted, "kz-a-1").disputed_count, 0);
  EXPECT_EQ(Votes(Mazhilis(recounted, "kz-b-1"), "nur"), 400);
  EXPECT_EQ(recounted.ignored.id_seen_before, 1);
}

TEST(Recount, RecordsAggregationSkipsAreIgnored) {
  Log log;
  log.Add(0, std::string("\xff\xff\xff not a SubmissionRecord"));
  log.Add(0, ObserverRecord("", "S1", "mazhilis", {9, 9, 9}));
  log.Add(0, ObserverRecord("d", "S99", "mazhilis", {9, 9, 9}));
  log.Add(0, ObserverRecord("e", "S2", "mazhilis", {100, 50, 20}));
  const Recounted recounted = log.AtEnd();
  EXPECT_EQ(Votes(Mazhilis(recounted, "kz"), "nur"), 100);
  EXPECT_EQ(Mazhilis(recounted, "kz").stations_reporting, 1);
  EXPECT_EQ(recounted.records, 4);
  EXPECT_EQ(recounted.ignored.not_a_record, 1);
  EXPECT_EQ(recounted.ignored.no_id, 1);
  EXPECT_EQ(recounted.ignored.unknown_station, 1);
}

TEST(Recount, APositionCountsOnlyEachPartitionsRecordsBelowItsEnd) {
  Log log;
  log.Add(0, ObserverRecord("a", "S1", "mazhilis", {300, 200, 70}));
  log.Add(1, ObserverRecord("b", "S4", "mazhilis", {400, 300, 100}));
  log.Add(0, ObserverRecord("c", "S2", "mazhilis", {100, 50, 20}));
  log.Add(0, ObserverRecord("d", "S3", "mazhilis", {10, 5, 2}));

  // Partition 0 cut after its first record, partition 1 not counted at all.
  const Recounted cut = log.At(Position({1, 0}, 4));
  EXPECT_EQ(Votes(Mazhilis(cut, "kz"), "nur"), 300);
  EXPECT_EQ(cut.records, 1);
  // A smaller tree holding every record below the ends is as good.
  EXPECT_EQ(Votes(Mazhilis(log.At(Position({2, 1}, 3)), "kz"), "nur"), 800);
  EXPECT_EQ(Votes(Mazhilis(log.AtEnd(), "kz"), "nur"), 810);
}

TEST(Recount, APositionTheLeavesDoNotHoldIsRefusedNamingWhy) {
  Log log;
  log.Add(0, ObserverRecord("a", "S1", "mazhilis", {300, 200, 70}));
  log.Add(0, ObserverRecord("b", "S2", "mazhilis", {100, 50, 20}));

  auto unlogged = log.recount().At(Position({2}, 0));
  ASSERT_FALSE(unlogged.ok());
  EXPECT_NE(unlogged.status().message().find("not yet logged"), std::string::npos);

  auto beyond = log.recount().At(Position({2}, 3));
  ASSERT_FALSE(beyond.ok());
  EXPECT_NE(beyond.status().message().find("beyond the 2 leaves"), std::string::npos);

  auto small_tree = log.recount().At(Position({2}, 1));
  ASSERT_FALSE(small_tree.ok());
  EXPECT_NE(small_tree.status().message().find("leaf 1, not below tree size 1"), std::string::npos)
      << small_tree.status().message();

  auto missing = log.recount().At(Position({3}, 2));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("holds 2 of the 3 records of partition 0"),
            std::string::npos)
      << missing.status().message();
}

TEST(Recount, ARecordLoggedByItsHashAloneCannotBeRecounted) {
  Log log;
  log.Add(0, ObserverRecord("a", "S1", "mazhilis", {300, 200, 70}));
  tlog::LeafEntry omitted;
  omitted.source = {0, 1};
  omitted.submission_id = "big";
  log.recount().AddLeaf(omitted);
  EXPECT_TRUE(log.recount().At(Position({1}, 2)).ok());
  auto refused = log.recount().At(Position({2}, 2));
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("partition 0 offset 1 (leaf 1)"), std::string::npos)
      << refused.status().message();
}

TEST(Recount, LeavesOutOfOffsetOrderAreAppliedInOffsetOrder) {
  Log log;
  // A writer that resynced logged offset 1 before offset 0; both carry the id "x".
  log.AddAt(0, 1, ObserverRecord("x", "S1", "mazhilis", {1, 1, 1}));
  log.AddAt(0, 0, ObserverRecord("x", "S1", "mazhilis", {300, 200, 70}));
  EXPECT_EQ(Votes(Mazhilis(log.At(Position({2}, 2)), "kz"), "nur"), 300);
}

TEST(Recount, OfficialResultsAreCountedApartFromTheObservers) {
  Log log;
  log.Add(0, ObserverRecord("a", "S1", "mazhilis", {300, 200, 70}));
  v1::SubmissionRecord official = ObserverRecord("o", "S1", "mazhilis", {350, 150, 70}, 0, "cec");
  official.mutable_submission()->set_source(v1::SOURCE_OFFICIAL);
  log.Add(0, official);
  const Recounted recounted = log.AtEnd();
  EXPECT_EQ(Votes(Mazhilis(recounted, "kz"), "nur"), 300);
  EXPECT_EQ(Mazhilis(recounted, "kz").disputed_count, 0);
  EXPECT_EQ(Votes(Mazhilis(recounted, "kz", /*official=*/true), "nur"), 350);
  EXPECT_EQ(Mazhilis(recounted, "kz", /*official=*/true).stations_reporting, 1);
}

TEST(Recount, ACountedProtocolThatBreaksAControlRelationIsCountedAsFlagged) {
  Log log;
  v1::SubmissionRecord flagged = ObserverRecord("a", "S1", "mazhilis", {300, 200, 70});
  testing::Flag(flagged);
  log.Add(0, flagged);
  log.Add(0, ObserverRecord("b", "S2", "mazhilis", {100, 50, 20}));
  EXPECT_EQ(Mazhilis(log.AtEnd(), "kz").flagged_count, 1);
}

// The totals publication would answer for these recounted figures, shaped by its own code.
v1::AreaTotals Published(const domain::Registry& registry, const std::string& area,
                         const RecountedTotals& totals) {
  publication::SummedFields sums(totals.figures.begin(), totals.figures.end());
  sums["stations_reporting"] = totals.stations_reporting;
  sums["flagged_count"] = totals.flagged_count;
  sums["disputed_count"] = totals.disputed_count;
  return publication::BuildAreaTotals(registry, *registry.FindArea(area),
                                      *registry.FindContest("mazhilis"), sums);
}

TEST(RecountComparison, TotalsAsPublicationShapesThemEqualTheirRecount) {
  Log log;
  log.Add(0, ObserverRecord("a", "S1", "mazhilis", {300, 200, 70}, 20));
  log.Add(1, ObserverRecord("b", "S4", "mazhilis", {400, 300, 100}));
  const Recounted recounted = log.AtEnd();
  for (const char* area : {"kz", "kz-a", "kz-a-1", "kz-b", "kz-b-1"}) {
    const RecountedTotals totals = Mazhilis(recounted, area);
    EXPECT_TRUE(
        CompareTotals(log.registry(), Published(log.registry(), area, totals), &totals).empty())
        << area;
  }
}

TEST(RecountComparison, EveryDifferingFigureIsListedAndNamesTheArea) {
  Log log;
  log.Add(0, ObserverRecord("a", "S1", "mazhilis", {300, 200, 70}, 20));
  const RecountedTotals totals = Mazhilis(log.AtEnd(), "kz-a-1");
  v1::AreaTotals published = Published(log.registry(), "kz-a-1", totals);
  published.mutable_figures()->set_ballots_valid(571);
  published.mutable_options(0)->set_votes(295);
  published.set_stations_reporting(2);
  published.set_disputed_count(1);

  const auto differences = CompareTotals(log.registry(), published, &totals);
  std::vector<std::string> lines;
  for (const auto& difference : differences) {
    lines.push_back(Describe(log.registry(), difference));
  }
  EXPECT_EQ(lines, (std::vector<std::string>{
                       "district kz-a-1 (Area kz-a-1), contest mazhilis, observers: ballots_valid "
                       "published 571, recount 570",
                       "district kz-a-1 (Area kz-a-1), contest mazhilis, observers: option nur "
                       "published 295, recount 300",
                       "district kz-a-1 (Area kz-a-1), contest mazhilis, observers: "
                       "stations_reporting published 2, recount 1",
                       "district kz-a-1 (Area kz-a-1), contest mazhilis, observers: "
                       "disputed_count published 1, recount 0",
                   }));
}

TEST(RecountComparison, PublishedFiguresWhereNothingWasRecountedDiffer) {
  Log log;
  log.Add(0, ObserverRecord("a", "S1", "mazhilis", {300, 200, 70}, 20));
  const RecountedTotals totals = Mazhilis(log.AtEnd(), "kz-a-1");
  v1::AreaTotals published = Published(log.registry(), "kz-a-1", totals);
  published.set_official(true);
  const auto differences = CompareTotals(log.registry(), published, nullptr);
  ASSERT_FALSE(differences.empty());
  EXPECT_TRUE(differences[0].totals.official);
  EXPECT_EQ(differences.back().field, "stations_reporting");
  EXPECT_EQ(differences.back().published, 1);
  EXPECT_EQ(differences.back().recounted, 0);
}

}  // namespace
}  // namespace hattama::verify
