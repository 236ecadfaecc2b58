// The PVT estimate through the whole stack as the night goes on: streamed in phases, the estimate
// read from AnalysisService once publication shows 5, 20 and 50 % of the stations, and compared
// with the complete count.
#include "tools/hub/simulator/pvt_phases.h"

#include <gtest/gtest.h>

#include <cmath>

#include "tools/hub/simulator/plan.h"
#include "tools/hub/simulator/synthetic.h"
#include "tools/hub/simulator/verify.h"
#include "tools/stack/stack.h"

namespace hattama {
namespace {

TEST(PvtPhases, TheEstimateNarrowsAndCoversTheFinalShareAtHalfTheStations) {
  stack::TempDir dir("hattama-pvt");
  auto registry = hub::GenerateRegistryFiles({.stations = 2'000, .seed = 9}, dir.path());
  ASSERT_TRUE(registry.ok()) << registry.status().message();
  const domain::Registry& reg = **registry;
  auto plan = hub::DrawPlan(reg, {.seed = 9, .hubs = 3});
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  auto stack = stack::Stack::Start({.registry_dir = dir.path(), .partitions = 4});
  ASSERT_TRUE(stack.ok()) << stack.status().message();

  hub::PhasedStreamOptions options;
  options.stream.ingestion_address = (*stack)->ingestion_address();
  options.publication_address = (*stack)->publication_address();
  options.contest_id = hub::kMazhilis;
  options.timeout = std::chrono::seconds(60);
  auto phased = hub::StreamInPhases(reg, plan->submissions, options);
  ASSERT_TRUE(phased.ok()) << phased.status().message();
  EXPECT_EQ(phased->report.acks.size(), plan->submissions.size());
  auto verified = hub::VerifyPublication(reg, plan->truth,
                                         {.publication_address = (*stack)->publication_address(),
                                          .timeout = std::chrono::seconds(60),
                                          .check_stations = false});
  ASSERT_EQ(verified.mismatch_count, 0);
  std::printf("%s", hub::FormatPvtPhases(reg, phased->phases, verified.published_nation).c_str());

  const int64_t registered = reg.StationsRegistered(reg.nation_id(), hub::kMazhilis);
  ASSERT_EQ(phased->phases.size(), 3u);
  for (const auto& phase : phased->phases) {
    const auto& estimate = phase.estimates.at(hub::kMazhilis);
    // The estimate used exactly the stations publication showed at the mark, and no fewer.
    EXPECT_EQ(estimate.stations_sampled(), phase.stations_reporting.at(hub::kMazhilis));
    EXPECT_GE(estimate.stations_sampled(), phase.mark * registered);
    EXPECT_LT(estimate.stations_sampled(), phase.mark * registered + 20);
  }
  const hub::Tally& final_count = verified.published_nation.at(hub::kMazhilis);
  const auto& at5 = phased->phases[0].estimates.at(hub::kMazhilis);
  const auto& at50 = phased->phases[2].estimates.at(hub::kMazhilis);
  for (int k = 0; k < at50.options_size(); ++k) {
    const auto& option = at50.options(k);
    const double share = 100.0 * final_count.option_votes.at(option.option_id()) /
                         static_cast<double>(final_count.ballots_valid);
    EXPECT_LT(option.margin_percent(), at5.options(k).margin_percent()) << option.option_id();
    EXPECT_LE(std::abs(option.share_percent() - share), 2 * option.margin_percent())
        << option.option_id() << ": " << option.share_percent() << " ± " << option.margin_percent()
        << " against " << share;
  }
}

}  // namespace
}  // namespace hattama
