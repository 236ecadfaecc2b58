// The numbering of a contest's totals fields and the station delta the fold sums with it, against
// the string-keyed spelling that publication reads back (redis/figures.h): no Redis needed.
#include "services/aggregation/totals_fields.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <string>

#include "common/redis/figures.h"
#include "common/redis/layout.h"
#include "services/aggregation/station_state.h"

namespace hattama::aggregation {
namespace {

namespace layout = redis::layout;

v1::Contest TwoOptions() {
  v1::Contest contest;
  contest.set_contest_id("mazhilis");
  contest.add_options()->set_option_id("a");
  contest.add_options()->set_option_id("b=c");  // An option id may hold '='.
  return contest;
}

// `values` spelled as a totals hash: field name -> value, every field `fields` numbered.
std::map<std::string, int64_t> Named(const TotalsFields& fields, const TotalsValues& values) {
  std::map<std::string, int64_t> named;
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i] != 0) named[fields.Name(i)] = values[i];
  }
  return named;
}

TEST(TotalsFields, NumbersTheFixedFieldsTheSameInEveryContest) {
  const v1::Contest contest = TwoOptions();
  TotalsFields known(&contest);
  TotalsFields unknown(nullptr);
  for (TotalsFields* fields : {&known, &unknown}) {
    EXPECT_EQ(fields->Name(TotalsFields::kVersion), layout::kTotalsVersion);
    EXPECT_EQ(fields->Name(TotalsFields::kStationsReporting), layout::kStationsReporting);
    EXPECT_EQ(fields->Name(TotalsFields::kFlaggedCount), layout::kFlaggedCount);
    EXPECT_EQ(fields->Name(TotalsFields::kDisputedCount), layout::kDisputedCount);
    EXPECT_EQ(fields->Name(TotalsFields::kPvtSumXX), layout::kPvtSumXX);
  }
  // The contest's figures, votes and PVT sums are listed up front; nothing else without one.
  EXPECT_EQ(unknown.size(), 5u);
  EXPECT_EQ(known.size(), 5 + redis::TotalsFigureFields(contest).size() + 2 * 2);
}

TEST(TotalsFields, GivesAFieldNoOneListedTheNextNumberOnceAndKeepsIt) {
  const v1::Contest contest = TwoOptions();
  TotalsFields fields(&contest);
  const size_t listed = fields.size();
  EXPECT_EQ(fields.Index("v:a"), fields.Index("v:a"));
  EXPECT_LT(fields.Index("v:a"), listed);

  const size_t ghost = fields.Index("v:ghost");  // An option of another registry.
  EXPECT_EQ(ghost, listed);
  EXPECT_TRUE(fields.IsVotes(ghost));
  EXPECT_EQ(fields.Index("v:ghost"), ghost);
  const auto [yy, xy] = fields.PvtSumsOf(ghost);
  EXPECT_EQ(fields.Name(yy), "pvt:yy:ghost");
  EXPECT_EQ(fields.Name(xy), "pvt:xy:ghost");
  EXPECT_EQ(fields.PvtSumsOf(ghost), std::make_pair(yy, xy));
  EXPECT_FALSE(fields.IsVotes(fields.Index("f:ballots_valid")));
}

// Figures of numbered values: what redis::FromFields makes of the same hash by name, for random
// hashes with fields missing, unknown fields and the counts beside the figures.
TEST(TotalsFields, FiguresAreWhatFromFieldsReadsOfTheSameHash) {
  const v1::Contest contest = TwoOptions();
  std::vector<std::string> names = redis::TotalsFigureFields(contest);
  names.insert(names.end(), {"stations_reporting", "pvt:xx", "pvt:yy:a", "v:ghost", "f:future"});
  std::mt19937 random(17);
  for (int round = 0; round < 200; ++round) {
    TotalsFields fields(&contest);
    std::map<std::string, int64_t> hash;
    TotalsValues values(fields.size(), 0);
    for (const std::string& name : names) {
      if (random() % 3 == 0) continue;
      const int64_t value = static_cast<int64_t>(random() % 1000) - 100;
      hash[name] = value;
      AddAt(values, fields.Index(name), value);
    }
    EXPECT_EQ(fields.Figures(values).SerializeAsString(),
              redis::FromFields(hash, contest, /*all_present=*/true).SerializeAsString())
        << "round " << round;
  }
  EXPECT_EQ(TotalsFields(nullptr).Figures({1, 2, 3, 4, 5, 6}).ByteSizeLong(), 0u);
}

// A station whose counted figures change from `before` to `after` (one observer revising), and
// the delta the fold adds to its areas.
StationDelta DeltaFrom(TotalsFields& fields, const std::string& before, const std::string& after,
                       bool flagged_after) {
  StationState station;
  EXPECT_TRUE(station.Load({"o1", "0\t0\t0\tD1\tid-1"}, {"D1", before}));
  PreparedRecord revision;
  revision.version = {.submission_id = "id-2",
                      .observer_id = "o1",
                      .revision = 1,
                      .figures_digest = "D2",
                      .flagged = flagged_after};
  revision.figures_text = after;
  EXPECT_EQ(Fold(station, revision).outcome, Outcome::kCounted);
  StationDelta delta;
  DeltaOf(station, fields, /*with_pvt_sums=*/true, delta);
  return delta;
}

TEST(StationDeltaTest, MovesTotalsByTheDifferenceAndThePvtSumsByTheSquares) {
  const v1::Contest contest = TwoOptions();
  TotalsFields fields(&contest);
  const StationDelta delta =
      DeltaFrom(fields, "f:ballots_valid=10\nf:ballots_spoiled=2\nv:a=6\nv:b=c=4",
                "f:ballots_valid=12\nv:a=9\nv:b=c=3\nv:ghost=0", /*flagged_after=*/true);
  // A figure the new protocol lacks is taken back in full; a station counted before and after
  // reports once.
  EXPECT_EQ(Named(fields, delta.totals), (std::map<std::string, int64_t>{
                                             {"f:ballots_valid", 2},
                                             {"f:ballots_spoiled", -2},
                                             {"v:a", 3},
                                             {"v:b=c", -1},
                                             {"flagged_count", 1},
                                         }));
  // x: 10 before, 12 after.
  EXPECT_EQ(Named(fields, delta.pvt_sums), (std::map<std::string, int64_t>{
                                               {"pvt:xx", 144 - 100},
                                               {"pvt:yy:a", 81 - 36},
                                               {"pvt:xy:a", 12 * 9 - 10 * 6},
                                               {"pvt:yy:b=c", 9 - 16},
                                               {"pvt:xy:b=c", 12 * 3 - 10 * 4},
                                           }));
  EXPECT_TRUE(Moves(delta.totals));
}

// A figures text with a field twice (ingestion refuses such a protocol; the log may still hold
// one written before a check existed): the totals move by its last value, the one the station
// hash keeps.
TEST(StationDeltaTest, AFieldTwiceCountsOnceWithItsLastValue) {
  const v1::Contest contest = TwoOptions();
  TotalsFields fields(&contest);
  const StationDelta delta =
      DeltaFrom(fields, "v:a=1", "v:a=5\nv:b=c=2\nv:a=7", /*flagged_after=*/false);
  EXPECT_EQ(Named(fields, delta.totals),
            (std::map<std::string, int64_t>{{"v:a", 6}, {"v:b=c", 2}}));
  StationState station;
  ASSERT_TRUE(station.Load({"o1", "0\t0\t0\tD1\tid-1"}, {"D1", "v:a=5\nv:b=c=2\nv:a=7"}));
  std::vector<std::string> words;
  AppendStationFields(station, station.current, words);
  ASSERT_GE(words.size(), 2u);
  EXPECT_EQ(words[words.size() - 2], "v:a");  // HSET's last value of v:a: 7.
  EXPECT_EQ(words.back(), "7");
}

TEST(StationDeltaTest, TheSameFiguresAgainMoveNothing) {
  const v1::Contest contest = TwoOptions();
  TotalsFields fields(&contest);
  const std::string figures = "f:ballots_valid=10\nv:a=6\nv:b=c=4";
  const StationDelta delta = DeltaFrom(fields, figures, figures, /*flagged_after=*/false);
  EXPECT_FALSE(Moves(delta.totals));
  EXPECT_FALSE(Moves(delta.pvt_sums));
}

}  // namespace
}  // namespace hattama::aggregation
