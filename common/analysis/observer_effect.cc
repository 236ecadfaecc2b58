#include "common/analysis/observer_effect.h"

#include <cmath>

namespace hattama::analysis {
namespace {

constexpr double kZ95 = 1.96;

struct GroupRatio {
  double ratio = 0;
  double variance = 0;
  // A variance exists: at least two stations and a positive denominator.
  bool has_variance = false;
};

GroupRatio Estimate(std::span<const StationRatio> stations) {
  double y = 0;
  double x = 0;
  for (const auto& s : stations) {
    y += static_cast<double>(s.numerator);
    x += static_cast<double>(s.denominator);
  }
  GroupRatio group;
  if (x <= 0) return group;
  group.ratio = y / x;
  const auto n = static_cast<double>(stations.size());
  if (stations.size() < 2) return group;
  double residuals = 0;
  for (const auto& s : stations) {
    const double d =
        static_cast<double>(s.numerator) - group.ratio * static_cast<double>(s.denominator);
    residuals += d * d;
  }
  group.variance = n / (n - 1) * residuals / (x * x);
  group.has_variance = true;
  return group;
}

}  // namespace

RatioComparison CompareRatios(std::span<const StationRatio> with,
                              std::span<const StationRatio> without) {
  const GroupRatio a = Estimate(with);
  const GroupRatio b = Estimate(without);
  RatioComparison out;
  out.with_percent = 100 * a.ratio;
  out.without_percent = 100 * b.ratio;
  out.difference_points = out.with_percent - out.without_percent;
  out.has_interval = a.has_variance && b.has_variance;
  if (out.has_interval) {
    const double half = 100 * kZ95 * std::sqrt(a.variance + b.variance);
    out.ci_low_points = out.difference_points - half;
    out.ci_high_points = out.difference_points + half;
  }
  return out;
}

}  // namespace hattama::analysis
