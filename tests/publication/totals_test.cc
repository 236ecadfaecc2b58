// Publication's arithmetic without Redis: totals summed from per-partition hashes, the published
// totals built from them, a station's result from its hashes and versions, how many versions an
// answer carries, and official against observer figures. The hashes are written here the way
// aggregation writes them (common/redis/layout.h).
#include "services/publication/totals.h"

#include <gtest/gtest.h>

#include "common/redis/figures.h"
#include "common/redis/layout.h"
#include "tests/testing/election.h"

namespace hattama::publication {
namespace {

using testing::ObserverRecord;

class TotalsTest : public ::testing::Test {
 protected:
  const v1::Area& Area(const std::string& id) const { return *registry_->FindArea(id); }
  const v1::Contest& Contest(const std::string& id) const { return *registry_->FindContest(id); }
  const domain::Station& Station(const std::string& id) const {
    return *registry_->FindStation(id);
  }

  std::shared_ptr<const domain::Registry> registry_ = testing::TinyRegistry();
};

// The flat HGETALL of a station hash holding `record`'s figures, counted as aggregation counts
// it, with its other fields.
std::vector<std::string> StationHash(const v1::SubmissionRecord& record, int confirmations = 1,
                                     int variants = 1, bool disputed = false) {
  std::vector<std::string> flat;
  for (const auto& [field, value] : redis::ToFields(record.submission().protocol().figures())) {
    flat.push_back(field);
    flat.push_back(std::to_string(value));
  }
  flat.insert(flat.end(),
              {std::string(redis::layout::kCountedSubmission), record.submission().submission_id(),
               std::string(redis::layout::kConfirmations), std::to_string(confirmations),
               std::string(redis::layout::kVariants), std::to_string(variants),
               std::string(redis::layout::kDisputed), disputed ? "1" : "0",
               std::string(redis::layout::kFlagged), record.flags_size() > 0 ? "1" : "0"});
  return flat;
}

// A version whose submission id is `id` and whose record is `padding` bytes larger than the
// smallest.
v1::SubmissionRecord Version(const std::string& id, size_t padding = 0) {
  v1::SubmissionRecord record;
  record.mutable_submission()->set_submission_id(id);
  record.set_digest(std::string(padding, 'x'));
  return record;
}

std::vector<std::string> Ids(const v1::StationContestResult& result) {
  std::vector<std::string> ids;
  for (const auto& version : result.versions()) ids.push_back(version.submission().submission_id());
  return ids;
}

TEST_F(TotalsTest, TotalsOfEveryPartitionAddUp) {
  SummedFields sums;
  ASSERT_TRUE(
      AddTotals({"f:ballots_valid", "500", "v:nur", "300", "stations_reporting", "1"}, sums).ok());
  ASSERT_TRUE(AddTotals({}, sums).ok());  // A partition without any of the area's stations.
  ASSERT_TRUE(AddTotals({"f:ballots_valid", "350", "v:nur", "-20", "stations_reporting", "2",
                         "flagged_count", "1"},
                        sums)
                  .ok());

  EXPECT_EQ(sums["f:ballots_valid"], 850);
  EXPECT_EQ(sums["v:nur"], 280);
  EXPECT_EQ(sums["stations_reporting"], 3);
  EXPECT_EQ(sums["flagged_count"], 1);
}

TEST_F(TotalsTest, AFieldThatIsNotANumberIsAnErrorNamingIt) {
  SummedFields sums;
  Status added = AddTotals({"f:ballots_valid", "500", "v:akzhol", "12x"}, sums);

  EXPECT_FALSE(added.ok());
  EXPECT_NE(added.message().find("v:akzhol"), std::string::npos) << added.message();
  EXPECT_NE(added.message().find("12x"), std::string::npos) << added.message();
}

TEST_F(TotalsTest, PublishedTotalsCarrySharesTurnoutAndTheRegistrysStations) {
  const SummedFields sums = {{"f:registered_voters", 1800},
                             {"f:ballots_in_box", 900},
                             {"f:ballots_spoiled", 45},
                             {"f:ballots_valid", 855},
                             {"v:nur", 500},
                             {"v:akzhol", 300},
                             {"v:adal", 55},
                             {"stations_reporting", 2},
                             {"flagged_count", 1},
                             {"disputed_count", 1}};

  v1::AreaTotals totals = BuildAreaTotals(*registry_, Area("kz-a"), Contest("mazhilis"), sums);

  EXPECT_EQ(totals.area().area_id(), "kz-a");
  EXPECT_EQ(totals.contest_id(), "mazhilis");
  ASSERT_EQ(totals.options_size(), 3);
  EXPECT_EQ(totals.options(0).option_id(), "nur");
  EXPECT_EQ(totals.options(0).name(), "Party nur");
  EXPECT_EQ(totals.options(1).votes(), 300);
  // Shares are over every option's votes (855).
  EXPECT_DOUBLE_EQ(totals.options(0).share_percent(), 100.0 * 500 / 855);
  EXPECT_DOUBLE_EQ(totals.options(2).share_percent(), 100.0 * 55 / 855);
  EXPECT_DOUBLE_EQ(totals.turnout_percent(), 50.0);
  EXPECT_DOUBLE_EQ(totals.spoiled_percent(), 5.0);
  EXPECT_EQ(totals.stations_reporting(), 2);
  EXPECT_EQ(totals.stations_registered(), 3);  // S1, S2, S3
  EXPECT_EQ(totals.flagged_count(), 1);
  EXPECT_EQ(totals.disputed_count(), 1);
  // Every figure is present, a missing one as 0.
  EXPECT_TRUE(totals.figures().has_ballots_cancelled());
  EXPECT_EQ(totals.figures().ballots_cancelled(), 0);
}

TEST_F(TotalsTest, NothingCountedIsEveryFigureAtZeroWithoutDividingByIt) {
  v1::AreaTotals totals = BuildAreaTotals(*registry_, Area("kz"), Contest("maslikhat"), {});

  ASSERT_EQ(totals.options_size(), 2);
  EXPECT_EQ(totals.options(1).option_id(), "y");
  EXPECT_EQ(totals.options(1).votes(), 0);
  EXPECT_EQ(totals.options(1).share_percent(), 0.0);
  EXPECT_EQ(totals.turnout_percent(), 0.0);
  EXPECT_EQ(totals.spoiled_percent(), 0.0);
  EXPECT_TRUE(totals.figures().has_ballots_valid());
  EXPECT_EQ(totals.stations_reporting(), 0);
  EXPECT_EQ(totals.stations_registered(), 3);  // The maslikhat is held in kz-a only.
}

TEST_F(TotalsTest, ARequestNamesAKnownAreaAndContest) {
  auto found = FindAreaAndContest(*registry_, "kz-b", "mazhilis");
  ASSERT_TRUE(found.ok()) << found.status().message();
  EXPECT_EQ(found->first->area_id(), "kz-b");
  EXPECT_EQ(found->second->contest_id(), "mazhilis");

  auto area = FindAreaAndContest(*registry_, "atlantis", "mazhilis");
  EXPECT_EQ(area.status().code(), StatusCode::kNotFound);
  EXPECT_NE(area.status().message().find("atlantis"), std::string::npos);
  auto contest = FindAreaAndContest(*registry_, "kz", "senate");
  EXPECT_EQ(contest.status().code(), StatusCode::kNotFound);
  EXPECT_NE(contest.status().message().find("senate"), std::string::npos);
  EXPECT_EQ(FindAreaAndContest(*registry_, "", "mazhilis").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(FindAreaAndContest(*registry_, "kz", "").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(TotalsTest, AStationResultIsItsCountedProtocolWithTheFlagsOfItsVersion) {
  auto first = ObserverRecord("v1", "S2", "mazhilis", {200, 100, 50}, 10);
  auto counted = ObserverRecord("v2", "S2", "mazhilis", {210, 90, 50}, 10, "observer-2");
  testing::Flag(counted);
  auto official = ObserverRecord("o", "S2", "mazhilis", {600, 10, 10});

  auto result = BuildStationContestResult(
      Station("S2"), Contest("mazhilis"), StationHash(counted, 2, 2, true),
      {first.SerializeAsString(), counted.SerializeAsString()}, StationHash(official));

  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->contest_id(), "mazhilis");
  EXPECT_EQ(result->counted_submission_id(), "v2");
  EXPECT_EQ(result->counted().station_id(), "S2");
  EXPECT_EQ(result->counted().figures().SerializeAsString(),
            counted.submission().protocol().figures().SerializeAsString());
  EXPECT_EQ(result->confirmations(), 2);
  EXPECT_EQ(result->variants(), 2);
  EXPECT_TRUE(result->disputed());
  ASSERT_EQ(result->flags_size(), 1);
  EXPECT_EQ(result->flags(0).code(), v1::REASON_CODE_VALID_PLUS_SPOILED_NOT_IN_BOX);
  EXPECT_EQ(Ids(*result), (std::vector<std::string>{"v1", "v2"}));
  EXPECT_EQ(result->official_submission_id(), "o");
  EXPECT_EQ(result->official().figures().option_votes(0).votes(), 600);
}

TEST_F(TotalsTest, AStationWithNothingCountedHasOnlyItsVersions) {
  auto refused = ObserverRecord("r", "S3", "mazhilis", {1, 2, 3});

  auto result = BuildStationContestResult(Station("S3"), Contest("mazhilis"), {},
                                          {refused.SerializeAsString()});

  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_FALSE(result->has_counted());
  EXPECT_FALSE(result->has_official());
  EXPECT_EQ(result->counted_submission_id(), "");
  EXPECT_EQ(Ids(*result), (std::vector<std::string>{"r"}));
}

TEST_F(TotalsTest, AVersionThatIsNotARecordIsAnErrorNamingTheStation) {
  auto result = BuildStationContestResult(Station("S1"), Contest("mazhilis"), {},
                                          {std::string("\xff\xff\xff", 3)});

  EXPECT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("S1"), std::string::npos) << result.status().message();
}

TEST_F(TotalsTest, AnAnswerKeepsTheCountedVersionThenTheNewestThatFit) {
  v1::StationContestResult result;
  result.set_counted_submission_id("b");
  for (const char* id : {"a", "b", "c", "d", "e"}) *result.add_versions() = Version(id);
  size_t budget = 1 << 20;

  BoundVersions(result, 3, budget);

  // "b" always; then "e" and "d", the newest; in the order applied.
  EXPECT_EQ(Ids(result), (std::vector<std::string>{"b", "d", "e"}));
  EXPECT_EQ(budget, (1u << 20) - 3 * Version("b").ByteSizeLong());
  // "a" and "c" are left out, and the answer says how many.
  EXPECT_EQ(result.versions_left_out(), 2);
}

TEST_F(TotalsTest, VersionsBeyondTheByteBudgetAreLeftOutButTheCountedOneStays) {
  v1::StationContestResult result;
  result.set_counted_submission_id("a");
  *result.add_versions() = Version("a", 900);
  *result.add_versions() = Version("b", 50);
  *result.add_versions() = Version("c", 500);
  size_t budget = 600;

  BoundVersions(result, 100, budget);

  // "a" alone is over the budget: kept, and nothing else fits after it.
  EXPECT_EQ(Ids(result), (std::vector<std::string>{"a"}));
  EXPECT_EQ(budget, 0u);
  EXPECT_EQ(result.versions_left_out(), 2);

  v1::StationContestResult uncounted;
  *uncounted.add_versions() = Version("a", 900);
  *uncounted.add_versions() = Version("b", 50);
  *uncounted.add_versions() = Version("c", 500);
  budget = 600;
  BoundVersions(uncounted, 100, budget);
  // Newest first while they fit: "c", then "b"; "a" would not fit.
  EXPECT_EQ(Ids(uncounted), (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(uncounted.versions_left_out(), 1);
}

TEST_F(TotalsTest, AnAnswerThatCarriesEveryVersionLeavesNoneOut) {
  v1::StationContestResult result;
  result.set_counted_submission_id("a");
  for (const char* id : {"a", "b"}) *result.add_versions() = Version(id);
  size_t budget = 1 << 20;

  BoundVersions(result, 100, budget);

  EXPECT_EQ(Ids(result), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(result.versions_left_out(), 0);
}

TEST_F(TotalsTest, EqualFiguresAreNoDiscrepancy) {
  const v1::Figures figures =
      ObserverRecord("a", "S1", "mazhilis", {300, 120, 80}).submission().protocol().figures();
  EXPECT_FALSE(Compare("S1", v1::AREA_KIND_STATION, Contest("mazhilis"), figures, figures, 1, 1)
                   .has_value());
  // The same figures from a different number of stations are one.
  EXPECT_TRUE(
      Compare("kz", v1::AREA_KIND_NATION, Contest("mazhilis"), figures, figures, 2, 1).has_value());
}

TEST_F(TotalsTest, ADiscrepancyIsOfficialMinusObserverWithItsMagnitude) {
  const v1::Figures official =
      ObserverRecord("o", "S4", "mazhilis", {250, 25, 25}, 10).submission().protocol().figures();
  const v1::Figures observer =
      ObserverRecord("a", "S4", "mazhilis", {100, 100, 100}).submission().protocol().figures();

  auto d = Compare("S4", v1::AREA_KIND_STATION, Contest("mazhilis"), official, observer, 1, 1);

  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->area_id(), "S4");
  EXPECT_EQ(d->kind(), v1::AREA_KIND_STATION);
  EXPECT_EQ(d->contest_id(), "mazhilis");
  ASSERT_EQ(d->option_differences_size(), 3);
  EXPECT_EQ(d->option_differences(0).option_id(), "nur");
  EXPECT_EQ(d->option_differences(0).votes(), 150);
  EXPECT_EQ(d->option_differences(1).votes(), -75);
  EXPECT_EQ(d->ballots_valid_difference(), 0);
  EXPECT_EQ(d->ballots_in_box_difference(), 10);  // The official protocol has 10 spoiled.
  EXPECT_EQ(d->magnitude(), 150 + 75 + 75 + 10);
}

TEST_F(TotalsTest, DiscrepanciesAreSortedLargestFirstThenByAreaAndCut) {
  std::vector<v1::Discrepancy> list(4);
  const std::pair<const char*, int64_t> entries[] = {{"S2", 5}, {"S3", 40}, {"S1", 5}, {"S4", 1}};
  for (size_t i = 0; i < list.size(); ++i) {
    list[i].set_area_id(entries[i].first);
    list[i].set_magnitude(entries[i].second);
  }

  SortDiscrepancies(list, 3);

  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].area_id(), "S3");
  EXPECT_EQ(list[1].area_id(), "S1");
  EXPECT_EQ(list[2].area_id(), "S2");
}

}  // namespace
}  // namespace hattama::publication
