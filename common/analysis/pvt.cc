#include "common/analysis/pvt.h"

#include <cmath>
#include <map>

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

}  // namespace hattama::analysis
