// Parallel vote tabulation: each option's share (its votes over all options' votes, share.h)
// estimated from the stations that have reported so far, with its 95 % margin of error. A
// stratified ratio estimator: strata are regions, the cluster is the station (its valid votes and
// each option's votes), so that a sample that over-represents one region is weighted back to the
// region's true number of stations.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace hattama::analysis {

struct SampledStation {
  std::string stratum;  // e.g. the region
  // The base of the station's shares: the votes of all its options (AllOptionVotes, share.h),
  // which is ballots_valid on a consistent protocol.
  int64_t valid = 0;
  // One entry per option, in a fixed order shared by every station.
  std::vector<int64_t> option_votes;
};

struct Stratum {
  std::string stratum;
  // Stations of the stratum in the whole population (those voting in the contest).
  int64_t stations = 0;
};

struct ShareEstimate {
  double share_percent = 0;
  // Half-width of the 95 % confidence interval, in percentage points.
  double margin_percent = 0;
};

struct PvtEstimate {
  std::vector<ShareEstimate> options;
  int64_t sampled_stations = 0;
  // Strata with at least one sampled station; strata without any are not represented in the
  // estimate (it then stands for the sampled strata only).
  int64_t strata_sampled = 0;
  int64_t strata_total = 0;
};

// R = Σ_h N_h ȳ_h / Σ_h N_h x̄_h per option (y: its votes, x: valid votes). Its variance by
// linearisation: V(R) = Σ_h N_h² (1 − n_h/N_h) s²_h / n_h / X², with s²_h the sample variance of
// d = y − R x in stratum h. A stratum with a single sampled station has no variance of its own and
// borrows the variance of d pooled over all sampled stations. Margin = 1.96 √V.
PvtEstimate EstimateShares(std::span<const SampledStation> sample, std::span<const Stratum> strata,
                           size_t option_count);

}  // namespace hattama::analysis
