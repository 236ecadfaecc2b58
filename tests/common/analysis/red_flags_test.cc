#include "common/analysis/red_flags.h"

#include <gtest/gtest.h>

#include <random>

namespace hattama::analysis {
namespace {

std::vector<StationFigures> OrdinaryStations(int n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int64_t> registered(800, 2000);
  std::uniform_real_distribution<double> turnout(0.28, 0.38), lead(0.45, 0.55);
  std::vector<StationFigures> stations;
  for (int i = 0; i < n; ++i) {
    StationFigures s;
    s.station_id = "UIK-" + std::to_string(i);
    s.registered_voters = registered(rng);
    s.ballots_in_box = static_cast<int64_t>(s.registered_voters * turnout(rng));
    s.ballots_spoiled = s.ballots_in_box / 30;
    s.ballots_valid = s.ballots_in_box - s.ballots_spoiled;
    int64_t first = static_cast<int64_t>(s.ballots_valid * lead(rng));
    s.option_votes = {first, s.ballots_valid - first};
    stations.push_back(s);
  }
  return stations;
}

size_t CountKind(const std::vector<RedFlag>& flags, RedFlagKind kind, const std::string& id) {
  size_t n = 0;
  for (const auto& flag : flags) n += flag.kind == kind && flag.station_id == id;
  return n;
}

TEST(RedFlags, OrdinaryStationsRaiseNone) {
  auto stations = OrdinaryStations(200, 1);
  EXPECT_TRUE(FindRedFlags(stations).empty());
}

TEST(RedFlags, TurnoutAbove95PercentIsFlagged) {
  auto stations = OrdinaryStations(50, 2);
  stations[7].ballots_in_box = stations[7].registered_voters * 97 / 100;
  auto flags = FindRedFlags(stations);
  EXPECT_EQ(CountKind(flags, RedFlagKind::kTurnoutAbove95, "UIK-7"), 1u);
}

TEST(RedFlags, OneOptionAbove90PercentIsFlagged) {
  auto stations = OrdinaryStations(50, 3);
  stations[3].option_votes = {stations[3].ballots_valid - 5, 5};
  auto flags = FindRedFlags(stations);
  EXPECT_EQ(CountKind(flags, RedFlagKind::kOptionAbove90, "UIK-3"), 1u);
}

TEST(RedFlags, TheLeadingShareIsOverAllOptionsVotesNotBallotsValid) {
  // 91 of 100 valid, but the options add up to 102: a share of 89.2 %, as the totals show it.
  StationFigures station{"UIK-1", 200, 120, 20, 100, {91, 11}};
  EXPECT_EQ(CountKind(FindRedFlags({&station, 1}), RedFlagKind::kOptionAbove90, "UIK-1"), 0u);
  station.option_votes = {93, 9};  // 91.2 %
  EXPECT_EQ(CountKind(FindRedFlags({&station, 1}), RedFlagKind::kOptionAbove90, "UIK-1"), 1u);
}

TEST(RedFlags, HighTurnoutWithAHighLeadingShareStandsOut) {
  auto stations = OrdinaryStations(200, 4);
  auto& s = stations[42];
  s.ballots_in_box = s.registered_voters * 80 / 100;
  s.ballots_spoiled = 0;
  s.ballots_valid = s.ballots_in_box;
  s.option_votes = {s.ballots_valid * 85 / 100, s.ballots_valid - s.ballots_valid * 85 / 100};
  auto flags = FindRedFlags(stations);
  EXPECT_EQ(CountKind(flags, RedFlagKind::kTurnoutShareOutlier, "UIK-42"), 1u);
  EXPECT_EQ(flags.size(), 1u);
}

TEST(RedFlags, IdenticalProtocolsAtTwoStationsAreBothFlagged) {
  auto stations = OrdinaryStations(30, 5);
  auto copy = stations[4];
  copy.station_id = stations[9].station_id;
  copy.registered_voters = stations[9].registered_voters;  // only the count itself is copied
  stations[9] = copy;
  auto flags = FindRedFlags(stations);
  EXPECT_EQ(CountKind(flags, RedFlagKind::kIdenticalProtocol, "UIK-4"), 1u);
  EXPECT_EQ(CountKind(flags, RedFlagKind::kIdenticalProtocol, "UIK-9"), 1u);
}

TEST(LastDigits, ChiSquareSurvivalMatchesTheTables) {
  // Critical values of chi-square with 9 degrees of freedom.
  EXPECT_NEAR(ChiSquareSurvival(16.919, 9), 0.05, 1e-4);
  EXPECT_NEAR(ChiSquareSurvival(21.666, 9), 0.01, 1e-4);
  EXPECT_NEAR(ChiSquareSurvival(3.841, 1), 0.05, 1e-4);
  EXPECT_NEAR(ChiSquareSurvival(0, 9), 1.0, 1e-12);
}

TEST(LastDigits, HonestLookingCountsPass) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int64_t> votes(50, 900);
  std::vector<int64_t> counts;
  for (int i = 0; i < 5000; ++i) counts.push_back(votes(rng));
  auto test = TestLastDigits(counts);
  EXPECT_EQ(test.n, 5000);
  EXPECT_GT(test.p_value, 0.01);
}

TEST(LastDigits, CountsRoundedToFivesFail) {
  std::mt19937 rng(8);
  std::uniform_int_distribution<int64_t> votes(10, 180);
  std::vector<int64_t> counts;
  for (int i = 0; i < 1000; ++i) counts.push_back(votes(rng) * 5);
  auto test = TestLastDigits(counts);
  EXPECT_EQ(test.counts[1], 0);
  EXPECT_LT(test.p_value, 1e-6);
}

TEST(LastDigits, SmallCountsAreLeftOut) {
  std::vector<int64_t> counts = {1, 2, 3, 9, 10, 25};
  auto test = TestLastDigits(counts, 10);
  EXPECT_EQ(test.n, 2);
}

}  // namespace
}  // namespace hattama::analysis
