// The observer effect: a figure (turnout, an option's share) at the stations where an independent
// observer was admitted against the other stations, and the difference with its 95 % confidence
// interval. Pure, no I/O.
//
// Each group's figure is a ratio of sums over its stations, R = Σ y_i / Σ x_i (turnout: y ballots
// in the box, x registered voters; a share: y the option's votes, x all options' votes), so that a
// large station weighs as its voters do. Its variance by linearisation, the station as cluster:
//   V(R) = n / (n − 1) · Σ (y_i − R x_i)² / (Σ x_i)²
// (no finite-population correction: the groups are not samples drawn from a known frame). The
// groups are disjoint, so V(R_with − R_without) = V(R_with) + V(R_without), and the interval is
// (R_with − R_without) ± 1.96 √V. README: "The observer effect".
#pragma once

#include <cstdint>
#include <span>

namespace hattama::analysis {

// One station's numerator and denominator.
struct StationRatio {
  int64_t numerator = 0;
  int64_t denominator = 0;
};

struct RatioComparison {
  // R of each group, in percent (0 when the group's denominators sum to 0).
  double with_percent = 0;
  double without_percent = 0;
  // with − without, and its 95 % interval, in percentage points.
  double difference_points = 0;
  double ci_low_points = 0;
  double ci_high_points = 0;
  // False when a group has fewer than two stations or no denominator: no variance, so no
  // interval (the ci_* fields are then 0).
  bool has_interval = false;
};

RatioComparison CompareRatios(std::span<const StationRatio> with,
                              std::span<const StationRatio> without);

}  // namespace hattama::analysis
