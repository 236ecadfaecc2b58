// Red flags: statistical signs in station protocols that deserve a person's look. None is proof
// of fraud; each says which station and why, so observers can check the protocol and its photo.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace hattama::analysis {

struct StationFigures {
  std::string station_id;
  int64_t registered_voters = 0;
  int64_t ballots_in_box = 0;
  int64_t ballots_spoiled = 0;
  int64_t ballots_valid = 0;
  // One entry per option, in a fixed order shared by every station.
  std::vector<int64_t> option_votes;
};

enum class RedFlagKind {
  // Ballots in the box above 95 % of registered voters.
  kTurnoutAbove95,
  // One option above 90 % of the votes (its share, share.h).
  kOptionAbove90,
  // Turnout and the leading option's share both far above the other stations of the set.
  kTurnoutShareOutlier,
  // Exactly the same figures (in box, spoiled, valid, every option) as another station.
  kIdenticalProtocol,
};

struct RedFlag {
  std::string station_id;
  RedFlagKind kind;
  // For a person: the figures behind the flag.
  std::string detail;
};

struct RedFlagOptions {
  double turnout_above_percent = 95;
  double option_above_percent = 90;
  // A station is an outlier when its turnout and its leading option's share are both more than
  // this many robust standard deviations (1.4826 × median absolute deviation) above the median.
  double outlier_sigmas = 3;
  // Stations with fewer valid votes are too small for share-based flags.
  int64_t min_valid_votes = 50;
};

// Every flag of every station of `stations` (typically the stations of one area and contest).
std::vector<RedFlag> FindRedFlags(std::span<const StationFigures> stations,
                                  const RedFlagOptions& options = {});

// The last digits of vote counts against the uniform distribution: in honest counts of a few
// hundred votes each last digit is about equally likely; invented numbers rarely are.
struct LastDigitTest {
  std::array<int64_t, 10> counts{};
  int64_t n = 0;
  // Pearson's chi-square statistic with 9 degrees of freedom, and its p-value (probability of a
  // deviation at least this large from uniform digits by chance).
  double chi_square = 0;
  double p_value = 1;
};

// Counts below `min_count` are left out: small numbers do not have uniform last digits.
LastDigitTest TestLastDigits(std::span<const int64_t> vote_counts, int64_t min_count = 10);

// P(X ≥ x) for X chi-square distributed with `degrees` degrees of freedom.
double ChiSquareSurvival(double x, int degrees);

}  // namespace hattama::analysis
