#include "common/analysis/pvt.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
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

// The estimator as its formulas read, over the stations one by one: R from the weighted totals,
// then each residual d = y − R x, its variance per stratum (pooled for a stratum of one). What
// EstimateShares computes from the sums alone must be this.
PvtEstimate EstimateFromResiduals(const std::vector<SampledStation>& sample,
                                  const std::vector<Stratum>& strata, size_t option_count) {
  PvtEstimate estimate;
  estimate.options.resize(option_count);
  std::map<std::string, double> population;
  for (const auto& stratum : strata) population[stratum.stratum] = stratum.stations;
  std::map<std::string, std::vector<const SampledStation*>> by_stratum;
  for (const auto& station : sample) {
    if (population.contains(station.stratum)) by_stratum[station.stratum].push_back(&station);
  }
  double x_total = 0;
  std::vector<double> y_total(option_count, 0);
  for (const auto& [id, stations] : by_stratum) {
    for (const auto* s : stations) {
      const double weight = population[id] / stations.size();
      x_total += weight * s->valid;
      for (size_t k = 0; k < option_count; ++k) y_total[k] += weight * s->option_votes[k];
    }
  }
  for (size_t k = 0; k < option_count; ++k) {
    const double ratio = y_total[k] / x_total;
    auto variance_of = [&](const std::vector<const SampledStation*>& stations) {
      double mean = 0;
      for (const auto* s : stations) mean += (s->option_votes[k] - ratio * s->valid);
      mean /= stations.size();
      double squares = 0;
      for (const auto* s : stations)
        squares += std::pow(s->option_votes[k] - ratio * s->valid - mean, 2);
      return squares / (stations.size() - 1);
    };
    std::vector<const SampledStation*> all;
    for (const auto& [id, stations] : by_stratum)
      all.insert(all.end(), stations.begin(), stations.end());
    double variance = 0;
    for (const auto& [id, stations] : by_stratum) {
      const double n = stations.size(), big_n = population[id];
      const double s2 = stations.size() > 1 ? variance_of(stations) : variance_of(all);
      variance += big_n * big_n * (1 - n / big_n) * s2 / n;
    }
    estimate.options[k].share_percent = 100 * ratio;
    estimate.options[k].margin_percent = 100 * 1.96 * std::sqrt(variance / (x_total * x_total));
  }
  return estimate;
}

// Random nights: strata of 1 to 200 reported stations (one of a single station, which borrows the
// pooled variance), stations of 1 to 3,000 valid votes over three to eight options, some in a
// stratum outside the population.
TEST(Pvt, TheSumsGiveWhatTheStationsGiveOneByOne) {
  std::mt19937 rng(2026);
  for (int night = 0; night < 60; ++night) {
    const size_t options = std::uniform_int_distribution<size_t>(3, 8)(rng);
    std::vector<Stratum> strata;
    std::vector<SampledStation> sample;
    const int regions = std::uniform_int_distribution<int>(2, 17)(rng);
    for (int r = 0; r < regions; ++r) {
      const int reported = r == 0 ? 1 : std::uniform_int_distribution<int>(1, 200)(rng);
      strata.push_back({"r" + std::to_string(r),
                        reported + std::uniform_int_distribution<int64_t>(1, 5000)(rng)});
      const double lean = std::uniform_real_distribution<double>(0.2, 0.7)(rng);
      for (int i = 0; i < reported; ++i) {
        SampledStation station{strata.back().stratum, 0, std::vector<int64_t>(options, 0)};
        const int64_t valid = std::uniform_int_distribution<int64_t>(1, 3000)(rng);
        std::binomial_distribution<int64_t> first(valid, lean);
        station.option_votes[0] = first(rng);
        int64_t left = valid - station.option_votes[0];
        for (size_t k = 1; k + 1 < options; ++k) {
          station.option_votes[k] = std::binomial_distribution<int64_t>(left, 0.4)(rng);
          left -= station.option_votes[k];
        }
        station.option_votes[options - 1] = left;
        station.valid = valid;
        sample.push_back(std::move(station));
      }
    }
    sample.push_back({"elsewhere", 500, std::vector<int64_t>(options, 100)});
    std::shuffle(sample.begin(), sample.end(), rng);

    const auto from_sums = EstimateSharesFromSums(SumByStratum(sample, options), strata, options);
    const auto expected = EstimateFromResiduals(sample, strata, options);
    ASSERT_EQ(from_sums.sampled_stations, static_cast<int64_t>(sample.size()) - 1);
    ASSERT_EQ(from_sums.strata_sampled, regions);
    for (size_t k = 0; k < options; ++k) {
      ASSERT_NEAR(from_sums.options[k].share_percent, expected.options[k].share_percent, 1e-9)
          << "night " << night << ", option " << k;
      ASSERT_NEAR(from_sums.options[k].margin_percent, expected.options[k].margin_percent, 1e-9)
          << "night " << night << ", option " << k;
    }
  }
}

TEST(Pvt, NoStationReportedGivesNoEstimate) {
  auto population = MakePopulation(6);
  auto estimate = EstimateShares({}, population.strata, 2);
  EXPECT_EQ(estimate.sampled_stations, 0);
  EXPECT_EQ(estimate.strata_sampled, 0);
  EXPECT_EQ(estimate.strata_total, 3);
  EXPECT_EQ(estimate.options[0].share_percent, 0);
}

// The sizes of draw-sample, by hand. 1,000 stations in three regions (600, 300, 100), a 2-point
// margin with a spread of 15 points: n₀ = (1.96 · 15 / 2)² = 14.7² = 216.09; with the finite
// population n = 216.09 / (1 + 215.09 / 1000) = 177.84, rounded up to 178.
TEST(PvtSampleSize, TargetMarginGivesCochransSizeWithFinitePopulation) {
  EXPECT_EQ(SampleSize(1000, {.margin_percent = 2, .spread_percent = 15}), 178);
  // Without the correction n₀ = (1.96 · 15 / 1)² = 864.36 -> 865; at 10,000 stations
  // 864.36 / (1 + 863.36 / 10000) = 795.65 -> 796.
  EXPECT_EQ(SampleSize(10000, {.margin_percent = 1, .spread_percent = 15}), 796);
  // A margin smaller than the population allows takes every station.
  EXPECT_EQ(SampleSize(50, {.margin_percent = 0.01, .spread_percent = 15}), 50);
  EXPECT_EQ(SampleSize(0, {}), 0);
}

// 178 over 600/300/100: 106.8, 53.4, 17.8 -> floors 106 + 53 + 17 = 176; the two left over go
// to the largest remainders .8 (the first region) and .8 (the third).
TEST(PvtSampleSize, AllocationIsProportionalByLargestRemainder) {
  const std::vector<Stratum> strata = {{"a", 600}, {"b", 300}, {"c", 100}};
  EXPECT_EQ(AllocateSample(strata, 178, 2), (std::vector<int64_t>{107, 53, 18}));
}

// 34 over 990/5/5: 33.66, 0.17, 0.17 -> 33 + 0 + 0, the one left to the first; then the small
// regions are raised to two each (36 + 2 = 38 in all), and a region of one station to one.
TEST(PvtSampleSize, EveryStratumGetsAtLeastTwoOrAllItsStations) {
  EXPECT_EQ(SampleSize(1000, {.margin_percent = 5, .spread_percent = 15}), 34);
  const std::vector<Stratum> strata = {{"a", 990}, {"b", 5}, {"c", 5}};
  EXPECT_EQ(AllocateSample(strata, 34, 2), (std::vector<int64_t>{34, 2, 2}));
  const std::vector<Stratum> tiny = {{"a", 999}, {"b", 1}};
  EXPECT_EQ(AllocateSample(tiny, 10, 2), (std::vector<int64_t>{10, 1}));
}

// The estimator on a sample, by hand. Region A: 10 stations, 3 sampled, 2 reported with valid
// votes 100 each and option 0 at 70 and 50; region B: 20 stations, 2 sampled, both reported, 200
// valid each, option 0 at 80 and 120. Weights N_h/n_h: A 10/2 = 5, B 20/2 = 10.
//   X = 5·200 + 10·400 = 5000, Y₀ = 5·120 + 10·200 = 2600, R = 0.52.
//   Residuals d = y − R·x: A 18 and −2 (s² = 200), B −24 and 16 (s² = 800).
//   V = [10²·(1 − 2/10)·200/2 + 20²·(1 − 2/20)·800/2] / 5000² = 152,000 / 25,000,000 = 0.00608
//   margin = 1.96 · √0.00608 = 0.15283 -> 52.00 ± 15.28 points.
TEST(PvtSample, EstimateFromSampledStationsWeighsEachRegionByItsStations) {
  const std::vector<SampleStratum> strata = {{"A", 10, 3}, {"B", 20, 2}};
  const std::vector<SampledStation> reported = {
      {"A", 100, {70, 30}}, {"A", 100, {50, 50}}, {"B", 200, {80, 120}}, {"B", 200, {120, 80}}};
  auto result = EstimateFromSample(reported, strata, 2);
  EXPECT_NEAR(result.estimate.options[0].share_percent, 52.0, 1e-9);
  EXPECT_NEAR(result.estimate.options[0].margin_percent, 100 * 1.96 * std::sqrt(0.00608), 1e-9);
  EXPECT_NEAR(result.estimate.options[0].margin_percent, 15.283, 1e-3);
  EXPECT_NEAR(result.estimate.options[1].share_percent, 48.0, 1e-9);
  EXPECT_EQ(result.sampled, 5);
  EXPECT_EQ(result.reported, 4);
  // A: 2 of 3 = 66.7 % < 80 %: under-reported, and so the whole estimate says so.
  ASSERT_EQ(result.strata.size(), 2u);
  EXPECT_NEAR(result.strata[0].completion_percent, 200.0 / 3, 1e-9);
  EXPECT_TRUE(result.strata[0].under_reported);
  EXPECT_DOUBLE_EQ(result.strata[1].completion_percent, 100);
  EXPECT_FALSE(result.strata[1].under_reported);
  EXPECT_TRUE(result.under_reported);
}

TEST(PvtSample, NoWarningOnceEveryStratumReachedEightyPercent) {
  const std::vector<SampleStratum> strata = {{"A", 10, 5}, {"B", 20, 0}};
  const std::vector<SampledStation> reported = {
      {"A", 100, {70, 30}}, {"A", 100, {50, 50}}, {"A", 100, {60, 40}}, {"A", 100, {40, 60}}};
  auto result = EstimateFromSample(reported, strata, 2);
  EXPECT_DOUBLE_EQ(result.strata[0].completion_percent, 80);   // 4 of 5: at the threshold
  EXPECT_DOUBLE_EQ(result.strata[1].completion_percent, 100);  // nothing sampled, nothing missing
  EXPECT_FALSE(result.under_reported);
  EXPECT_NEAR(result.estimate.options[0].share_percent, 55, 1e-9);
}

}  // namespace
}  // namespace hattama::analysis
