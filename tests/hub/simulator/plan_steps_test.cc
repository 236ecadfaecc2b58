#include "tools/hub/simulator/plan_steps.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "common/domain/checks.h"
#include "tools/hub/simulator/plan.h"
#include "tools/hub/simulator/synthetic.h"

namespace hattama::hub {
namespace {

constexpr uint64_t kPlanSeed = 17;

const domain::Registry& Registry() {
  static const auto registry =
      std::move(GenerateRegistry({.stations = 400, .seed = kPlanSeed})).value();
  return *registry;
}

const HubAssignment& Hubs() {
  static const HubAssignment hubs = std::move(AssignRegionsToHubs(Registry(), 3)).value();
  return hubs;
}

const std::vector<PlannedSubmission>& CleanProtocols() {
  static const auto protocols = DrawCleanProtocols(Registry(), kPlanSeed, Hubs());
  return protocols;
}

std::string Key(const v1::Submission& submission) {
  return submission.protocol().station_id() + "|" + submission.protocol().contest_id();
}

int64_t TotalVotes(const v1::Figures& figures) {
  int64_t total = 0;
  for (const auto& line : figures.option_votes()) total += line.votes();
  return total;
}

// The protocol of the same station × contest among `protocols`.
const PlannedSubmission& OriginalOf(const PlannedSubmission& copy,
                                    const std::vector<PlannedSubmission>& protocols) {
  for (const auto& protocol : protocols) {
    if (Key(protocol.submission) == Key(copy.submission)) return protocol;
  }
  ADD_FAILURE() << "no original for " << copy.submission.submission_id();
  return copy;
}

TEST(CountFor, IsTheRateOfTheProtocolsButAtLeastEachVariantOnceAndNeverMoreThanThereAre) {
  EXPECT_EQ(CountFor(0.0, 1000, 5), 0u);
  EXPECT_EQ(CountFor(0.01, 0, 5), 0u);
  EXPECT_EQ(CountFor(0.01, 1000, 5), 10u);
  EXPECT_EQ(CountFor(0.001, 1000, 5), 5u);
  EXPECT_EQ(CountFor(0.001, 3, 5), 3u);
  EXPECT_EQ(CountFor(1.0, 40, 4), 40u);
}

TEST(AssignRegionsToHubs, GivesEveryRegionToOneHubAndBalancesTheStations) {
  const auto& hubs = Hubs();
  EXPECT_EQ(hubs.hub_ids, (std::vector<std::string>{"hub-1", "hub-2", "hub-3"}));
  std::map<std::string, int64_t> stations_of_region, load;
  for (const auto& station : Registry().stations()) {
    stations_of_region[RegionOf(Registry(), station)->area_id()] += 1;
  }
  ASSERT_EQ(hubs.regions.size(), stations_of_region.size());
  ASSERT_EQ(hubs.hub_of_region.size(), stations_of_region.size());
  int64_t largest_region = 0;
  for (const auto& [region, stations] : stations_of_region) {
    load[hubs.hub_of_region.at(region)] += stations;
    largest_region = std::max(largest_region, stations);
  }
  ASSERT_EQ(load.size(), 3u) << "every hub has regions";
  const auto [least, most] = std::minmax_element(
      load.begin(), load.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
  EXPECT_LE(most->second - least->second, largest_region);
}

TEST(AssignRegionsToHubs, RefusesZeroHubs) {
  EXPECT_FALSE(AssignRegionsToHubs(Registry(), 0).ok());
}

TEST(DrawCleanProtocols, OneConsistentProtocolPerStationAndContestFromItsRegionsHub) {
  const auto& protocols = CleanProtocols();
  std::vector<std::string> expected_keys;
  for (const auto& station : Registry().stations()) {
    for (const auto& contest_id : station.contest_ids()) {
      expected_keys.push_back(station.station_id() + "|" + contest_id);
    }
  }
  ASSERT_EQ(protocols.size(), expected_keys.size());
  std::set<std::string> ids;
  for (size_t i = 0; i < protocols.size(); ++i) {
    const auto& planned = protocols[i];
    EXPECT_EQ(Key(planned.submission), expected_keys[i]) << "registry order";
    EXPECT_EQ(planned.kind, SubmissionKind::kClean);
    EXPECT_EQ(planned.expected_outcome, v1::OUTCOME_ACCEPTED);
    EXPECT_TRUE(ids.insert(planned.submission.submission_id()).second);
    const auto* station = Registry().FindStation(planned.submission.protocol().station_id());
    EXPECT_EQ(planned.submission.hub_id(),
              Hubs().hub_of_region.at(RegionOf(Registry(), *station)->area_id()));
    const auto validation = domain::Validate(planned.submission, Registry(), domain::Clock::now());
    EXPECT_TRUE(validation.rejections.empty() && validation.flags.empty())
        << planned.submission.DebugString();
  }
}

TEST(BreakSome, BreaksOneRelationInTheRatesShareOfProtocolsAndLeavesTheRestAlone) {
  auto protocols = CleanProtocols();
  Rng rng(1);
  BreakSome(rng, 0.02, protocols);
  const size_t wanted = CountFor(0.02, protocols.size(), 5);
  size_t broken = 0;
  std::set<int> codes;
  for (size_t i = 0; i < protocols.size(); ++i) {
    const auto& planned = protocols[i];
    if (planned.kind == SubmissionKind::kClean) {
      EXPECT_EQ(planned.submission.SerializeAsString(),
                CleanProtocols()[i].submission.SerializeAsString());
      continue;
    }
    ++broken;
    ASSERT_EQ(planned.kind, SubmissionKind::kBroken);
    EXPECT_EQ(planned.expected_outcome, v1::OUTCOME_ACCEPTED_WITH_FLAGS);
    const auto validation = domain::Validate(planned.submission, Registry(), domain::Clock::now());
    EXPECT_TRUE(validation.rejections.empty());
    ASSERT_EQ(validation.flags.size(), 1u) << planned.submission.DebugString();
    EXPECT_EQ(validation.flags[0].code(), planned.expected_code);
    codes.insert(planned.expected_code);
  }
  EXPECT_EQ(broken, wanted);
  EXPECT_EQ(codes.size(), 5u) << "the five relations take turns";
}

TEST(DrawConfirmations, ASecondObserverSendsTheSameFigures) {
  Rng rng(2);
  const auto confirmations = DrawConfirmations(rng, 0.03, kPlanSeed, CleanProtocols());
  EXPECT_EQ(confirmations.size(), CountFor(0.03, CleanProtocols().size(), 1));
  std::set<std::string> keys;
  for (const auto& copy : confirmations) {
    const auto& original = OriginalOf(copy, CleanProtocols());
    EXPECT_TRUE(keys.insert(Key(copy.submission)).second) << "one confirmation a protocol";
    EXPECT_EQ(copy.submission.observer_id(), "obs2-" + copy.submission.protocol().station_id());
    EXPECT_EQ(copy.submission.submission_id(), original.submission.submission_id() + "-confirm");
    EXPECT_NE(copy.submission.photo_sha256(), original.submission.photo_sha256());
    EXPECT_EQ(copy.submission.protocol().figures().SerializeAsString(),
              original.submission.protocol().figures().SerializeAsString());
    EXPECT_EQ(copy.submission.revision(), 0);
  }
}

TEST(DrawDisputes, AThirdObserverMovesAFewVotesBetweenTheFirstTwoOptions) {
  Rng rng(3);
  const auto disputes = DrawDisputes(rng, 0.03, kPlanSeed, CleanProtocols());
  EXPECT_EQ(disputes.size(), CountFor(0.03, CleanProtocols().size(), 1));
  size_t differing = 0;
  for (const auto& copy : disputes) {
    const auto& original = OriginalOf(copy, CleanProtocols());
    EXPECT_EQ(copy.submission.observer_id(), "obs3-" + copy.submission.protocol().station_id());
    EXPECT_EQ(copy.submission.submission_id(), original.submission.submission_id() + "-dispute");
    const auto& got = copy.submission.protocol().figures();
    const auto& was = original.submission.protocol().figures();
    EXPECT_EQ(TotalVotes(got), TotalVotes(was));
    for (int i = 2; i < got.option_votes_size(); ++i) {
      EXPECT_EQ(got.option_votes(i).votes(), was.option_votes(i).votes());
    }
    differing += got.option_votes(0).votes() != was.option_votes(0).votes();
    const auto validation = domain::Validate(copy.submission, Registry(), domain::Clock::now());
    EXPECT_TRUE(validation.rejections.empty() && validation.flags.empty());
  }
  EXPECT_GT(differing, 0u) << "a dispute needs other figures";
}

TEST(DrawRevisions, TheSameObserverSendsRevisionOneWithCorrectedFigures) {
  Rng rng(4);
  const auto revisions = DrawRevisions(rng, 0.03, kPlanSeed, CleanProtocols());
  EXPECT_EQ(revisions.size(), CountFor(0.03, CleanProtocols().size(), 1));
  for (const auto& copy : revisions) {
    const auto& original = OriginalOf(copy, CleanProtocols());
    EXPECT_EQ(copy.submission.revision(), 1);
    EXPECT_EQ(copy.submission.observer_id(), original.submission.observer_id());
    EXPECT_EQ(copy.submission.submission_id(), original.submission.submission_id() + "-rev1");
    EXPECT_EQ(TotalVotes(copy.submission.protocol().figures()),
              TotalVotes(original.submission.protocol().figures()));
  }
}

TEST(DrawOfficialResults, TheCommissionSendsEveryMazhilisStationOnce) {
  const auto official = DrawOfficialResults(Registry(), kPlanSeed, Hubs());
  size_t mazhilis_stations = 0;
  for (const auto& station : Registry().stations()) {
    mazhilis_stations += domain::Registry::HoldsContest(station, kMazhilis);
  }
  EXPECT_EQ(official.size(), mazhilis_stations);
  std::set<std::string> stations;
  for (const auto& planned : official) {
    const auto& submission = planned.submission;
    EXPECT_EQ(submission.source(), v1::SOURCE_OFFICIAL);
    // Attributed to the hub that typed it in (common/domain/attribution.h).
    EXPECT_EQ(submission.observer_id(), submission.hub_id());
    EXPECT_EQ(submission.protocol().contest_id(), kMazhilis);
    EXPECT_TRUE(stations.insert(submission.protocol().station_id()).second);
    const auto validation = domain::Validate(submission, Registry(), domain::Clock::now());
    EXPECT_TRUE(validation.rejections.empty() && validation.flags.empty());
  }
}

TEST(PickResends, PicksTheRatesShareOfDistinctProtocols) {
  Rng rng(5);
  const auto resent = PickResends(rng, 0.1, 500);
  EXPECT_EQ(resent.size(), 50u);
  EXPECT_EQ(std::set<size_t>(resent.begin(), resent.end()).size(), resent.size());
  EXPECT_LT(*std::max_element(resent.begin(), resent.end()), 500u);
}

TEST(DrawMalformed, EachIsRejectedForTheReasonItWasMadeFor) {
  Rng rng(6);
  const auto malformed = DrawMalformed(rng, 0.01, kPlanSeed, CleanProtocols());
  ASSERT_EQ(malformed.size(), CountFor(0.01, CleanProtocols().size(), 4));
  std::set<int> codes;
  for (size_t i = 0; i < malformed.size(); ++i) {
    const auto& planned = malformed[i];
    EXPECT_EQ(planned.submission.submission_id(),
              fmt::format("s{}-malformed-{}", kPlanSeed, i + 1));
    EXPECT_EQ(planned.kind, SubmissionKind::kMalformed);
    EXPECT_EQ(planned.expected_outcome, v1::OUTCOME_REJECTED);
    const auto validation = domain::Validate(planned.submission, Registry(), domain::Clock::now());
    bool has_code = false;
    for (const auto& reason : validation.rejections) {
      has_code |= reason.code() == planned.expected_code;
    }
    EXPECT_TRUE(has_code) << planned.submission.DebugString();
    codes.insert(planned.expected_code);
  }
  EXPECT_EQ(codes.size(), 4u) << "the four ways take turns";
}

TEST(InSendOrder, ShufflesEverySubmissionAndSendsEachResendAfterItsOriginal) {
  const auto& protocols = CleanProtocols();
  const std::vector<size_t> resent = {0, 7, 100, protocols.size() - 1};
  Rng rng(7);
  const auto sent = InSendOrder(rng, protocols, resent);
  ASSERT_EQ(sent.size(), protocols.size() + resent.size());
  std::map<std::string, size_t> first_at;
  size_t resends = 0, in_place = 0;
  for (size_t p = 0; p < sent.size(); ++p) {
    const auto& id = sent[p].submission.submission_id();
    if (sent[p].kind != SubmissionKind::kResend) {
      EXPECT_TRUE(first_at.emplace(id, p).second) << "sent twice as an original: " << id;
      in_place += p < protocols.size() && id == protocols[p].submission.submission_id();
      continue;
    }
    ++resends;
    ASSERT_TRUE(first_at.contains(id)) << "resend before its original: " << id;
    EXPECT_EQ(sent[p].expected_outcome, v1::OUTCOME_DUPLICATE);
    EXPECT_EQ(sent[p].submission.SerializeAsString(),
              sent[first_at[id]].submission.SerializeAsString());
  }
  EXPECT_EQ(first_at.size(), protocols.size());
  EXPECT_EQ(resends, resent.size());
  for (size_t index : resent) {
    EXPECT_TRUE(first_at.contains(protocols[index].submission.submission_id()));
  }
  EXPECT_LT(in_place, protocols.size() / 10) << "the order is shuffled";
}

// DrawPlan puts the steps together: each kind of submission comes in the number its rate asks.
TEST(Plan, HoldsAsManySubmissionsOfEachKindAsTheOptionsAskFor) {
  const PlanOptions options = {.seed = kPlanSeed,
                               .hubs = 3,
                               .broken_rate = 0.02,
                               .malformed_rate = 0.01,
                               .resend_rate = 0.04,
                               .confirm_rate = 0.03,
                               .dispute_rate = 0.02,
                               .revision_rate = 0.01,
                               .official_results = true};
  auto plan = DrawPlan(Registry(), options);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  const size_t n = CleanProtocols().size();
  std::map<SubmissionKind, size_t> kinds;
  size_t confirmations = 0, disputes = 0, revisions = 0, official = 0;
  for (const auto& planned : plan->submissions) {
    kinds[planned.kind] += 1;
    if (planned.kind == SubmissionKind::kResend) continue;
    const auto& s = planned.submission;
    confirmations += s.observer_id().starts_with("obs2-");
    disputes += s.observer_id().starts_with("obs3-");
    revisions += s.revision() == 1;
    official += s.source() == v1::SOURCE_OFFICIAL;
  }
  const auto official_results = DrawOfficialResults(Registry(), kPlanSeed, Hubs());
  EXPECT_EQ(kinds[SubmissionKind::kResend], CountFor(0.04, n, 1));
  EXPECT_EQ(kinds[SubmissionKind::kMalformed], CountFor(0.01, n, 4));
  // Copies of a broken protocol (other versions) carry its kind too.
  EXPECT_GE(kinds[SubmissionKind::kBroken], CountFor(0.02, n, 5));
  EXPECT_EQ(confirmations, CountFor(0.03, n, 1));
  EXPECT_EQ(disputes, CountFor(0.02, n, 1));
  EXPECT_EQ(revisions, CountFor(0.01, n, 1));
  EXPECT_EQ(official, official_results.size());
  EXPECT_EQ(plan->submissions.size(), n + CountFor(0.01, n, 4) + confirmations + disputes +
                                          revisions + official + CountFor(0.04, n, 1));
}

}  // namespace
}  // namespace hattama::hub
