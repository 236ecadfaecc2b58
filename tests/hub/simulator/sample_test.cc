#include "tools/hub/simulator/sample.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "common/domain/checks.h"
#include "tools/hub/simulator/biased_night.h"
#include "tools/hub/simulator/plan.h"
#include "tools/hub/simulator/synthetic.h"

namespace hattama::hub {
namespace {

// The synthetic registry, which marks the cities of republican significance and each oblast's
// centre-city district ("Aktobe city").
std::shared_ptr<const domain::Registry> SyntheticRegistry(int64_t stations) {
  return std::move(GenerateRegistry({.stations = stations, .seed = 2021})).value();
}

// 1,000 stations, a 3-point margin, a spread of 15: n₀ = (1.96 · 15 / 3)² = 96.04, n = 96.04 /
// (1 + 95.04 / 1000) = 87.7 -> 88, split over the 20 regions by their stations, at least two each.
TEST(DrawPvtSample, DrawsTheSizeOfTheTargetMarginStratifiedByRegion) {
  auto registry = SyntheticRegistry(1000);
  SampleDrawOptions options{.size = {.margin_percent = 3, .spread_percent = 15}, .seed = 5};
  auto sample = DrawPvtSample(*registry, options);
  ASSERT_TRUE(sample.ok()) << sample.status().message();
  ASSERT_EQ(sample->strata.size(), 20u);
  std::vector<analysis::Stratum> strata;
  int64_t stations = 0, sampled = 0;
  for (const auto& stratum : sample->strata) {
    strata.push_back({stratum.region_id, stratum.stations});
    stations += stratum.stations;
    sampled += stratum.sampled;
    EXPECT_GE(stratum.sampled, 2) << stratum.region_id;
  }
  EXPECT_EQ(stations, 1000);
  const auto sizes = analysis::AllocateSample(strata, 88, 2);
  for (size_t h = 0; h < sizes.size(); ++h) EXPECT_EQ(sample->strata[h].sampled, sizes[h]);
  EXPECT_GE(sampled, 88);
  EXPECT_EQ(static_cast<int64_t>(sample->stations.size()), sampled);
  // Each sampled station is one of its region's, and listed once.
  std::set<std::string> seen;
  for (const auto& station : sample->stations) {
    const domain::Station* found = registry->FindStation(station.station_id);
    ASSERT_NE(found, nullptr) << station.station_id;
    EXPECT_EQ(RegionOf(*registry, *found)->area_id(), station.region_id);
    EXPECT_TRUE(seen.insert(station.station_id).second) << station.station_id;
  }
  EXPECT_EQ(sample->election_id, registry->election().election_id());
  EXPECT_DOUBLE_EQ(sample->margin_percent, 3);
}

TEST(DrawPvtSample, OneSeedOneSampleAnotherSeedAnother) {
  auto registry = SyntheticRegistry(1000);
  auto text = [&](uint64_t seed) {
    SampleDrawOptions options{.size = {.margin_percent = 3}, .seed = seed};
    return *analysis::FormatPvtSample(*DrawPvtSample(*registry, options));
  };
  EXPECT_EQ(text(5), text(5));
  EXPECT_NE(text(5), text(6));
}

TEST(BiasedNight, SampledStationsThenCitiesThenTheRestAndCitiesVoteDifferently) {
  auto registry = SyntheticRegistry(1000);
  auto sample = std::move(DrawPvtSample(*registry, {.size = {.margin_percent = 3}})).value();
  PlanOptions options;
  options.arrival = PlanOptions::Arrival::kCitiesFirst;
  for (const auto& station : sample.stations) options.report_first.insert(station.station_id);
  auto plan = DrawPlan(*registry, options);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  // Ranks along the send order never go down: sampled (city, then not), cities, the rest.
  int last_rank = 0;
  std::map<int, int> per_rank;
  for (const auto& planned : plan->submissions) {
    const auto* station = registry->FindStation(planned.submission.protocol().station_id());
    if (station == nullptr) continue;  // a malformed one, for an unknown station
    const int rank = (options.report_first.contains(station->station_id()) ? 0 : 2) +
                     (IsCityStation(*registry, *station) ? 0 : 1);
    EXPECT_GE(rank, last_rank) << station->station_id();
    last_rank = std::max(last_rank, rank);
    ++per_rank[rank];
  }
  EXPECT_EQ(per_rank.size(), 4u);
  // Every protocol is still consistent, and city stations give Nur Otan (the first list) less.
  int64_t city_votes = 0, city_first = 0, rural_votes = 0, rural_first = 0;
  for (const auto& planned : plan->submissions) {
    if (planned.kind != SubmissionKind::kClean ||
        planned.submission.source() != v1::SOURCE_OBSERVER)
      continue;
    const auto& protocol = planned.submission.protocol();
    const auto validation = domain::Validate(planned.submission, *registry, domain::Clock::now());
    EXPECT_TRUE(validation.rejections.empty() && validation.flags.empty()) << protocol.station_id();
    if (protocol.contest_id() != kMazhilis) continue;
    const bool city = IsCityStation(*registry, *registry->FindStation(protocol.station_id()));
    (city ? city_votes : rural_votes) += protocol.figures().ballots_valid();
    (city ? city_first : rural_first) += protocol.figures().option_votes(0).votes();
  }
  const double city_share = 100.0 * city_first / city_votes;
  const double rural_share = 100.0 * rural_first / rural_votes;
  EXPECT_LT(city_share, rural_share - 10) << city_share << " vs " << rural_share;
}

TEST(BiasedNight, MovingCityVotesKeepsTheTotalAndSplitsByLargestRemainder) {
  auto registry = SyntheticRegistry(200);
  const domain::Station* city = nullptr;
  for (const auto& station : registry->stations()) {
    if (IsCityStation(*registry, station)) city = &station;
  }
  ASSERT_NE(city, nullptr);
  PlannedSubmission planned;
  auto* protocol = planned.submission.mutable_protocol();
  protocol->set_station_id(city->station_id());
  for (int64_t votes : {101, 30, 10, 0})
    protocol->mutable_figures()->add_option_votes()->set_votes(votes);
  std::vector<PlannedSubmission> protocols = {planned};
  MoveCityVotes(*registry, protocols);
  // ⌊0.3 · 101⌋ = 30 moved: 30·30/40 = 22.5 -> 22, 30·10/40 = 7.5 -> 7, 0; one left over goes to
  // the first of the equal remainders (the second list).
  std::vector<int64_t> after;
  for (const auto& line : protocols[0].submission.protocol().figures().option_votes()) {
    after.push_back(line.votes());
  }
  EXPECT_EQ(after, (std::vector<int64_t>{71, 53, 17, 0}));
}

}  // namespace
}  // namespace hattama::hub
