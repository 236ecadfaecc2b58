#include "tools/hub/simulator/plan.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <unordered_map>

#include "common/domain/checks.h"
#include "tests/hub/simulator/night.h"
#include "tools/hub/simulator/synthetic.h"

namespace hattama::hub {
namespace {

// One registry and plan of 10,000 stations shared by the tests that only read them.
const testing::Night& TenThousand() {
  static const testing::Night night = testing::DrawNight(10'000, 2021, PlanOptions{});
  return night;
}

std::vector<const PlannedSubmission*> OfKind(const Plan& plan, SubmissionKind kind) {
  std::vector<const PlannedSubmission*> found;
  for (const auto& planned : plan.submissions) {
    if (planned.kind == kind) found.push_back(&planned);
  }
  return found;
}

TEST(Plan, IsDeterministicPerSeed) {
  auto registry = std::move(GenerateRegistry({.stations = 500, .seed = 3})).value();
  auto a = DrawPlan(*registry, {.seed = 3});
  auto b = DrawPlan(*registry, {.seed = 3});
  auto c = DrawPlan(*registry, {.seed = 4});
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  ASSERT_EQ(a->submissions.size(), b->submissions.size());
  for (size_t i = 0; i < a->submissions.size(); ++i) {
    EXPECT_EQ(a->submissions[i].submission.SerializeAsString(),
              b->submissions[i].submission.SerializeAsString());
  }
  EXPECT_EQ(a->truth.areas, b->truth.areas);
  EXPECT_NE(a->truth.areas, c->truth.areas);
}

TEST(Plan, EveryStationContestGetsExactlyOneCountedProtocol) {
  const auto& [registry, plan] = TenThousand();
  std::map<std::string, int> counted;
  for (const auto& planned : plan.submissions) {
    if (planned.kind == SubmissionKind::kClean || planned.kind == SubmissionKind::kBroken) {
      const auto& p = planned.submission.protocol();
      counted[p.station_id() + "|" + p.contest_id()] += 1;
    }
  }
  size_t station_contests = 0;
  for (const auto& station : registry->stations()) {
    for (const auto& contest_id : station.contest_ids()) {
      ++station_contests;
      EXPECT_EQ(counted[station.station_id() + "|" + contest_id], 1) << station.station_id();
    }
  }
  EXPECT_EQ(counted.size(), station_contests);
}

TEST(Plan, CleanProtocolsPassEveryCheckWithoutFlags) {
  const auto& [registry, plan] = TenThousand();
  for (const auto* planned : OfKind(plan, SubmissionKind::kClean)) {
    const auto validation = domain::Validate(planned->submission, *registry, domain::Clock::now());
    ASSERT_TRUE(validation.rejections.empty()) << planned->submission.DebugString();
    ASSERT_TRUE(validation.flags.empty()) << planned->submission.DebugString();
  }
}

TEST(Plan, BrokenProtocolsBreakExactlyTheirOneRelation) {
  const auto& [registry, plan] = TenThousand();
  const auto broken = OfKind(plan, SubmissionKind::kBroken);
  EXPECT_NEAR(static_cast<double>(broken.size()), 0.01 * plan.truth.stations.size(), 2);
  std::set<int> codes;
  for (const auto* planned : broken) {
    const auto validation = domain::Validate(planned->submission, *registry, domain::Clock::now());
    ASSERT_TRUE(validation.rejections.empty()) << planned->submission.DebugString();
    ASSERT_EQ(validation.flags.size(), 1u) << planned->submission.DebugString();
    EXPECT_EQ(validation.flags[0].code(), planned->expected_code);
    EXPECT_EQ(planned->expected_outcome, v1::OUTCOME_ACCEPTED_WITH_FLAGS);
    codes.insert(planned->expected_code);
  }
  EXPECT_EQ(codes.size(), 5u) << "every control relation is broken somewhere";
}

TEST(Plan, MalformedSubmissionsAreRejectedForTheirReason) {
  const auto& [registry, plan] = TenThousand();
  const auto malformed = OfKind(plan, SubmissionKind::kMalformed);
  EXPECT_NEAR(static_cast<double>(malformed.size()), 0.005 * plan.truth.stations.size(), 2);
  std::set<int> codes;
  for (const auto* planned : malformed) {
    const auto validation = domain::Validate(planned->submission, *registry, domain::Clock::now());
    ASSERT_TRUE(validation.rejected()) << planned->submission.DebugString();
    bool has_code = false;
    for (const auto& reason : validation.rejections) {
      has_code |= reason.code() == planned->expected_code;
    }
    EXPECT_TRUE(has_code) << planned->submission.DebugString();
    codes.insert(planned->expected_code);
  }
  EXPECT_EQ(codes, (std::set<int>{v1::REASON_CODE_UNKNOWN_STATION, v1::REASON_CODE_UNKNOWN_OPTION,
                                  v1::REASON_CODE_MISSING, v1::REASON_CODE_NEGATIVE}));
}

TEST(Plan, ResendsRepeatTheBytesOfAnEarlierAcceptedSubmission) {
  const auto& [registry, plan] = TenThousand();
  std::unordered_map<std::string, size_t> first_seen;
  size_t resends = 0;
  for (size_t i = 0; i < plan.submissions.size(); ++i) {
    const auto& planned = plan.submissions[i];
    const auto& id = planned.submission.submission_id();
    if (planned.kind != SubmissionKind::kResend) {
      EXPECT_TRUE(first_seen.emplace(id, i).second) << "id reused: " << id;
      continue;
    }
    ++resends;
    auto original = first_seen.find(id);
    ASSERT_NE(original, first_seen.end()) << "resend before its original: " << id;
    const auto& first = plan.submissions[original->second];
    EXPECT_EQ(planned.submission.SerializeAsString(), first.submission.SerializeAsString());
    EXPECT_NE(first.kind, SubmissionKind::kMalformed);
    EXPECT_EQ(planned.expected_outcome, v1::OUTCOME_DUPLICATE);
    EXPECT_EQ(planned.expected_code, first.expected_code);
  }
  EXPECT_NEAR(static_cast<double>(resends), 0.05 * plan.truth.stations.size(), 2);
  EXPECT_EQ(plan.expected.duplicate, static_cast<int64_t>(resends));
}

TEST(Plan, EverySubmissionIsWellAddressed) {
  const auto& [registry, plan] = TenThousand();
  for (const auto& planned : plan.submissions) {
    const auto& s = planned.submission;
    EXPECT_EQ(s.photo_sha256().size(), 32u);
    EXPECT_EQ(s.source(), v1::SOURCE_OBSERVER);
    EXPECT_EQ(s.revision(), 0);
    EXPECT_FALSE(s.observer_id().empty());
    EXPECT_FALSE(s.organisation_id().empty());
    EXPECT_GT(s.captured_time().seconds(), 0);
    // Each hub streams its own regions only.
    const auto* station = registry->FindStation(s.protocol().station_id());
    if (station != nullptr) {
      EXPECT_EQ(s.hub_id(), plan.hub_of_region.at(RegionOf(*registry, *station)->area_id()));
    }
  }
  std::set<std::string> hubs;
  for (const auto& [region, hub] : plan.hub_of_region) hubs.insert(hub);
  EXPECT_EQ(plan.hub_of_region.size(), 20u);
  EXPECT_EQ(hubs, (std::set<std::string>{"hub-1", "hub-2", "hub-3", "hub-4"}));
}

// The national figures of the truth come out at the observers' figures within two points.
TEST(Plan, NationalTurnoutAndSharesAreNearTheObserversFigures) {
  const auto& [registry, plan] = TenThousand();
  struct Want {
    const char* contest;
    double turnout;
    std::map<std::string, double> shares;
  };
  const Want wants[] = {
      {kMazhilis,
       32,
       {{"nur-otan", 50},
        {"ak-zhol", 18},
        {"adal", 12},
        {"auyl", 10},
        {"peoples-party", 8},
        {"against-all", 2}}},
      {kOblastMaslikhat,
       38,
       {{"nur-otan", 58}, {"ak-zhol", 16}, {"adal", 10}, {"auyl", 9}, {"peoples-party", 3}}},
      {kCityMaslikhat,
       25,
       {{"nur-otan", 44}, {"ak-zhol", 21}, {"adal", 14}, {"auyl", 14}, {"peoples-party", 3}}},
  };
  for (const auto& want : wants) {
    SCOPED_TRACE(want.contest);
    const Tally* t = plan.truth.FindArea("kz", want.contest);
    ASSERT_NE(t, nullptr);
    const double turnout = 100.0 * t->ballots_in_box / t->registered_voters;
    EXPECT_NEAR(turnout, want.turnout, 2.0);
    const double spoiled = 100.0 * t->ballots_spoiled / t->ballots_in_box;
    EXPECT_GE(spoiled, 3.0);
    EXPECT_LE(spoiled, 4.0);
    // Normalised over the ballot, as the report's maslikhat figures do not add up to 100 (the
    // Mazhilis' do with the 2 points the simulation gives "against all").
    double want_sum = 0;
    for (const auto& [option, share] : want.shares) want_sum += share;
    for (const auto& [option, share] : want.shares) {
      const double got = 100.0 * t->option_votes.at(option) / t->ballots_valid;
      EXPECT_NEAR(got, 100.0 * share / want_sum, 2.0) << option;
    }
  }
}

TEST(Plan, RegionsDifferFromEachOther) {
  const auto& [registry, plan] = TenThousand();
  double lowest = 100, highest = 0;
  for (const auto* region : registry->Children("kz")) {
    const Tally* t = plan.truth.FindArea(region->area_id(), kMazhilis);
    ASSERT_NE(t, nullptr);
    const double turnout = 100.0 * t->ballots_in_box / t->registered_voters;
    lowest = std::min(lowest, turnout);
    highest = std::max(highest, turnout);
  }
  EXPECT_GT(highest - lowest, 4.0);
}

TEST(Plan, WorksForAFewHundredStations) {
  auto registry = std::move(GenerateRegistry({.stations = 300, .seed = 2021})).value();
  auto plan = DrawPlan(*registry, {.seed = 2021, .hubs = 2});
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  EXPECT_EQ(plan->truth.FindArea("kz", kMazhilis)->stations_reporting, 300);
  EXPECT_GE(plan->expected.flagged, 5);
  EXPECT_GE(plan->expected.rejected, 4);
  EXPECT_GE(plan->expected.duplicate, 1);
  EXPECT_EQ(plan->hub_ids, (std::vector<std::string>{"hub-1", "hub-2"}));
}

// hattama-demo --desk holds stations back for its desk: nothing of theirs is sent, and every other
// submission is the one the night without them sends (the observers generate registered).
TEST(Plan, HeldBackStationsAreNotSentAndTheRestOfTheNightIsUnchanged) {
  auto registry = std::move(GenerateRegistry({.stations = 300, .seed = 2021})).value();
  PlanOptions options{.seed = 2021, .hubs = 2, .confirm_rate = 0.02, .official_results = true};
  auto whole = DrawPlan(*registry, options);
  options.held_back = {"UIK-00001", "UIK-00002"};
  auto held = DrawPlan(*registry, options);
  ASSERT_TRUE(whole.ok() && held.ok());
  std::vector<std::string> expected;
  for (const auto& planned : whole->submissions) {
    if (!options.held_back.contains(planned.submission.protocol().station_id())) {
      expected.push_back(planned.submission.SerializeAsString());
    }
  }
  ASSERT_LT(expected.size(), whole->submissions.size());
  std::vector<std::string> sent;
  for (const auto& planned : held->submissions)
    sent.push_back(planned.submission.SerializeAsString());
  EXPECT_EQ(sent, expected);
  EXPECT_EQ(held->truth.FindStation("UIK-00001", kMazhilis), nullptr);
  EXPECT_NE(held->truth.FindStation("UIK-00003", kMazhilis), nullptr);
  EXPECT_EQ(held->truth.FindArea("kz", kMazhilis)->stations_reporting, 298);
}

TEST(Plan, RefusesZeroHubs) {
  auto registry = std::move(GenerateRegistry({.stations = 100, .seed = 1})).value();
  EXPECT_FALSE(DrawPlan(*registry, {.seed = 1, .hubs = 0}).ok());
}

}  // namespace
}  // namespace hattama::hub
