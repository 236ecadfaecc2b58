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

// What the estimator needs of a stratum's sampled stations: their sufficient statistics, sums a
// store can keep up to date as stations report, revise or stop counting (aggregation keeps them in
// each region's totals, common/redis/layout.h), so that an estimate costs a read of the strata,
// not of every station. x is a station's valid votes, y an option's votes.
struct StratumSums {
  std::string stratum;
  int64_t stations = 0;  // n_h
  int64_t x = 0;         // Σx
  int64_t xx = 0;        // Σx²
  // One entry per option, in the order of SampledStation::option_votes (shorter: the rest 0).
  std::vector<int64_t> y;   // Σy
  std::vector<int64_t> yy;  // Σy²
  std::vector<int64_t> xy;  // Σxy
};

// The sums of each stratum's stations in `sample`, in order of first appearance.
std::vector<StratumSums> SumByStratum(std::span<const SampledStation> sample, size_t option_count);

// R = Σ_h N_h ȳ_h / Σ_h N_h x̄_h per option (y: its votes, x: valid votes). Its variance by
// linearisation: V(R) = Σ_h N_h² (1 − n_h/N_h) s²_h / n_h / X², with s²_h the sample variance of
// d = y − R x in stratum h. A stratum with a single sampled station has no variance of its own and
// borrows the variance of d pooled over all sampled stations. Margin = 1.96 √V.
// From the sums: Σd = Σy − RΣx, Σd² = Σy² − 2RΣxy + R²Σx², s²_h = (Σd² − (Σd)²/n_h)/(n_h − 1),
// computed from the sums' centred forms nΣab − ΣaΣb, exact in integers (pvt.cc).
// Sums of a stratum not in `strata`, or of no station, are left out.
PvtEstimate EstimateSharesFromSums(std::span<const StratumSums> sums,
                                   std::span<const Stratum> strata, size_t option_count);
// The same over the sampled stations themselves (SumByStratum, then EstimateSharesFromSums).
PvtEstimate EstimateShares(std::span<const SampledStation> sample, std::span<const Stratum> strata,
                           size_t option_count);

// A stratum of a PVT sample drawn before the night: its stations in the population (N_h) and in
// the sample (n_h).
struct SampleStratum {
  std::string stratum;
  int64_t stations = 0;
  int64_t sampled = 0;
};

// A stratum is under-reported while fewer than this share of its sampled stations have reported:
// its reports may then be those that come in first (the cities' on a real night), not a random
// part of its sample.
inline constexpr double kMinSampleCompletionPercent = 80;

struct StratumCompletion {
  std::string stratum;
  int64_t stations = 0;
  int64_t sampled = 0;
  int64_t reported = 0;
  // reported / sampled in percent; 100 when nothing is sampled (nothing is missing).
  double completion_percent = 100;
  bool under_reported = false;
};

struct SampleEstimate {
  // EstimateShares over the sample's reports, each stratum weighted by its N_h.
  PvtEstimate estimate;
  // In `strata` order.
  std::vector<StratumCompletion> strata;
  int64_t sampled = 0;
  int64_t reported = 0;
  // Some stratum is under-reported.
  bool under_reported = false;
};

// The estimate from a sample drawn before the night: `reported` are the sampled stations that
// have reported (their stratum one of `strata`; others are ignored). Within a stratum the reports
// stand for a simple random sample of its N_h stations, which holds when they are a random part
// of its sample: the completion per stratum says how far that can be trusted.
SampleEstimate EstimateFromSample(std::span<const SampledStation> reported,
                                  std::span<const SampleStratum> strata, size_t option_count);

// The size of a PVT sample drawn before the night (hattama-hub draw-sample), for a target margin:
// the 95 % margin of an option's share from a simple random sample of n stations is about
// z·S/√n, with S the standard deviation of that share between stations (the ratio estimator's
// residuals over the mean valid votes, for stations of similar size). Hence
//   n₀ = (z·S/m)²,  z = 1.96,   then with the finite population of N stations
//   n  = ⌈n₀ / (1 + (n₀ − 1)/N)⌉  (Cochran), at most N.
// S and m in percentage points. Stratifying by region only makes the margin smaller.
struct SampleSizeOptions {
  // m: the 95 % margin aimed at.
  double margin_percent = 1;
  // S: the spread of an option's share between stations, where no past election gives a better
  // figure. The synthetic election's Mazhilis votes spread 7.8 points for the largest list (9.3
  // on the cities-first night), 2.7-5.1 for the others: 10 covers them.
  double spread_percent = 10;
  // Every stratum gets at least this many stations (or all of them): a stratum needs two for a
  // variance of its own.
  int64_t min_per_stratum = 2;
};
int64_t SampleSize(int64_t population, const SampleSizeOptions& options);

// n split over the strata in proportion to their stations: ⌊n·N_h/N⌋, the stations left over one
// each to the largest remainders n·N_h mod N (ties: the first stratum), then each raised to
// min(min_per_stratum, N_h) — so the total can exceed n by those raises. In `strata` order.
std::vector<int64_t> AllocateSample(std::span<const Stratum> strata, int64_t n,
                                    int64_t min_per_stratum);

}  // namespace hattama::analysis
