#include "tools/hub/simulator/plan_steps.h"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <unordered_map>

#include "common/base/digest.h"
#include "tools/hub/simulator/figures.h"
#include "tools/hub/simulator/observer_registry.h"
#include "tools/hub/simulator/plan.h"
#include "tools/hub/simulator/synthetic.h"

namespace hattama::hub {
namespace {

// 2021-01-10T14:00:00Z: polls closed at 20:00 in Astana (UTC+6).
constexpr int64_t kPollsClosedUnix = 1610287200;
constexpr int kBrokenVariants = 5;
constexpr int kMalformedVariants = 4;

std::string PhotoSha256(const std::string& text) { return Sha256(text); }

// Picks `count` distinct indices of [0, n) (partial Fisher-Yates), in the order drawn.
std::vector<size_t> PickDistinct(Rng& rng, size_t n, size_t count) {
  std::vector<size_t> all(n);
  std::iota(all.begin(), all.end(), 0);
  count = std::min(count, n);
  for (size_t i = 0; i < count; ++i) {
    std::swap(all[i], all[static_cast<size_t>(
                          rng.UniformInt(static_cast<int64_t>(i), static_cast<int64_t>(n) - 1))]);
  }
  all.resize(count);
  return all;
}

// What Break draws from the stream for `variant`, whatever the figures: k, and for variant 0 the
// option (PickOtherObservers draws the same without the figures).
void DrawAsBreak(Rng& rng, int variant) {
  rng.Next();
  if (variant == 0) rng.Next();
}

// Breaks exactly one control relation, keeping every figure non-negative. Returns its flag.
// Draws exactly what DrawAsBreak draws.
v1::ReasonCode Break(Rng& rng, int variant, v1::Figures& f) {
  const int64_t k = rng.UniformInt(1, 5);
  if (variant == 2 && f.ballots_in_box() < 1) variant = 4;
  switch (variant) {
    case 0: {
      auto* line =
          f.mutable_option_votes(static_cast<int>(rng.UniformInt(0, f.option_votes_size() - 1)));
      line->set_votes(line->votes() + k);
      return v1::REASON_CODE_OPTION_VOTES_NOT_VALID;
    }
    case 1:
      // The option votes still add up to valid; only valid + spoiled misses the box.
      f.set_ballots_spoiled(f.ballots_spoiled() + k);
      return v1::REASON_CODE_VALID_PLUS_SPOILED_NOT_IN_BOX;
    case 2: {
      const int64_t issued = f.ballots_in_box() - std::min(k, f.ballots_in_box());
      f.set_ballots_issued(issued);
      f.set_ballots_cancelled(f.ballots_received() - issued);
      return v1::REASON_CODE_IN_BOX_ABOVE_ISSUED;
    }
    case 3: {
      const int64_t issued = f.registered_voters() + f.additional_list_voters() + k;
      f.set_ballots_issued(issued);
      f.set_ballots_received(issued + f.ballots_cancelled());
      return v1::REASON_CODE_ISSUED_ABOVE_REGISTERED;
    }
    default:
      f.set_ballots_received(f.ballots_received() + k);
      return v1::REASON_CODE_RECEIVED_NOT_ISSUED_PLUS_CANCELLED;
  }
}

// Makes a copy of a real submission malformed in one way. Returns the reason it must get.
v1::ReasonCode Malform(Rng& rng, int variant, v1::Submission& submission) {
  auto* figures = submission.mutable_protocol()->mutable_figures();
  switch (variant) {
    case 0:
      submission.mutable_protocol()->set_station_id(
          fmt::format("UIK-UNKNOWN-{}", rng.UniformInt(1, 99999)));
      return v1::REASON_CODE_UNKNOWN_STATION;
    case 1: {
      // A list on no ballot of the election; zero votes keep every sum as it was.
      auto* line = figures->add_option_votes();
      line->set_option_id("unlisted-party");
      line->set_votes(0);
      return v1::REASON_CODE_UNKNOWN_OPTION;
    }
    case 2:
      switch (rng.UniformInt(0, 2)) {
        case 0:
          figures->clear_ballots_valid();
          break;
        case 1:
          figures->clear_ballots_in_box();
          break;
        default:
          figures->mutable_option_votes(0)->clear_votes();
          break;
      }
      return v1::REASON_CODE_MISSING;
    default:
      figures->set_ballots_spoiled(-rng.UniformInt(1, 50));
      return v1::REASON_CODE_NEGATIVE;
  }
}

// A copy of a protocol as another version of it: its own id (the original's with `suffix`), its
// observer, its own photo.
PlannedSubmission CopyOf(const PlannedSubmission& original, const std::string& suffix,
                         const std::string& observer, uint64_t seed) {
  PlannedSubmission copy = original;
  copy.submission.set_submission_id(copy.submission.submission_id() + "-" + suffix);
  copy.submission.set_observer_id(observer);
  copy.submission.set_photo_sha256(
      PhotoSha256(fmt::format("photo|{}|{}", seed, copy.submission.submission_id())));
  return copy;
}

// Moves a few votes from the first option to the second: other figures that keep every control
// relation as it was.
void MoveVotes(Rng& rng, v1::Figures& figures) {
  if (figures.option_votes_size() < 2) return;
  auto* from = figures.mutable_option_votes(0);
  const int64_t k = std::min<int64_t>(from->votes(), rng.UniformInt(1, 25));
  from->set_votes(from->votes() - k);
  auto* to = figures.mutable_option_votes(1);
  to->set_votes(to->votes() + k);
}

// Another version of each of CountFor(rate, n, 1) distinct protocols, made by `version` in the
// order picked (all picks are drawn first, then whatever `version` draws).
template <typename MakeVersion>
std::vector<PlannedSubmission> OtherVersions(Rng& rng, double rate,
                                             const std::vector<PlannedSubmission>& protocols,
                                             MakeVersion version) {
  std::vector<PlannedSubmission> versions;
  for (size_t index : PickDistinct(rng, protocols.size(), CountFor(rate, protocols.size(), 1))) {
    versions.push_back(version(protocols[index]));
  }
  return versions;
}

}  // namespace

size_t CountFor(double rate, size_t n, int variants) {
  if (rate <= 0 || n == 0) return 0;
  const auto wanted = static_cast<size_t>(std::llround(rate * static_cast<double>(n)));
  return std::max(wanted, std::min(n, static_cast<size_t>(variants)));
}

Result<HubAssignment> AssignRegionsToHubs(const domain::Registry& registry, int hubs) {
  if (hubs < 1) return Status::Error("at least one hub is needed");
  HubAssignment assignment;
  std::unordered_map<std::string, int64_t> stations_of_region;
  for (const auto& station : registry.stations()) {
    const v1::Area* region = RegionOf(registry, station);
    if (region == nullptr) return Status::Error("station " + station.station_id() + " has no area");
    if (stations_of_region[region->area_id()]++ == 0) assignment.regions.push_back(region);
  }
  std::vector<const v1::Area*> by_size = assignment.regions;
  std::sort(by_size.begin(), by_size.end(), [&](const auto* a, const auto* b) {
    const auto na = stations_of_region[a->area_id()], nb = stations_of_region[b->area_id()];
    return na != nb ? na > nb : a->area_id() < b->area_id();
  });
  for (int h = 1; h <= hubs; ++h) assignment.hub_ids.push_back(fmt::format("hub-{}", h));
  std::vector<int64_t> load(hubs, 0);
  for (const auto* region : by_size) {
    const auto hub = std::min_element(load.begin(), load.end()) - load.begin();
    load[hub] += stations_of_region[region->area_id()];
    assignment.hub_of_region[region->area_id()] = assignment.hub_ids[hub];
  }
  return assignment;
}

std::vector<PlannedSubmission> DrawCleanProtocols(const domain::Registry& registry, uint64_t seed,
                                                  const HubAssignment& hubs) {
  std::map<std::string, std::map<std::string, RegionDraw>> region_draws;
  for (const auto& contest : registry.election().contests()) {
    region_draws[contest.contest_id()] =
        DrawRegions(registry, contest, TargetFor(contest), hubs.regions, seed);
  }
  std::vector<PlannedSubmission> protocols;
  for (const auto& station : registry.stations()) {
    const v1::Area* region = RegionOf(registry, station);
    for (const auto& contest_id : station.contest_ids()) {
      const v1::Contest* contest = registry.FindContest(contest_id);
      Rng rng(StreamSeed(seed, station.station_id() + "|" + contest_id, 2));
      PlannedSubmission planned;
      auto& submission = planned.submission;
      submission.set_submission_id(
          fmt::format("s{}-{}-{}", seed, station.station_id(), contest_id));
      submission.set_observer_id("obs-" + station.station_id());
      submission.set_organisation_id(OrganisationOfStation(seed, station.station_id()));
      submission.set_hub_id(hubs.hub_of_region.at(region->area_id()));
      submission.set_source(v1::SOURCE_OBSERVER);
      submission.mutable_captured_time()->set_seconds(kPollsClosedUnix +
                                                      rng.UniformInt(0, 4 * 3600));
      submission.set_photo_sha256(
          PhotoSha256(fmt::format("photo|{}|{}", seed, submission.submission_id())));
      submission.set_revision(0);
      auto* protocol = submission.mutable_protocol();
      protocol->set_station_id(station.station_id());
      protocol->set_contest_id(contest_id);
      *protocol->mutable_figures() = DrawFigures(rng, station, *contest, TargetFor(*contest),
                                                 region_draws[contest_id].at(region->area_id()));
      protocols.push_back(std::move(planned));
    }
  }
  return protocols;
}

void BreakSome(Rng& rng, double rate, std::vector<PlannedSubmission>& protocols) {
  const auto broken =
      PickDistinct(rng, protocols.size(), CountFor(rate, protocols.size(), kBrokenVariants));
  for (size_t i = 0; i < broken.size(); ++i) {
    auto& planned = protocols[broken[i]];
    planned.kind = SubmissionKind::kBroken;
    planned.expected_outcome = v1::OUTCOME_ACCEPTED_WITH_FLAGS;
    planned.expected_code = Break(rng, static_cast<int>(i % kBrokenVariants),
                                  *planned.submission.mutable_protocol()->mutable_figures());
  }
}

std::vector<PlannedSubmission> DrawConfirmations(Rng& rng, double rate, uint64_t seed,
                                                 const std::vector<PlannedSubmission>& protocols) {
  return OtherVersions(rng, rate, protocols, [&](const PlannedSubmission& original) {
    return CopyOf(original, "confirm", "obs2-" + original.submission.protocol().station_id(), seed);
  });
}

std::vector<PlannedSubmission> DrawDisputes(Rng& rng, double rate, uint64_t seed,
                                            const std::vector<PlannedSubmission>& protocols) {
  return OtherVersions(rng, rate, protocols, [&](const PlannedSubmission& original) {
    auto copy =
        CopyOf(original, "dispute", "obs3-" + original.submission.protocol().station_id(), seed);
    MoveVotes(rng, *copy.submission.mutable_protocol()->mutable_figures());
    return copy;
  });
}

std::vector<PlannedSubmission> DrawRevisions(Rng& rng, double rate, uint64_t seed,
                                             const std::vector<PlannedSubmission>& protocols) {
  return OtherVersions(rng, rate, protocols, [&](const PlannedSubmission& original) {
    auto copy = CopyOf(original, "rev1", original.submission.observer_id(), seed);
    copy.submission.set_revision(1);
    MoveVotes(rng, *copy.submission.mutable_protocol()->mutable_figures());
    return copy;
  });
}

std::vector<PlannedSubmission> DrawOfficialResults(const domain::Registry& registry, uint64_t seed,
                                                   const HubAssignment& hubs) {
  std::vector<PlannedSubmission> official;
  for (const auto& contest : registry.election().contests()) {
    if (contest.contest_id() != kMazhilis) continue;
    const ContestTarget target = OfficialTargetFor(contest);
    const auto draws = DrawRegions(registry, contest, target, hubs.regions, seed + 1);
    for (const auto& station : registry.stations()) {
      if (!domain::Registry::HoldsContest(station, contest.contest_id())) continue;
      const v1::Area* region = RegionOf(registry, station);
      Rng rng(StreamSeed(seed, "official|" + station.station_id() + "|" + kMazhilis, 4));
      PlannedSubmission planned;
      auto& submission = planned.submission;
      submission.set_submission_id(
          fmt::format("s{}-official-{}-{}", seed, station.station_id(), kMazhilis));
      // Typed in by the region's hub, and attributed to it (common/domain/attribution.h).
      const std::string& hub_id = hubs.hub_of_region.at(region->area_id());
      submission.set_observer_id(hub_id);
      submission.set_organisation_id("central-election-commission");
      submission.set_hub_id(hub_id);
      submission.set_source(v1::SOURCE_OFFICIAL);
      submission.mutable_captured_time()->set_seconds(kPollsClosedUnix + 6 * 3600);
      auto* protocol = submission.mutable_protocol();
      protocol->set_station_id(station.station_id());
      protocol->set_contest_id(kMazhilis);
      *protocol->mutable_figures() =
          DrawFigures(rng, station, contest, target, draws.at(region->area_id()));
      official.push_back(std::move(planned));
    }
  }
  return official;
}

OtherObserverPicks PickOtherObservers(uint64_t seed, double broken_rate, double confirm_rate,
                                      double dispute_rate, size_t protocols) {
  Rng rng(StreamSeed(seed, "plan", 3));
  const size_t broken =
      PickDistinct(rng, protocols, CountFor(broken_rate, protocols, kBrokenVariants)).size();
  for (size_t i = 0; i < broken; ++i) DrawAsBreak(rng, static_cast<int>(i % kBrokenVariants));
  OtherObserverPicks picks;
  picks.confirmed = PickDistinct(rng, protocols, CountFor(confirm_rate, protocols, 1));
  picks.disputed = PickDistinct(rng, protocols, CountFor(dispute_rate, protocols, 1));
  return picks;
}

std::vector<size_t> PickResends(Rng& rng, double rate, size_t protocols) {
  return PickDistinct(rng, protocols, CountFor(rate, protocols, 1));
}

std::vector<PlannedSubmission> DrawMalformed(Rng& rng, double rate, uint64_t seed,
                                             const std::vector<PlannedSubmission>& protocols) {
  const auto from =
      PickDistinct(rng, protocols.size(), CountFor(rate, protocols.size(), kMalformedVariants));
  std::vector<PlannedSubmission> malformed;
  for (size_t i = 0; i < from.size(); ++i) {
    PlannedSubmission planned;
    planned.submission = protocols[from[i]].submission;
    planned.submission.set_submission_id(fmt::format("s{}-malformed-{}", seed, i + 1));
    planned.kind = SubmissionKind::kMalformed;
    planned.expected_outcome = v1::OUTCOME_REJECTED;
    planned.expected_code =
        Malform(rng, static_cast<int>(i % kMalformedVariants), planned.submission);
    malformed.push_back(std::move(planned));
  }
  return malformed;
}

std::vector<PlannedSubmission> InSendOrder(Rng& rng, std::vector<PlannedSubmission> submissions,
                                           const std::vector<size_t>& resent) {
  // Protocols arrive shuffled. Shuffling indices keeps `resent` meaningful.
  std::vector<size_t> order(submissions.size());
  std::iota(order.begin(), order.end(), 0);
  for (size_t i = order.size(); i > 1; --i) {
    std::swap(order[i - 1],
              order[static_cast<size_t>(rng.UniformInt(0, static_cast<int64_t>(i) - 1))]);
  }
  std::vector<size_t> position(submissions.size());
  for (size_t p = 0; p < order.size(); ++p) position[order[p]] = p;

  // Each resend goes to a random point after its original: sort keys p for originals and a key
  // in (p, n] for a resend of the original at p.
  struct Keyed {
    double key;
    size_t original;
    bool resend;
  };
  std::vector<Keyed> keyed;
  keyed.reserve(order.size() + resent.size());
  for (size_t p = 0; p < order.size(); ++p) {
    keyed.push_back({static_cast<double>(p), order[p], false});
  }
  const auto n = static_cast<double>(order.size());
  for (size_t index : resent) {
    const auto p = static_cast<double>(position[index]);
    keyed.push_back({p + (n - p) * rng.Uniform(0.001, 1.0), index, true});
  }
  std::stable_sort(keyed.begin(), keyed.end(),
                   [](const Keyed& a, const Keyed& b) { return a.key < b.key; });

  std::vector<PlannedSubmission> in_order;
  in_order.reserve(keyed.size());
  for (const auto& entry : keyed) {
    if (!entry.resend) {
      in_order.push_back(submissions[entry.original]);
      continue;
    }
    PlannedSubmission copy = submissions[entry.original];
    copy.kind = SubmissionKind::kResend;
    copy.expected_outcome = v1::OUTCOME_DUPLICATE;
    in_order.push_back(std::move(copy));
  }
  return in_order;
}

}  // namespace hattama::hub
