#include "common/analysis/seats.h"

#include <algorithm>
#include <numeric>

#include "common/analysis/share.h"

namespace hattama::analysis {

std::vector<ListSeats> AllocateSeats(std::span<const ListVotes> votes, int seats,
                                     double threshold_percent) {
  std::vector<ListSeats> result(votes.size());
  int64_t valid = 0;
  for (const auto& list : votes) valid += list.votes;
  int64_t passing_votes = 0;
  for (size_t i = 0; i < votes.size(); ++i) {
    result[i].option_id = votes[i].option_id;
    result[i].votes = votes[i].votes;
    result[i].share_percent = SharePercent(votes[i].votes, valid);
    // votes / valid >= threshold / 100, compared without rounding: votes * 100 >= threshold *
    // valid.
    result[i].passes_threshold = !votes[i].against_all && votes[i].votes > 0 &&
                                 static_cast<long double>(votes[i].votes) * 100 >=
                                     static_cast<long double>(threshold_percent) * valid;
    if (result[i].passes_threshold) passing_votes += votes[i].votes;
  }
  if (passing_votes == 0 || seats <= 0) return result;

  // Whole seats and remainders in exact integers: votes × seats = whole × passing + remainder.
  std::vector<__int128> remainder(votes.size(), 0);
  int given = 0;
  std::vector<size_t> passing;
  for (size_t i = 0; i < votes.size(); ++i) {
    if (!result[i].passes_threshold) continue;
    __int128 scaled = static_cast<__int128>(votes[i].votes) * seats;
    result[i].seats = static_cast<int>(scaled / passing_votes);
    remainder[i] = scaled % passing_votes;
    given += result[i].seats;
    passing.push_back(i);
  }
  std::sort(passing.begin(), passing.end(), [&](size_t a, size_t b) {
    if (remainder[a] != remainder[b]) return remainder[a] > remainder[b];
    if (votes[a].votes != votes[b].votes) return votes[a].votes > votes[b].votes;
    return votes[a].option_id < votes[b].option_id;
  });
  // Fewer seats are left than passing parties: each remainder is below one quota.
  for (size_t k = 0; given < seats; ++k, ++given) ++result[passing[k]].seats;
  return result;
}

}  // namespace hattama::analysis
