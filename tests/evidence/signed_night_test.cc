// A whole synthetic night with signed protocols, through the whole stack: generate's observer
// registry with --signing (one organisation requires signatures), the simulator signing for its
// observers, every answer as planned and every published figure equal to the ground truth.
#include <gtest/gtest.h>

#include "tests/testing/night.h"
#include "tools/hub/client/client.h"
#include "tools/hub/simulator/observer_registry.h"
#include "tools/hub/simulator/plan.h"
#include "tools/hub/simulator/registry_files.h"
#include "tools/hub/simulator/signing.h"
#include "tools/hub/simulator/synthetic.h"
#include "tools/hub/simulator/verify.h"
#include "tools/stack/stack.h"

namespace hattama {
namespace {

constexpr uint64_t kSeed = 23;

std::string Lines(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += line + "\n";
  return text;
}

hub::PlanOptions NightOptions() { return testing::NightPlanOptions(kSeed, /*hubs=*/2); }

TEST(SignedNight, EveryAnswerAndPublishedFigureMatchesTheGroundTruth) {
  stack::TempDir dir("hattama-signed-night");
  auto generated = hub::GenerateRegistryFiles({.stations = 300, .seed = kSeed}, dir.path());
  ASSERT_TRUE(generated.ok()) << generated.status().message();
  // As generate --signing does: the observers of the night, one organisation's with keys.
  auto unsigned_plan = hub::DrawPlan(**generated, NightOptions());
  ASSERT_TRUE(unsigned_plan.ok());
  ASSERT_TRUE(
      hub::WriteObserverRegistry(*unsigned_plan, dir.path(), {.seed = kSeed, .signing = true})
          .ok());
  auto registry = hub::LoadRegistryFiles(dir.path());
  ASSERT_TRUE(registry.ok()) << registry.status().message();
  ASSERT_GT((*registry)->observers()->keyed_observers(), 0u);
  auto plan = hub::DrawPlan(**registry, NightOptions());
  ASSERT_TRUE(plan.ok()) << plan.status().message();

  auto stack = stack::Stack::Start({.registry_dir = dir.path(), .partitions = 4});
  ASSERT_TRUE(stack.ok()) << stack.status().message();
  auto report = hub::StreamSubmissions(plan->submissions,
                                       {.ingestion_address = (*stack)->ingestion_address()});
  ASSERT_TRUE(report.ok()) << report.status().message();
  auto outcomes = hub::CheckOutcomes(plan->submissions, *report);
  EXPECT_EQ(outcomes.mismatch_count, 0) << Lines(outcomes.mismatches);
  EXPECT_EQ(report->accepted, plan->expected.accepted);
  EXPECT_EQ(report->rejected, plan->expected.rejected);

  auto verified = hub::VerifyPublication(**registry, plan->truth,
                                         {.publication_address = (*stack)->publication_address(),
                                          .timeout = std::chrono::seconds(60)});
  EXPECT_TRUE(verified.reporting_complete);
  EXPECT_EQ(verified.mismatch_count, 0) << Lines(verified.mismatches);
  EXPECT_EQ(verified.stations_checked, static_cast<int64_t>((*registry)->stations().size()));
}

}  // namespace
}  // namespace hattama
