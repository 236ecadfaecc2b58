// Where the simulator cuts the night for the PVT printout, and that the stations of the first
// phase are spread over the country (the estimator is stratified by region).
#include "tools/hub/simulator/pvt_phases.h"

#include <gtest/gtest.h>

#include <set>

#include "tools/hub/simulator/plan.h"
#include "tools/hub/simulator/synthetic.h"

namespace hattama::hub {
namespace {

std::set<std::string> StationsReported(std::span<const PlannedSubmission> sent) {
  std::set<std::string> stations;
  for (const auto& planned : sent) {
    if ((planned.kind == SubmissionKind::kClean || planned.kind == SubmissionKind::kBroken) &&
        planned.submission.source() != v1::SOURCE_OFFICIAL &&
        planned.submission.protocol().contest_id() == kMazhilis) {
      stations.insert(planned.submission.protocol().station_id());
    }
  }
  return stations;
}

TEST(PvtPhases, EachPhaseEndsWhereItsShareOfStationsHasReported) {
  auto registry = std::move(GenerateRegistry({.stations = 2'000, .seed = 4})).value();
  auto plan = std::move(DrawPlan(*registry, {.seed = 4, .hubs = 3})).value();
  std::span<const PlannedSubmission> all = plan.submissions;

  auto ends = PhaseEnds(*registry, all, kMazhilis, {0.05, 0.20, 0.50});

  ASSERT_EQ(ends.size(), 3u);
  EXPECT_LT(ends[0], ends[1]);
  EXPECT_LT(ends[1], ends[2]);
  EXPECT_LT(ends[2], all.size());
  const double registered = registry->StationsRegistered(registry->nation_id(), kMazhilis);
  for (size_t i = 0; i < ends.size(); ++i) {
    const double mark = std::vector<double>{0.05, 0.20, 0.50}[i];
    // Reached exactly at the end: one submission fewer is below the mark.
    EXPECT_GE(StationsReported(all.first(ends[i])).size(), mark * registered);
    EXPECT_LT(StationsReported(all.first(ends[i] - 1)).size(), mark * registered);
  }
}

TEST(PvtPhases, TheFirstFivePercentOfStationsAreSpreadOverTheRegions) {
  auto registry = std::move(GenerateRegistry({.stations = 2'000, .seed = 4})).value();
  auto plan = std::move(DrawPlan(*registry, {.seed = 4, .hubs = 3})).value();
  std::span<const PlannedSubmission> all = plan.submissions;
  auto ends = PhaseEnds(*registry, all, kMazhilis, {0.05});

  std::set<std::string> regions;
  for (const auto& id : StationsReported(all.first(ends[0]))) {
    regions.insert(RegionOf(*registry, *registry->FindStation(id))->area_id());
  }
  const auto& every_region = registry->Children(registry->nation_id());
  // 100 stations drawn at random over the country reach nearly every region.
  EXPECT_GE(regions.size(), every_region.size() - 2) << "of " << every_region.size();
}

}  // namespace
}  // namespace hattama::hub
