// The observer effect's estimator (observer_effect.h) on cases computed by hand.
#include "common/analysis/observer_effect.h"

#include <gtest/gtest.h>

#include <vector>

namespace hattama::analysis {
namespace {

TEST(ObserverEffect, DifferenceOfEqualSizedStationsWithItsInterval) {
  // With: 60 and 80 of 100, R = 140/200 = 70 %; residuals -10 and +10, so
  // V = 2/1 · 200 / 200² = 0.01. Without: 50 of 100 three times, R = 50 %, V = 0.
  // Difference 20 points ± 100 · 1.96 · √0.01 = 19.6.
  const std::vector<StationRatio> with = {{60, 100}, {80, 100}};
  const std::vector<StationRatio> without = {{50, 100}, {50, 100}, {50, 100}};
  const RatioComparison c = CompareRatios(with, without);
  EXPECT_DOUBLE_EQ(c.with_percent, 70);
  EXPECT_DOUBLE_EQ(c.without_percent, 50);
  EXPECT_DOUBLE_EQ(c.difference_points, 20);
  ASSERT_TRUE(c.has_interval);
  EXPECT_NEAR(c.ci_low_points, 0.4, 1e-9);
  EXPECT_NEAR(c.ci_high_points, 39.6, 1e-9);
}

TEST(ObserverEffect, LargerStationsWeighAsTheirVotersAndAnIntervalMayCrossZero) {
  // With: 30 of 100 and 90 of 200, R = 120/300 = 40 % (not the mean of 30 % and 45 %); residuals
  // 30 - 40 = -10 and 90 - 80 = +10: V = 2 · 200 / 300² = 1/225.
  // Without: 10 of 50 and 40 of 100, R = 50/150 = 1/3; residuals -20/3 and +20/3:
  // V = 2 · (800/9) / 150² = 16/2025. V(difference) = 1/225 + 16/2025 = 1/81, √ = 1/9.
  // Difference 40 - 100/3 = 20/3 points ± 196/9: from -136/9 to 256/9.
  const std::vector<StationRatio> with = {{30, 100}, {90, 200}};
  const std::vector<StationRatio> without = {{10, 50}, {40, 100}};
  const RatioComparison c = CompareRatios(with, without);
  EXPECT_DOUBLE_EQ(c.with_percent, 40);
  EXPECT_NEAR(c.without_percent, 100.0 / 3, 1e-9);
  EXPECT_NEAR(c.difference_points, 20.0 / 3, 1e-9);
  ASSERT_TRUE(c.has_interval);
  EXPECT_NEAR(c.ci_low_points, -136.0 / 9, 1e-9);
  EXPECT_NEAR(c.ci_high_points, 256.0 / 9, 1e-9);
}

TEST(ObserverEffect, NoIntervalWhileAGroupHasFewerThanTwoStations) {
  const std::vector<StationRatio> one = {{45, 90}};
  const std::vector<StationRatio> two = {{10, 100}, {30, 100}};
  const RatioComparison c = CompareRatios(one, two);
  EXPECT_DOUBLE_EQ(c.with_percent, 50);
  EXPECT_DOUBLE_EQ(c.without_percent, 20);
  EXPECT_DOUBLE_EQ(c.difference_points, 30);
  EXPECT_FALSE(c.has_interval);
  EXPECT_EQ(c.ci_low_points, 0);
  EXPECT_EQ(c.ci_high_points, 0);

  const RatioComparison empty = CompareRatios({}, two);
  EXPECT_EQ(empty.with_percent, 0);
  EXPECT_DOUBLE_EQ(empty.difference_points, -20);
  EXPECT_FALSE(empty.has_interval);
}

}  // namespace
}  // namespace hattama::analysis
