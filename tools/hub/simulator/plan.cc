#include "tools/hub/simulator/plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_map>

#include "common/base/digest.h"
#include "tools/hub/simulator/rng.h"
#include "tools/hub/simulator/synthetic.h"

namespace hattama::hub {
namespace {

// 2021-01-10T14:00:00Z: polls closed at 20:00 in Astana (UTC+6).
constexpr int64_t kPollsClosedUnix = 1610287200;
constexpr int kBrokenVariants = 5;
constexpr int kMalformedVariants = 4;
// Spread of regional and per-station variation (log scale).
constexpr double kRegionTurnoutSigma = 0.15;
constexpr double kRegionShareSigma = 0.25;
constexpr double kStationTurnoutSigma = 0.10;
constexpr double kStationShareSigma = 0.15;

const char* const kOrganisations[] = {"erkindik-kanaty", "adal-saylau", "oyan-qazaqstan"};

// A multiplicative factor with mean one: regional variation that does not shift the national mean.
double MeanOneNoise(Rng& rng, double sigma) {
  return std::exp(sigma * rng.Normal() - sigma * sigma / 2);
}

std::string PhotoSha256(const std::string& text) { return Sha256(text); }

// Splits `total` in proportion to `shares` so that the parts add up exactly.
std::vector<int64_t> SplitVotes(int64_t total, const std::vector<double>& shares) {
  std::vector<int64_t> parts(shares.size(), 0);
  std::vector<std::pair<double, size_t>> remainders;
  int64_t given = 0;
  for (size_t i = 0; i < shares.size(); ++i) {
    const double exact = static_cast<double>(total) * shares[i];
    parts[i] = static_cast<int64_t>(std::floor(exact));
    given += parts[i];
    remainders.emplace_back(exact - static_cast<double>(parts[i]), i);
  }
  std::sort(remainders.begin(), remainders.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  for (int64_t i = 0; i < total - given; ++i) parts[remainders[i % shares.size()].second] += 1;
  return parts;
}

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

size_t CountFor(double rate, size_t n, int variants) {
  if (rate <= 0 || n == 0) return 0;
  const auto wanted = static_cast<size_t>(std::llround(rate * static_cast<double>(n)));
  return std::max(wanted, std::min(n, static_cast<size_t>(variants)));
}

// Turnout and option shares of one region for one contest.
struct RegionDraw {
  double turnout = 0;
  std::vector<double> shares;  // in ballot order, summing to one
};

// Draws regional variation for one contest, then pins it so that the voter-weighted national
// means equal the target: regions differ, the country comes out at the observers' figures.
std::map<std::string, RegionDraw> DrawRegions(const domain::Registry& registry,
                                              const v1::Contest& contest,
                                              const ContestTarget& target,
                                              const std::vector<const v1::Area*>& regions,
                                              uint64_t seed) {
  const size_t options = contest.options_size();
  std::vector<double> base(options, 0);
  double named_sum = 0;
  int named = 0;
  for (size_t i = 0; i < options; ++i) {
    auto it = target.shares.find(contest.options(i).option_id());
    if (it != target.shares.end()) {
      base[i] = it->second;
      named_sum += it->second;
      ++named;
    }
  }
  const double fallback = named > 0 ? named_sum / named : 1.0;
  for (size_t i = 0; i < options; ++i) {
    if (!target.shares.contains(contest.options(i).option_id())) base[i] = fallback;
  }
  const double base_sum = std::accumulate(base.begin(), base.end(), 0.0);
  for (auto& b : base) b /= base_sum;

  std::map<std::string, RegionDraw> draws;
  std::map<std::string, double> weight;
  double total_weight = 0;
  for (const auto* region : regions) {
    const double voters =
        static_cast<double>(registry.VotersRegistered(region->area_id(), contest.contest_id()));
    if (voters == 0) continue;
    Rng rng(StreamSeed(seed, region->area_id() + "|" + contest.contest_id(), 1));
    RegionDraw draw;
    draw.turnout = target.turnout * MeanOneNoise(rng, kRegionTurnoutSigma);
    for (size_t i = 0; i < options; ++i) {
      draw.shares.push_back(base[i] * MeanOneNoise(rng, kRegionShareSigma));
    }
    weight[region->area_id()] = voters;
    total_weight += voters;
    draws.emplace(region->area_id(), std::move(draw));
  }
  if (draws.empty()) return draws;

  double mean_turnout = 0;
  for (const auto& [id, draw] : draws) mean_turnout += weight[id] * draw.turnout / total_weight;
  for (auto& [id, draw] : draws) {
    draw.turnout = std::clamp(draw.turnout * target.turnout / mean_turnout, 0.05, 0.9);
  }
  // Iterative proportional fitting: rows (regions) sum to one, the ballot-weighted column means
  // (national shares) converge to the target.
  for (int round = 0; round < 20; ++round) {
    for (auto& [id, draw] : draws) {
      const double sum = std::accumulate(draw.shares.begin(), draw.shares.end(), 0.0);
      for (auto& s : draw.shares) s /= sum;
    }
    if (round == 19) break;
    std::vector<double> national(options, 0);
    double ballots = 0;
    for (const auto& [id, draw] : draws) {
      const double w = weight[id] * draw.turnout;
      ballots += w;
      for (size_t i = 0; i < options; ++i) national[i] += w * draw.shares[i];
    }
    for (auto& [id, draw] : draws) {
      for (size_t i = 0; i < options; ++i) {
        if (national[i] > 0) draw.shares[i] *= base[i] * ballots / national[i];
      }
    }
  }
  return draws;
}

// A consistent protocol of one station for one contest.
v1::Figures DrawFigures(Rng& rng, const v1::Station& station, const v1::Contest& contest,
                        const ContestTarget& target, const RegionDraw& region) {
  const int64_t registered = station.registered_voters();
  const double turnout =
      std::clamp(region.turnout * MeanOneNoise(rng, kStationTurnoutSigma), 0.02, 0.95);
  const auto additional = std::llround(static_cast<double>(registered) * rng.Uniform(0, 0.02));
  const auto in_box = std::llround(static_cast<double>(registered) * turnout);
  // A few ballots are issued and not put in the box (taken away).
  const int64_t issued = std::min<int64_t>(
      registered + additional,
      in_box + rng.UniformInt(0, std::llround(static_cast<double>(in_box) * 0.01)));
  const int64_t received = registered + additional +
                           std::llround(static_cast<double>(registered) * rng.Uniform(0, 0.01));
  const auto spoiled = std::llround(static_cast<double>(in_box) *
                                    rng.Uniform(target.spoiled_min, target.spoiled_max));
  const int64_t valid = in_box - spoiled;

  std::vector<double> shares;
  for (double share : region.shares)
    shares.push_back(share * MeanOneNoise(rng, kStationShareSigma));
  const double sum = std::accumulate(shares.begin(), shares.end(), 0.0);
  for (auto& s : shares) s /= sum;
  const auto votes = SplitVotes(valid, shares);

  v1::Figures figures;
  figures.set_registered_voters(registered);
  figures.set_additional_list_voters(additional);
  figures.set_ballots_received(received);
  figures.set_ballots_issued(issued);
  figures.set_ballots_cancelled(received - issued);
  figures.set_ballots_in_box(in_box);
  figures.set_ballots_spoiled(spoiled);
  figures.set_ballots_valid(valid);
  for (int i = 0; i < contest.options_size(); ++i) {
    auto* line = figures.add_option_votes();
    line->set_option_id(contest.options(i).option_id());
    line->set_votes(votes[i]);
  }
  return figures;
}

// Breaks exactly one control relation, keeping every figure non-negative. Returns its flag.
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
      // "Against all" is not on these ballots; zero votes keep every sum as it was.
      auto* line = figures->add_option_votes();
      line->set_option_id("against-all");
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

}  // namespace

ContestTarget TargetFor(const v1::Contest& contest) {
  ContestTarget target;
  auto parties = [](double nur_otan, double ak_zhol, double adal, double auyl, double peoples) {
    return std::map<std::string, double>{{"nur-otan", nur_otan},
                                         {"ak-zhol", ak_zhol},
                                         {"adal", adal},
                                         {"auyl", auyl},
                                         {"peoples-party", peoples}};
  };
  if (contest.contest_id() == kMazhilis) {
    target.turnout = 0.32;
    target.shares = parties(50, 18, 12, 10, 8);
  } else if (contest.contest_id() == kOblastMaslikhat) {
    target.turnout = 0.38;
    target.shares = parties(58, 16, 10, 9, 3);
  } else if (contest.contest_id() == kCityMaslikhat) {
    target.turnout = 0.25;
    target.shares = parties(44, 21, 14, 14, 3);
  }
  return target;
}

ContestTarget OfficialTargetFor(const v1::Contest& contest) {
  ContestTarget target = TargetFor(contest);
  if (contest.contest_id() == kMazhilis) {
    target.turnout = 0.63;
    target.shares = {{"nur-otan", 71.1},
                     {"ak-zhol", 10.9},
                     {"adal", 3.6},
                     {"auyl", 5.3},
                     {"peoples-party", 9.1}};
    target.spoiled_min = 0.005;
    target.spoiled_max = 0.01;
  }
  return target;
}

const v1::Area* RegionOf(const domain::Registry& registry, const v1::Station& station) {
  if (const v1::Area* region = registry.RegionOf(station)) return region;
  const auto chain = registry.EnclosingAreas(station);
  // A tree without regions: the area just below the nation stands in for one.
  return chain.size() >= 2 ? chain[chain.size() - 2] : (chain.empty() ? nullptr : chain[0]);
}

Result<Plan> DrawPlan(const domain::Registry& registry, const PlanOptions& options) {
  if (options.hubs < 1) return Status::Error("at least one hub is needed");
  for (double rate : {options.broken_rate, options.malformed_rate, options.resend_rate}) {
    if (rate < 0 || rate > 1) return Status::Error("rates must be between 0 and 1");
  }
  Plan plan;

  // Regions and their hubs: the largest regions first, each to the least loaded hub.
  std::vector<const v1::Area*> regions;
  std::unordered_map<std::string, int64_t> stations_of_region;
  for (const auto& station : registry.stations()) {
    const v1::Area* region = RegionOf(registry, station);
    if (region == nullptr) return Status::Error("station " + station.station_id() + " has no area");
    if (stations_of_region[region->area_id()]++ == 0) regions.push_back(region);
  }
  std::vector<const v1::Area*> by_size = regions;
  std::sort(by_size.begin(), by_size.end(), [&](const auto* a, const auto* b) {
    const auto na = stations_of_region[a->area_id()], nb = stations_of_region[b->area_id()];
    return na != nb ? na > nb : a->area_id() < b->area_id();
  });
  for (int h = 1; h <= options.hubs; ++h) plan.hub_ids.push_back(fmt::format("hub-{}", h));
  std::vector<int64_t> load(options.hubs, 0);
  for (const auto* region : by_size) {
    const auto hub = std::min_element(load.begin(), load.end()) - load.begin();
    load[hub] += stations_of_region[region->area_id()];
    plan.hub_of_region[region->area_id()] = plan.hub_ids[hub];
  }

  std::map<std::string, std::map<std::string, RegionDraw>> region_draws;
  for (const auto& contest : registry.election().contests()) {
    region_draws[contest.contest_id()] =
        DrawRegions(registry, contest, TargetFor(contest), regions, options.seed);
  }

  // One clean protocol per station × contest, in registry order.
  std::vector<PlannedSubmission> originals;
  for (const auto& station : registry.stations()) {
    const v1::Area* region = RegionOf(registry, station);
    for (const auto& contest_id : station.contest_ids()) {
      const v1::Contest* contest = registry.FindContest(contest_id);
      Rng rng(StreamSeed(options.seed, station.station_id() + "|" + contest_id, 2));
      PlannedSubmission planned;
      auto& submission = planned.submission;
      submission.set_submission_id(
          fmt::format("s{}-{}-{}", options.seed, station.station_id(), contest_id));
      submission.set_observer_id("obs-" + station.station_id());
      submission.set_organisation_id(
          kOrganisations[StreamSeed(options.seed, station.station_id()) % 3]);
      submission.set_hub_id(plan.hub_of_region[region->area_id()]);
      submission.set_source(v1::SOURCE_OBSERVER);
      submission.mutable_captured_time()->set_seconds(kPollsClosedUnix +
                                                      rng.UniformInt(0, 4 * 3600));
      submission.set_photo_sha256(
          PhotoSha256(fmt::format("photo|{}|{}", options.seed, submission.submission_id())));
      submission.set_revision(0);
      auto* protocol = submission.mutable_protocol();
      protocol->set_station_id(station.station_id());
      protocol->set_contest_id(contest_id);
      *protocol->mutable_figures() = DrawFigures(rng, station, *contest, TargetFor(*contest),
                                                 region_draws[contest_id].at(region->area_id()));
      originals.push_back(std::move(planned));
    }
  }
  const size_t protocols = originals.size();

  Rng rng(StreamSeed(options.seed, "plan", 3));
  const auto broken =
      PickDistinct(rng, protocols, CountFor(options.broken_rate, protocols, kBrokenVariants));
  for (size_t i = 0; i < broken.size(); ++i) {
    auto& planned = originals[broken[i]];
    planned.kind = SubmissionKind::kBroken;
    planned.expected_outcome = v1::OUTCOME_ACCEPTED_WITH_FLAGS;
    planned.expected_code = Break(rng, static_cast<int>(i % kBrokenVariants),
                                  *planned.submission.mutable_protocol()->mutable_figures());
  }
  // Other versions of a protocol: copies of the (possibly broken) original, so they carry its
  // flag; moving votes between two options keeps every control relation as it was.
  auto copy_of = [&](size_t index, const std::string& suffix, const std::string& observer) {
    PlannedSubmission copy = originals[index];
    copy.submission.set_submission_id(copy.submission.submission_id() + "-" + suffix);
    copy.submission.set_observer_id(observer);
    copy.submission.set_photo_sha256(
        PhotoSha256(fmt::format("photo|{}|{}", options.seed, copy.submission.submission_id())));
    return copy;
  };
  auto move_votes = [&](v1::Figures& figures) {
    if (figures.option_votes_size() < 2) return;
    auto* from = figures.mutable_option_votes(0);
    const int64_t k = std::min<int64_t>(from->votes(), rng.UniformInt(1, 25));
    from->set_votes(from->votes() - k);
    auto* to = figures.mutable_option_votes(1);
    to->set_votes(to->votes() + k);
  };
  std::vector<PlannedSubmission> extras;
  for (size_t index : PickDistinct(rng, protocols, CountFor(options.confirm_rate, protocols, 1))) {
    extras.push_back(
        copy_of(index, "confirm", "obs2-" + originals[index].submission.protocol().station_id()));
  }
  for (size_t index : PickDistinct(rng, protocols, CountFor(options.dispute_rate, protocols, 1))) {
    auto copy =
        copy_of(index, "dispute", "obs3-" + originals[index].submission.protocol().station_id());
    move_votes(*copy.submission.mutable_protocol()->mutable_figures());
    extras.push_back(std::move(copy));
  }
  for (size_t index : PickDistinct(rng, protocols, CountFor(options.revision_rate, protocols, 1))) {
    auto copy = copy_of(index, "rev1", originals[index].submission.observer_id());
    copy.submission.set_revision(1);
    move_votes(*copy.submission.mutable_protocol()->mutable_figures());
    extras.push_back(std::move(copy));
  }
  if (options.official_results) {
    for (const auto& contest : registry.election().contests()) {
      if (contest.contest_id() != kMazhilis) continue;
      const ContestTarget target = OfficialTargetFor(contest);
      const auto draws = DrawRegions(registry, contest, target, regions, options.seed + 1);
      for (const auto& station : registry.stations()) {
        if (!domain::Registry::HoldsContest(station, contest.contest_id())) continue;
        const v1::Area* region = RegionOf(registry, station);
        Rng official_rng(
            StreamSeed(options.seed, "official|" + station.station_id() + "|" + kMazhilis, 4));
        PlannedSubmission planned;
        auto& submission = planned.submission;
        submission.set_submission_id(
            fmt::format("s{}-official-{}-{}", options.seed, station.station_id(), kMazhilis));
        submission.set_observer_id("cec");
        submission.set_organisation_id("central-election-commission");
        submission.set_hub_id(plan.hub_of_region[region->area_id()]);
        submission.set_source(v1::SOURCE_OFFICIAL);
        submission.mutable_captured_time()->set_seconds(kPollsClosedUnix + 6 * 3600);
        auto* protocol = submission.mutable_protocol();
        protocol->set_station_id(station.station_id());
        protocol->set_contest_id(kMazhilis);
        *protocol->mutable_figures() =
            DrawFigures(official_rng, station, contest, target, draws.at(region->area_id()));
        extras.push_back(std::move(planned));
      }
    }
  }
  std::vector<size_t> resent =
      PickDistinct(rng, protocols, CountFor(options.resend_rate, protocols, 1));
  const auto malformed_from =
      PickDistinct(rng, protocols, CountFor(options.malformed_rate, protocols, kMalformedVariants));
  for (size_t i = 0; i < malformed_from.size(); ++i) {
    PlannedSubmission planned;
    planned.submission = originals[malformed_from[i]].submission;
    planned.submission.set_submission_id(fmt::format("s{}-malformed-{}", options.seed, i + 1));
    planned.kind = SubmissionKind::kMalformed;
    planned.expected_outcome = v1::OUTCOME_REJECTED;
    planned.expected_code =
        Malform(rng, static_cast<int>(i % kMalformedVariants), planned.submission);
    originals.push_back(std::move(planned));
  }

  for (auto& extra : extras) originals.push_back(std::move(extra));

  // Election night order: protocols arrive shuffled. Shuffling indices keeps `resent` (indices
  // into the registry-ordered protocols) meaningful.
  std::vector<size_t> order(originals.size());
  std::iota(order.begin(), order.end(), 0);
  for (size_t i = order.size(); i > 1; --i) {
    std::swap(order[i - 1],
              order[static_cast<size_t>(rng.UniformInt(0, static_cast<int64_t>(i) - 1))]);
  }
  std::vector<size_t> position(originals.size());
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
  for (size_t p = 0; p < order.size(); ++p)
    keyed.push_back({static_cast<double>(p), order[p], false});
  const auto n = static_cast<double>(order.size());
  for (size_t index : resent) {
    const auto p = static_cast<double>(position[index]);
    keyed.push_back({p + (n - p) * rng.Uniform(0.001, 1.0), index, true});
  }
  std::stable_sort(keyed.begin(), keyed.end(),
                   [](const Keyed& a, const Keyed& b) { return a.key < b.key; });

  plan.submissions.reserve(keyed.size());
  for (const auto& entry : keyed) {
    if (!entry.resend) {
      plan.submissions.push_back(originals[entry.original]);
      continue;
    }
    PlannedSubmission copy = originals[entry.original];
    copy.kind = SubmissionKind::kResend;
    copy.expected_outcome = v1::OUTCOME_DUPLICATE;
    plan.submissions.push_back(std::move(copy));
  }
  plan.truth = ComputeTruth(registry, plan.submissions);
  plan.expected = CountExpected(plan.submissions);
  return plan;
}

}  // namespace hattama::hub
