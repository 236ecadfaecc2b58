#include "tools/hub/simulator/figures.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "tools/hub/simulator/synthetic.h"

namespace hattama::hub {
namespace {

// Spread of regional and per-station variation (log scale).
constexpr double kRegionTurnoutSigma = 0.15;
constexpr double kRegionShareSigma = 0.25;
constexpr double kStationTurnoutSigma = 0.10;
constexpr double kStationShareSigma = 0.15;

// A multiplicative factor with mean one: regional variation that does not shift the national mean.
double MeanOneNoise(Rng& rng, double sigma) {
  return std::exp(sigma * rng.Normal() - sigma * sigma / 2);
}

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
    // The report's five shares add up to 98: "against all" (on the synthetic ballot, see
    // synthetic.cc) gets the 2 left.
    target.shares["against-all"] = 2;
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
                     {"peoples-party", 9.1},
                     // The 2021 ballot had no such line: the announced shares add up to 100.
                     {"against-all", 0}};
    target.spoiled_min = 0.005;
    target.spoiled_max = 0.01;
  }
  return target;
}

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

v1::Figures DrawFigures(Rng& rng, const domain::Station& station, const v1::Contest& contest,
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

}  // namespace hattama::hub
