#include "common/analysis/pvt.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace hattama::analysis {
namespace {

// A population of stations in three regions of different sizes and leanings; option 0's share
// differs by region, so an unweighted sample that over-represents one region is biased.
struct Population {
  std::vector<SampledStation> stations;
  std::vector<Stratum> strata;
  double true_share0 = 0;  // percent
};

Population MakePopulation(uint32_t seed) {
  Population population;
  std::mt19937 rng(seed);
  const std::vector<std::pair<std::string, int>> regions = {
      {"north", 1200}, {"south", 600}, {"city", 200}};
  const std::vector<double> lean = {0.40, 0.65, 0.30};
  int64_t all_valid = 0, all_zero = 0;
  for (size_t r = 0; r < regions.size(); ++r) {
    population.strata.push_back({regions[r].first, regions[r].second});
    for (int i = 0; i < regions[r].second; ++i) {
      std::uniform_int_distribution<int64_t> size(200, 1500);
      std::normal_distribution<double> noise(0, 0.05);
      int64_t valid = size(rng);
      double p = std::clamp(lean[r] + noise(rng), 0.0, 1.0);
      int64_t zero = static_cast<int64_t>(p * valid);
      population.stations.push_back({regions[r].first, valid, {zero, valid - zero}});
      all_valid += valid;
      all_zero += zero;
    }
  }
  population.true_share0 = 100.0 * all_zero / all_valid;
  return population;
}

std::vector<SampledStation> Sample(const Population& population, size_t n, uint32_t seed) {
  std::vector<SampledStation> sample = population.stations;
  std::mt19937 rng(seed);
  std::shuffle(sample.begin(), sample.end(), rng);
  sample.resize(n);
  return sample;
}

TEST(Pvt, EveryStationReportedGivesTheExactShareWithNoMargin) {
  auto population = MakePopulation(1);
  auto estimate = EstimateShares(population.stations, population.strata, 2);
  EXPECT_NEAR(estimate.options[0].share_percent, population.true_share0, 1e-9);
  EXPECT_NEAR(estimate.options[0].margin_percent, 0, 1e-9);
  EXPECT_NEAR(estimate.options[0].share_percent + estimate.options[1].share_percent, 100, 1e-9);
  EXPECT_EQ(estimate.sampled_stations, 2000);
  EXPECT_EQ(estimate.strata_sampled, 3);
}

TEST(Pvt, MarginNarrowsAsStationsReport) {
  auto population = MakePopulation(2);
  double previous = 1e9;
  for (size_t n : {100u, 400u, 1000u, 1600u}) {
    auto estimate = EstimateShares(Sample(population, n, 3), population.strata, 2);
    EXPECT_LT(estimate.options[0].margin_percent, previous) << n << " stations";
    previous = estimate.options[0].margin_percent;
  }
}

TEST(Pvt, NinetyFivePercentIntervalsCoverTheTruthAboutNinetyFiveTimesInAHundred) {
  auto population = MakePopulation(4);
  int covered = 0;
  const int kRounds = 400;
  for (int round = 0; round < kRounds; ++round) {
    auto estimate = EstimateShares(Sample(population, 150, 100 + round), population.strata, 2);
    const auto& share = estimate.options[0];
    if (std::abs(share.share_percent - population.true_share0) <= share.margin_percent) ++covered;
  }
  // Nominal 95 %; a ratio estimator on 150 stations lands close to it.
  EXPECT_GE(covered, kRounds * 90 / 100);
  EXPECT_LE(covered, kRounds * 99 / 100);
}

TEST(Pvt, OverRepresentedRegionIsWeightedBack) {
  auto population = MakePopulation(5);
  // Every station of the small, low-leaning city and only a few of the others.
  std::vector<SampledStation> sample;
  int north = 0, south = 0;
  for (const auto& s : population.stations) {
    if (s.stratum == "city" || (s.stratum == "north" && north++ < 60) ||
        (s.stratum == "south" && south++ < 30)) {
      sample.push_back(s);
    }
  }
  auto estimate = EstimateShares(sample, population.strata, 2);
  int64_t zero = 0, valid = 0;
  for (const auto& s : sample) zero += s.option_votes[0], valid += s.valid;
  const double naive = 100.0 * zero / valid;
  EXPECT_GT(std::abs(naive - population.true_share0), 3.0);  // the naive ratio is off
  EXPECT_LT(std::abs(estimate.options[0].share_percent - population.true_share0),
            estimate.options[0].margin_percent);
}

TEST(Pvt, NoStationReportedGivesNoEstimate) {
  auto population = MakePopulation(6);
  auto estimate = EstimateShares({}, population.strata, 2);
  EXPECT_EQ(estimate.sampled_stations, 0);
  EXPECT_EQ(estimate.strata_sampled, 0);
  EXPECT_EQ(estimate.strata_total, 3);
  EXPECT_EQ(estimate.options[0].share_percent, 0);
}

}  // namespace
}  // namespace hattama::analysis
