#include "common/analysis/share.h"

#include <numeric>

namespace hattama::analysis {

double SharePercent(int64_t votes, int64_t all_option_votes) {
  if (all_option_votes <= 0) return 0.0;
  return 100.0 * static_cast<double>(votes) / static_cast<double>(all_option_votes);
}

int64_t AllOptionVotes(std::span<const int64_t> option_votes) {
  return std::accumulate(option_votes.begin(), option_votes.end(), int64_t{0});
}

}  // namespace hattama::analysis
