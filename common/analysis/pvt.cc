#include "common/analysis/pvt.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

namespace hattama::analysis {

PvtEstimate EstimateShares(std::span<const SampledStation> sample, std::span<const Stratum> strata,
                           size_t option_count) {
  PvtEstimate estimate;
  estimate.options.resize(option_count);
  estimate.strata_total = static_cast<int64_t>(strata.size());
  std::map<std::string, int64_t> population;
  for (const auto& stratum : strata) population[stratum.stratum] = stratum.stations;
  std::map<std::string, std::vector<const SampledStation*>> by_stratum;
  for (const auto& station : sample) {
    if (!population.contains(station.stratum)) continue;  // Not part of the population.
    by_stratum[station.stratum].push_back(&station);
    ++estimate.sampled_stations;
  }
  estimate.strata_sampled = static_cast<int64_t>(by_stratum.size());
  if (by_stratum.empty()) return estimate;

  // Expanded totals: X = Σ N_h x̄_h, Y_k = Σ N_h ȳ_hk.
  double x_total = 0;
  std::vector<double> y_total(option_count, 0);
  for (const auto& [id, stations] : by_stratum) {
    const double weight = static_cast<double>(population[id]) / stations.size();
    for (const auto* station : stations) {
      x_total += weight * station->valid;
      for (size_t k = 0; k < option_count && k < station->option_votes.size(); ++k) {
        y_total[k] += weight * station->option_votes[k];
      }
    }
  }
  if (x_total <= 0) return estimate;

  for (size_t k = 0; k < option_count; ++k) {
    const double ratio = y_total[k] / x_total;
    auto residual = [&](const SampledStation* s) {
      const double y = k < s->option_votes.size() ? s->option_votes[k] : 0;
      return y - ratio * s->valid;
    };
    // Pooled variance of the residuals, for strata with a single station.
    double pooled_sum = 0, pooled_sq = 0;
    int64_t pooled_n = 0;
    for (const auto& [id, stations] : by_stratum) {
      for (const auto* s : stations) {
        double d = residual(s);
        pooled_sum += d;
        pooled_sq += d * d;
        ++pooled_n;
      }
    }
    const double pooled_variance =
        pooled_n > 1 ? (pooled_sq - pooled_sum * pooled_sum / pooled_n) / (pooled_n - 1) : 0;

    double variance = 0;
    for (const auto& [id, stations] : by_stratum) {
      const double n = static_cast<double>(stations.size());
      const double big_n = static_cast<double>(population[id]);
      double s2 = pooled_variance;
      if (stations.size() > 1) {
        double sum = 0, sq = 0;
        for (const auto* s : stations) {
          double d = residual(s);
          sum += d;
          sq += d * d;
        }
        s2 = (sq - sum * sum / n) / (n - 1);
      }
      const double finite_population = big_n > 0 ? std::max(0.0, 1.0 - n / big_n) : 0;
      variance += big_n * big_n * finite_population * s2 / n;
    }
    variance /= x_total * x_total;
    estimate.options[k].share_percent = 100.0 * ratio;
    estimate.options[k].margin_percent = 100.0 * 1.96 * std::sqrt(std::max(0.0, variance));
  }
  return estimate;
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
