#include "common/analysis/red_flags.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "common/analysis/share.h"

namespace hattama::analysis {
namespace {

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + mid, values.end());
  double upper = values[mid];
  if (values.size() % 2 == 1) return upper;
  double lower = *std::max_element(values.begin(), values.begin() + mid);
  return (lower + upper) / 2;
}

// Median and robust standard deviation (1.4826 × MAD, equal to σ for normal data).
std::pair<double, double> RobustCentreAndSpread(const std::vector<double>& values) {
  double median = Median(values);
  std::vector<double> deviations;
  deviations.reserve(values.size());
  for (double v : values) deviations.push_back(std::fabs(v - median));
  return {median, 1.4826 * Median(deviations)};
}

// The regularised lower incomplete gamma P(a, x), by its series (x < a + 1) or the continued
// fraction of Q (otherwise), as in Numerical Recipes §6.2.
double RegularisedGammaP(double a, double x) {
  if (x <= 0) return 0;
  const double log_prefix = a * std::log(x) - x - std::lgamma(a);
  if (x < a + 1) {
    double term = 1 / a, sum = term;
    for (int n = 1; n < 1000; ++n) {
      term *= x / (a + n);
      sum += term;
      if (std::fabs(term) < std::fabs(sum) * 1e-15) break;
    }
    return sum * std::exp(log_prefix);
  }
  const double tiny = 1e-300;
  double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
  for (int i = 1; i < 1000; ++i) {
    double an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (std::fabs(d) < tiny) d = tiny;
    c = b + an / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1 / d;
    double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1) < 1e-15) break;
  }
  return 1 - std::exp(log_prefix) * h;
}

}  // namespace

double ChiSquareSurvival(double x, int degrees) {
  return std::clamp(1 - RegularisedGammaP(degrees / 2.0, x / 2.0), 0.0, 1.0);
}

std::vector<RedFlag> FindRedFlags(std::span<const StationFigures> stations,
                                  const RedFlagOptions& options) {
  std::vector<RedFlag> flags;
  std::vector<double> turnouts, leads;
  std::vector<size_t> measured;
  for (size_t i = 0; i < stations.size(); ++i) {
    const auto& s = stations[i];
    if (s.registered_voters > 0) {
      double turnout = 100.0 * s.ballots_in_box / s.registered_voters;
      if (turnout > options.turnout_above_percent) {
        flags.push_back({s.station_id, RedFlagKind::kTurnoutAbove95,
                         fmt::format("turnout {:.1f} % ({} in the box of {} registered)", turnout,
                                     s.ballots_in_box, s.registered_voters)});
      }
    }
    if (s.ballots_valid < options.min_valid_votes || s.option_votes.empty()) continue;
    auto top = std::max_element(s.option_votes.begin(), s.option_votes.end());
    // The one definition of a share (share.h), as the totals and the seats publish it.
    const int64_t all_votes = AllOptionVotes(s.option_votes);
    const double lead = SharePercent(*top, all_votes);
    if (lead > options.option_above_percent) {
      flags.push_back({s.station_id, RedFlagKind::kOptionAbove90,
                       fmt::format("option {} has {:.1f} % ({} of {} votes)",
                                   top - s.option_votes.begin() + 1, lead, *top, all_votes)});
    }
    if (s.registered_voters > 0) {
      turnouts.push_back(100.0 * s.ballots_in_box / s.registered_voters);
      leads.push_back(lead);
      measured.push_back(i);
    }
  }

  // Outliers need a crowd to stand out of.
  if (measured.size() >= 10) {
    auto [turnout_median, turnout_sigma] = RobustCentreAndSpread(turnouts);
    auto [lead_median, lead_sigma] = RobustCentreAndSpread(leads);
    for (size_t k = 0; k < measured.size(); ++k) {
      bool high_turnout = turnouts[k] > turnout_median + options.outlier_sigmas * turnout_sigma;
      bool high_lead = leads[k] > lead_median + options.outlier_sigmas * lead_sigma;
      if (turnout_sigma > 0 && lead_sigma > 0 && high_turnout && high_lead) {
        flags.push_back({stations[measured[k]].station_id, RedFlagKind::kTurnoutShareOutlier,
                         fmt::format("turnout {:.1f} % (median {:.1f} %) and leading share "
                                     "{:.1f} % (median {:.1f} %)",
                                     turnouts[k], turnout_median, leads[k], lead_median)});
      }
    }
  }

  std::map<std::vector<int64_t>, std::vector<size_t>> same;
  for (size_t i = 0; i < stations.size(); ++i) {
    const auto& s = stations[i];
    if (s.ballots_valid <= 0) continue;
    std::vector<int64_t> key = {s.ballots_in_box, s.ballots_spoiled, s.ballots_valid};
    key.insert(key.end(), s.option_votes.begin(), s.option_votes.end());
    same[key].push_back(i);
  }
  for (const auto& [key, group] : same) {
    if (group.size() < 2) continue;
    for (size_t i : group) {
      std::string others;
      for (size_t j : group) {
        if (j == i) continue;
        if (!others.empty()) others += ", ";
        others += stations[j].station_id;
      }
      flags.push_back({stations[i].station_id, RedFlagKind::kIdenticalProtocol,
                       "the same figures as " + others});
    }
  }
  return flags;
}

LastDigitTest TestLastDigits(std::span<const int64_t> vote_counts, int64_t min_count) {
  LastDigitTest test;
  for (int64_t count : vote_counts) {
    if (count < min_count) continue;
    ++test.counts[static_cast<size_t>(count % 10)];
    ++test.n;
  }
  if (test.n == 0) return test;
  const double expected = test.n / 10.0;
  for (int64_t observed : test.counts) {
    test.chi_square += (observed - expected) * (observed - expected) / expected;
  }
  test.p_value = ChiSquareSurvival(test.chi_square, 9);
  return test;
}

}  // namespace hattama::analysis
