#include "common/analysis/reforms.h"

#include <gtest/gtest.h>

#include <map>

namespace hattama::analysis {
namespace {

std::map<std::string, int> SeatsWon(const std::vector<ListSeats>& result) {
  std::map<std::string, int> seats;
  for (const auto& list : result) {
    if (list.seats > 0) seats[list.option_id] = list.seats;
  }
  return seats;
}

std::vector<std::vector<std::string>> DistrictIds(const std::vector<DrawnConstituency>& drawn,
                                                  const std::vector<ConstituencyDistrict>& all) {
  std::vector<std::vector<std::string>> ids;
  for (const auto& constituency : drawn) {
    auto& names = ids.emplace_back();
    for (size_t d : constituency.districts) names.push_back(all[d].district_id);
  }
  return ids;
}

// Region a: 1,000 voters in four districts; region b: 600 in two.
const std::vector<ConstituencyDistrict> kDistricts = {{"a1", "a", 100}, {"a2", "a", 300},
                                                      {"a3", "a", 200}, {"a4", "a", 400},
                                                      {"b1", "b", 500}, {"b2", "b", 100}};

TEST(Constituencies, RegionsGetOneEachThenTheLargestQuotients) {
  // One each; then a: 1000 / 2 = 500 > b: 600 / 2 = 300; then a: 1000 / 3 = 333 > 300. Region a's
  // three runs aim at 333: a1 + a2 (400) is nearer than a1 alone, then a3 and a4 must each open
  // a run of their own for the runs to reach three.
  auto drawn = DrawConstituencies(kDistricts, 4);
  ASSERT_TRUE(drawn.ok()) << drawn.status().message();
  EXPECT_EQ(DistrictIds(*drawn, kDistricts),
            (std::vector<std::vector<std::string>>{{"a1", "a2"}, {"a3"}, {"a4"}, {"b1", "b2"}}));
  EXPECT_EQ((*drawn)[0].registered_voters, 400);
  EXPECT_EQ((*drawn)[3].region_id, "b");
  EXPECT_EQ((*drawn)[3].registered_voters, 600);

  // A fifth: a: 1000 / 4 = 250 < b: 300, so b is cut in two.
  auto five = DrawConstituencies(kDistricts, 5);
  ASSERT_TRUE(five.ok());
  EXPECT_EQ(DistrictIds(*five, kDistricts),
            (std::vector<std::vector<std::string>>{{"a1", "a2"}, {"a3"}, {"a4"}, {"b1"}, {"b2"}}));
}

TEST(Constituencies, ARunClosesWhenTheNextDistrictTakesItAwayFromItsTarget) {
  // Two runs aiming at 500: c1 + c2 = 500 hits it; adding c3 (800) would be further, so it closes.
  const std::vector<ConstituencyDistrict> districts = {
      {"c1", "c", 300}, {"c2", "c", 200}, {"c3", "c", 300}, {"c4", "c", 200}};
  auto drawn = DrawConstituencies(districts, 2);
  ASSERT_TRUE(drawn.ok());
  EXPECT_EQ(DistrictIds(*drawn, districts),
            (std::vector<std::vector<std::string>>{{"c1", "c2"}, {"c3", "c4"}}));
}

TEST(Constituencies, NeitherSpanTwoRegionsNorSplitADistrict) {
  EXPECT_FALSE(DrawConstituencies(kDistricts, 1).ok());  // two regions
  EXPECT_FALSE(DrawConstituencies(kDistricts, 7).ok());  // six districts
  EXPECT_TRUE(DrawConstituencies(kDistricts, 6).ok());
}

TEST(FirstPastThePost, TheMostVotesWinsAndAgainstAllIsNoCandidate) {
  std::vector<ListVotes> votes = {{"b", 40}, {"a", 40}, {"c", 10}, {"x", 90, true}};
  EXPECT_EQ(FirstPastThePost(votes), 1u);  // a tie goes to the smaller id: "a"
  std::vector<ListVotes> none = {{"a", 0}, {"x", 5, true}};
  EXPECT_EQ(FirstPastThePost(none), std::nullopt);
}

TEST(AgainstAll, ItsShareVoidsTheContestOnlyStrictlyAboveTheMaximum) {
  std::vector<ListVotes> votes = {{"a", 40}, {"b", 30}, {"x", 30, true}};
  auto at = CheckAgainstAll(votes, 30);
  EXPECT_TRUE(at.on_ballot);
  EXPECT_EQ(at.index, 2u);
  EXPECT_EQ(at.votes, 30);
  EXPECT_DOUBLE_EQ(at.share_percent, 30);
  EXPECT_FALSE(at.exceeds_max);
  EXPECT_TRUE(CheckAgainstAll(votes, 29.9).exceeds_max);
  std::vector<ListVotes> without = {{"a", 40}, {"b", 30}};
  EXPECT_FALSE(CheckAgainstAll(without, 0).on_ballot);
}

TEST(Reforms, AThreePercentThresholdGivesASmallListASeatAndMoreVotersARepresentative) {
  // 1,000 votes, 10 seats. At 7 %: a and b pass (750 votes): a 6 + remainder 500/750, b 3 +
  // 250/750, the tenth seat to a: 7 / 3. At 3 %: c (6 %) and d (4 %) pass too (850 votes): whole
  // seats a 5, b 2, c 0, d 0, remainders (of 850) b 800, a 750, c 600, d 400 take the three left.
  std::vector<ListVotes> national = {
      {"a", 500}, {"b", 250}, {"c", 60}, {"d", 40}, {"x", 150, true}};
  ReformRules rules{.seats = 10, .current_threshold_percent = 7, .proposed_threshold_percent = 3};
  auto outcome = CompareReforms(national, {}, rules);
  EXPECT_EQ(SeatsWon(outcome.current), (std::map<std::string, int>{{"a", 7}, {"b", 3}}));
  EXPECT_EQ(SeatsWon(outcome.proposed), (std::map<std::string, int>{{"a", 6}, {"b", 3}, {"c", 1}}));
  EXPECT_EQ(outcome.decided_current, 750);
  EXPECT_EQ(outcome.decided_proposed, 810);
  EXPECT_DOUBLE_EQ(outcome.against_all.share_percent, 15);
  EXPECT_FALSE(outcome.against_all.exceeds_max);
  // No constituencies given: no mixed system.
  EXPECT_EQ(outcome.mixed_list_seats, 0);
  EXPECT_EQ(outcome.decided_mixed, 0);
}

TEST(Reforms, TheMixedSystemAddsConstituencyWinnersAndCountsEachVoterOnce) {
  // Six seats: three constituencies, three list seats at 7 %: a, b, c pass (850 votes), whole
  // seats a 1 (1350/850), b 1 (900/850), c 0; the third to the largest remainder, a's 500.
  std::vector<ListVotes> national = {
      {"a", 450}, {"b", 300}, {"c", 100}, {"d", 40}, {"x", 110, true}};
  std::vector<std::vector<ListVotes>> constituencies = {
      {{"a", 140}, {"b", 150}, {"c", 5}, {"d", 10}, {"x", 10, true}},  // b wins
      {{"a", 250}, {"b", 100}, {"c", 5}, {"d", 10}, {"x", 20, true}},  // a wins
      {{"a", 60}, {"b", 50}, {"c", 90}, {"d", 20}, {"x", 80, true}}};  // c wins
  ReformRules rules{.seats = 6, .current_threshold_percent = 7, .proposed_threshold_percent = 3};
  auto outcome = CompareReforms(national, constituencies, rules);
  EXPECT_EQ(outcome.mixed_list_seats, 3);
  EXPECT_EQ(outcome.mixed_constituency_count, 3);
  EXPECT_EQ(SeatsWon(outcome.mixed_list), (std::map<std::string, int>{{"a", 2}, {"b", 1}}));
  EXPECT_EQ(outcome.mixed_constituency_seats, (std::vector<int>{1, 1, 1, 0, 0}));
  EXPECT_EQ(outcome.winners, (std::vector<std::optional<size_t>>{size_t{1}, size_t{0}, size_t{2}}));
  // a and b won list seats: their votes everywhere; c's only where it won. 140 + 150, 250 + 100,
  // 60 + 50 + 90.
  EXPECT_EQ(outcome.decided_mixed, 840);
}

TEST(Reforms, AgainstAllAboveTheMaximumLeavesEverySeatEmpty) {
  std::vector<ListVotes> national = {{"a", 200}, {"b", 100}, {"x", 700, true}};
  std::vector<std::vector<ListVotes>> constituencies = {{{"a", 200}, {"b", 100}, {"x", 700, true}}};
  ReformRules rules{.seats = 2, .against_all_max_percent = 50};
  auto outcome = CompareReforms(national, constituencies, rules);
  EXPECT_TRUE(outcome.against_all.exceeds_max);
  EXPECT_DOUBLE_EQ(outcome.against_all.share_percent, 70);
  EXPECT_TRUE(SeatsWon(outcome.current).empty());
  EXPECT_TRUE(SeatsWon(outcome.proposed).empty());
  EXPECT_TRUE(SeatsWon(outcome.mixed_list).empty());
  EXPECT_EQ(outcome.winners, (std::vector<std::optional<size_t>>{std::nullopt}));
  EXPECT_EQ(outcome.decided_current + outcome.decided_proposed + outcome.decided_mixed, 0);
  EXPECT_DOUBLE_EQ(outcome.current[0].share_percent, 20);  // the shares stand
}

TEST(MinimumTurnout, RowsStrictlyBelowWithAReportingStation) {
  std::vector<TurnoutRow> rows = {{3, 45.0}, {0, 0}, {2, 50.0}, {1, 49.99}};
  EXPECT_EQ(BelowMinimumTurnout(rows, 50), (std::vector<size_t>{0, 3}));
}

}  // namespace
}  // namespace hattama::analysis
