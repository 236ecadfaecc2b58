#include "common/analysis/pvt.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

namespace hattama::analysis {

std::vector<StratumSums> SumByStratum(std::span<const SampledStation> sample, size_t option_count) {
  std::vector<StratumSums> sums;
  std::map<std::string, size_t> index;
  for (const auto& station : sample) {
    auto [it, added] = index.emplace(station.stratum, sums.size());
    if (added) {
      sums.push_back({.stratum = station.stratum,
                      .y = std::vector<int64_t>(option_count, 0),
                      .yy = std::vector<int64_t>(option_count, 0),
                      .xy = std::vector<int64_t>(option_count, 0)});
    }
    StratumSums& stratum = sums[it->second];
    const int64_t x = station.valid;
    ++stratum.stations;
    stratum.x += x;
    stratum.xx += x * x;
    for (size_t k = 0; k < option_count && k < station.option_votes.size(); ++k) {
      const int64_t y = station.option_votes[k];
      stratum.y[k] += y;
      stratum.yy[k] += y * y;
      stratum.xy[k] += x * y;
    }
  }
  return sums;
}

namespace {

// The i-th entry of one of a stratum's per-option sums, 0 past its end.
int64_t At(const std::vector<int64_t>& sums, size_t k) { return k < sums.size() ? sums[k] : 0; }

// The sums of one option over some stations (a stratum, or all of them pooled).
struct OptionSums {
  int64_t n = 0, x = 0, xx = 0, y = 0, yy = 0, xy = 0;

  OptionSums(const StratumSums& s, size_t k)
      : n(s.stations), x(s.x), xx(s.xx), y(At(s.y, k)), yy(At(s.yy, k)), xy(At(s.xy, k)) {}
  OptionSums() = default;
  void Add(const OptionSums& o) {
    n += o.n, x += o.x, xx += o.xx, y += o.y, yy += o.yy, xy += o.xy;
  }

  // The sample variance of the residuals d = y − R x: s² = (Σd² − (Σd)²/n)/(n − 1), which is
  // (S_yy − 2R S_xy + R² S_xx)/(n(n − 1)) with S_ab = nΣab − ΣaΣb. The S are exact in 128-bit
  // integers, so that no digits cancel: Σd² and (Σd)²/n in doubles are large and nearly equal
  // when the residuals are alike (sampled stations all with the same figures gave a margin of
  // 2e-7 points instead of 0). 0 below two stations; never negative.
  double ResidualVariance(double ratio) const {
    if (n < 2) return 0;
    auto centered = [this](int64_t sum_ab, int64_t sum_a, int64_t sum_b) {
      return static_cast<double>(static_cast<__int128>(n) * sum_ab -
                                 static_cast<__int128>(sum_a) * sum_b);
    };
    const double spread =
        centered(yy, y, y) - 2 * ratio * centered(xy, x, y) + ratio * ratio * centered(xx, x, x);
    return std::max(0.0, spread / (static_cast<double>(n) * static_cast<double>(n - 1)));
  }
};

}  // namespace

PvtEstimate EstimateSharesFromSums(std::span<const StratumSums> sums,
                                   std::span<const Stratum> strata, size_t option_count) {
  PvtEstimate estimate;
  estimate.options.resize(option_count);
  estimate.strata_total = static_cast<int64_t>(strata.size());
  std::map<std::string, int64_t> population;
  for (const auto& stratum : strata) population[stratum.stratum] = stratum.stations;
  // The strata sampled, each with its N_h.
  std::vector<std::pair<const StratumSums*, double>> sampled;
  for (const auto& stratum : sums) {
    auto found = population.find(stratum.stratum);
    if (found == population.end() || stratum.stations <= 0) continue;  // Not part of it.
    sampled.emplace_back(&stratum, static_cast<double>(found->second));
    estimate.sampled_stations += stratum.stations;
  }
  estimate.strata_sampled = static_cast<int64_t>(sampled.size());
  if (sampled.empty()) return estimate;

  // Expanded totals: X = Σ N_h x̄_h, Y_k = Σ N_h ȳ_hk.
  double x_total = 0;
  std::vector<double> y_total(option_count, 0);
  for (const auto& [stratum, big_n] : sampled) {
    const double weight = big_n / static_cast<double>(stratum->stations);
    x_total += weight * static_cast<double>(stratum->x);
    for (size_t k = 0; k < option_count; ++k) {
      y_total[k] += weight * static_cast<double>(At(stratum->y, k));
    }
  }
  if (x_total <= 0) return estimate;

  for (size_t k = 0; k < option_count; ++k) {
    const double ratio = y_total[k] / x_total;
    // Pooled over all sampled stations, for strata with a single station.
    OptionSums pooled;
    for (const auto& [stratum, big_n] : sampled) pooled.Add(OptionSums(*stratum, k));
    const double pooled_variance = pooled.ResidualVariance(ratio);

    double variance = 0;
    for (const auto& [stratum, big_n] : sampled) {
      const double n = static_cast<double>(stratum->stations);
      const double s2 =
          stratum->stations > 1 ? OptionSums(*stratum, k).ResidualVariance(ratio) : pooled_variance;
      const double finite_population = big_n > 0 ? std::max(0.0, 1.0 - n / big_n) : 0;
      variance += big_n * big_n * finite_population * s2 / n;
    }
    variance /= x_total * x_total;
    estimate.options[k].share_percent = 100.0 * ratio;
    estimate.options[k].margin_percent = 100.0 * 1.96 * std::sqrt(std::max(0.0, variance));
  }
  return estimate;
}

PvtEstimate EstimateShares(std::span<const SampledStation> sample, std::span<const Stratum> strata,
                           size_t option_count) {
  return EstimateSharesFromSums(SumByStratum(sample, option_count), strata, option_count);
}

SampleEstimate EstimateFromSample(std::span<const SampledStation> reported,
                                  std::span<const SampleStratum> strata, size_t option_count) {
  SampleEstimate out;
  std::vector<Stratum> population;
  std::map<std::string, int64_t> reports;
  for (const auto& station : reported) ++reports[station.stratum];
  for (const auto& stratum : strata) {
    population.push_back({stratum.stratum, stratum.stations});
    StratumCompletion completion{stratum.stratum, stratum.stations, stratum.sampled};
    const auto found = reports.find(stratum.stratum);
    completion.reported = found == reports.end() ? 0 : found->second;
    if (stratum.sampled > 0) {
      completion.completion_percent = 100.0 * completion.reported / stratum.sampled;
    }
    completion.under_reported = completion.completion_percent < kMinSampleCompletionPercent;
    out.under_reported = out.under_reported || completion.under_reported;
    out.sampled += stratum.sampled;
    out.reported += completion.reported;
    out.strata.push_back(std::move(completion));
  }
  out.estimate = EstimateShares(reported, population, option_count);
  return out;
}

int64_t SampleSize(int64_t population, const SampleSizeOptions& options) {
  if (population <= 0 || !(options.margin_percent > 0)) return 0;
  constexpr double kZ = 1.96;
  const double n0 = std::pow(kZ * options.spread_percent / options.margin_percent, 2);
  const double n = n0 / (1 + (n0 - 1) / static_cast<double>(population));
  return std::clamp<int64_t>(static_cast<int64_t>(std::ceil(n - 1e-9)), 1, population);
}

std::vector<int64_t> AllocateSample(std::span<const Stratum> strata, int64_t n,
                                    int64_t min_per_stratum) {
  std::vector<int64_t> sizes(strata.size(), 0);
  const int64_t total =
      std::accumulate(strata.begin(), strata.end(), int64_t{0},
                      [](int64_t sum, const Stratum& s) { return sum + s.stations; });
  if (total <= 0) return sizes;
  n = std::min(n, total);
  // Integer arithmetic, so that equal remainders are equal and ties fall to the first stratum.
  std::vector<std::pair<int64_t, size_t>> remainders;
  int64_t given = 0;
  for (size_t h = 0; h < strata.size(); ++h) {
    sizes[h] = n * strata[h].stations / total;
    given += sizes[h];
    remainders.emplace_back(n * strata[h].stations % total, h);
  }
  std::stable_sort(remainders.begin(), remainders.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (int64_t i = 0; i < n - given; ++i) ++sizes[remainders[static_cast<size_t>(i)].second];
  for (size_t h = 0; h < strata.size(); ++h) {
    sizes[h] = std::max(sizes[h], std::min(min_per_stratum, strata[h].stations));
  }
  return sizes;
}

}  // namespace hattama::analysis
