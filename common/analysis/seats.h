// The threshold and the seats of a party-list contest: which parties pass the threshold and how
// the seats are shared among them by the Hare quota with largest remainders (the Mazhilis party
// list: 98 seats, 7 % threshold in 2021, 5 % since 2023). Pure arithmetic on vote counts.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace hattama::analysis {

struct ListVotes {
  std::string option_id;
  int64_t votes = 0;
  // "Against all": counted in the base of the threshold, never given seats.
  bool against_all = false;
};

struct ListSeats {
  std::string option_id;
  int64_t votes = 0;
  // Share of all options' votes (the base of the threshold), in percent: SharePercent (share.h).
  double share_percent = 0;
  bool passes_threshold = false;
  int seats = 0;
};

// One result per entry of `votes`, in the same order. A party passes when its votes are at least
// threshold_percent of all valid votes (against-all included). The passing parties share `seats`
// in proportion to their votes: each gets the whole part of votes × seats / passing votes, and the
// seats left go to the largest remainders; equal remainders go to more votes, then to the smaller
// option id, so that the result never depends on input order. No party passes: no seats.
std::vector<ListSeats> AllocateSeats(std::span<const ListVotes> votes, int seats,
                                     double threshold_percent);

}  // namespace hattama::analysis
