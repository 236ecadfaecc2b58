#include "common/analysis/seats.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace hattama::analysis {
namespace {

std::map<std::string, int> SeatsOf(const std::vector<ListSeats>& result) {
  std::map<std::string, int> seats;
  for (const auto& list : result) seats[list.option_id] = list.seats;
  return seats;
}

TEST(Seats, OfficialMazhilis2021SharesGiveTheAnnouncedSeats) {
  // Official 2021 shares (per mille): Nur Otan 71.1 %, Ak Zhol 10.9 %, People's Party 9.1 %,
  // Auyl 5.3 %, ADAL 3.6 %. The announced Mazhilis party-list seats were 76 / 12 / 10.
  std::vector<ListVotes> votes = {{"nur-otan", 711'000},
                                  {"ak-zhol", 109'000},
                                  {"peoples-party", 91'000},
                                  {"auyl", 53'000},
                                  {"adal", 36'000}};
  auto seats = SeatsOf(AllocateSeats(votes, 98, 7));
  EXPECT_EQ(seats["nur-otan"], 76);
  EXPECT_EQ(seats["ak-zhol"], 12);
  EXPECT_EQ(seats["peoples-party"], 10);
  EXPECT_EQ(seats["auyl"], 0);
  EXPECT_EQ(seats["adal"], 0);
}

TEST(Seats, ALowerThresholdLetsSmallPartiesIn) {
  std::vector<ListVotes> votes = {{"nur-otan", 711'000},
                                  {"ak-zhol", 109'000},
                                  {"peoples-party", 91'000},
                                  {"auyl", 53'000},
                                  {"adal", 36'000}};
  auto result = AllocateSeats(votes, 98, 3);
  auto seats = SeatsOf(result);
  EXPECT_TRUE(result[3].passes_threshold);
  EXPECT_TRUE(result[4].passes_threshold);
  EXPECT_GT(seats["auyl"], 0);
  EXPECT_GT(seats["adal"], 0);
  EXPECT_LT(seats["nur-otan"], 76);
}

TEST(Seats, ExactlyAtTheThresholdPasses) {
  std::vector<ListVotes> votes = {{"a", 93}, {"b", 7}};
  auto result = AllocateSeats(votes, 10, 7);
  EXPECT_TRUE(result[1].passes_threshold);
  EXPECT_DOUBLE_EQ(result[1].share_percent, 7.0);
}

TEST(Seats, AgainstAllCountsInTheBaseButGetsNoSeats) {
  std::vector<ListVotes> votes = {{"a", 60}, {"b", 30}, {"against-all", 10, true}};
  auto result = AllocateSeats(votes, 10, 35);
  EXPECT_TRUE(result[0].passes_threshold);
  EXPECT_FALSE(result[1].passes_threshold);  // 30 % of all valid votes, against-all included
  EXPECT_FALSE(result[2].passes_threshold);
  EXPECT_EQ(result[0].seats, 10);
  EXPECT_EQ(result[2].seats, 0);
  EXPECT_DOUBLE_EQ(result[2].share_percent, 10.0);
}

TEST(Seats, NobodyPassingGivesNoSeats) {
  std::vector<ListVotes> votes = {{"a", 5}, {"b", 5}, {"c", 5}};
  for (const auto& list : AllocateSeats(votes, 98, 50)) EXPECT_EQ(list.seats, 0);
}

// Arbitrary lists with a few to a million votes each.
rc::Gen<std::vector<ListVotes>> GenLists() {
  return rc::gen::mapcat(rc::gen::inRange<size_t>(1, 12), [](size_t n) {
    return rc::gen::map(
        rc::gen::container<std::vector<int64_t>>(n, rc::gen::inRange<int64_t>(0, 1'000'000)),
        [](const std::vector<int64_t>& counts) {
          std::vector<ListVotes> lists;
          for (size_t i = 0; i < counts.size(); ++i) {
            lists.push_back({"p" + std::to_string(i), counts[i]});
          }
          return lists;
        });
  });
}

TEST(Seats, EverySeatIsGivenWhenAnyPartyPasses) {
  rc::check([] {
    auto lists = *GenLists();
    int seats = *rc::gen::inRange(1, 200);
    double threshold = *rc::gen::inRange(0, 30);
    auto result = AllocateSeats(lists, seats, threshold);
    int given = 0;
    bool any = false;
    for (const auto& list : result) {
      given += list.seats;
      any |= list.passes_threshold;
      RC_ASSERT(list.passes_threshold || list.seats == 0);
    }
    RC_ASSERT(given == (any ? seats : 0));
  });
}

TEST(Seats, EachPartyGetsItsQuotaRoundedDownOrUp) {
  rc::check([] {
    auto lists = *GenLists();
    int seats = *rc::gen::inRange(1, 200);
    auto result = AllocateSeats(lists, seats, 5);
    int64_t passing = 0;
    for (const auto& list : result) passing += list.passes_threshold ? list.votes : 0;
    for (const auto& list : result) {
      if (!list.passes_threshold) continue;
      double quota = static_cast<double>(list.votes) * seats / passing;
      RC_ASSERT(list.seats >= static_cast<int>(std::floor(quota + 1e-9)));
      RC_ASSERT(list.seats <= static_cast<int>(std::ceil(quota - 1e-9)));
    }
  });
}

TEST(Seats, ResultDoesNotDependOnTheOrderOfTheLists) {
  rc::check([] {
    auto lists = *GenLists();
    // A random permutation: sort the positions by random keys.
    auto keys = *rc::gen::container<std::vector<int>>(lists.size(), rc::gen::arbitrary<int>());
    std::vector<size_t> order(lists.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return keys[a] < keys[b]; });
    std::vector<ListVotes> reordered;
    for (size_t i : order) reordered.push_back(lists[i]);
    RC_ASSERT(SeatsOf(AllocateSeats(lists, 98, 7)) == SeatsOf(AllocateSeats(reordered, 98, 7)));
  });
}

}  // namespace
}  // namespace hattama::analysis
