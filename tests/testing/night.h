// The synthetic election night of the whole-stack suites (the chaos suite, the transparency log's
// e2e and chaos suites): a registry written where the stack's services read it, a plan of three
// hubs with confirmations, disputes and revisions (3% each), resends and official results, and
// where a case keeps its parts' logs when a person asks for them.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>

#include "common/base/result.h"
#include "common/domain/registry.h"
#include "tools/hub/simulator/plan.h"
#include "tools/hub/simulator/synthetic.h"

namespace hattama::testing {

struct Night {
  std::shared_ptr<const domain::Registry> registry;
  hub::Plan plan;
};

// The plan options of the suites' nights: `hubs` hubs, confirmations, disputes and revisions 3 %
// each, official results.
inline hub::PlanOptions NightPlanOptions(uint64_t seed, int hubs = 3) {
  return {.seed = seed,
          .hubs = hubs,
          .confirm_rate = 0.03,
          .dispute_rate = 0.03,
          .revision_rate = 0.03,
          .official_results = true};
}

// Writes a registry of `stations` stations drawn from `seed` to `dir` (what Stack::Options'
// registry_dir names) and draws the night's plan from the same seed.
inline Result<Night> DrawNight(int stations, uint64_t seed, const std::string& dir) {
  auto registry = hub::GenerateRegistryFiles({.stations = stations, .seed = seed}, dir);
  if (!registry.ok()) return registry.status();
  auto plan = hub::DrawPlan(**registry, NightPlanOptions(seed));
  if (!plan.ok()) return plan.status();
  return Night{.registry = *registry, .plan = std::move(plan).value()};
}

// Where the running case's parts write their logs (Stack::Options::log_dir): a folder named after
// the case in $HATTAMA_CHAOS_LOG_DIR, kept for a person to read; empty when that is unset (the
// stack's own temporary directory).
inline std::string CaseLogDir() {
  const char* logs = std::getenv("HATTAMA_CHAOS_LOG_DIR");
  if (logs == nullptr || *logs == '\0') return "";
  return std::string(logs) + "/" + ::testing::UnitTest::GetInstance()->current_test_info()->name();
}

}  // namespace hattama::testing
