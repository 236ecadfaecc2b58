// The one definition of an option's share, used by every share Hattama publishes: the area totals
// (GetAreaTotals, GetOfficialTotals, Watch), the seats (GetSeats) and the PVT estimate.
#pragma once

#include <cstdint>
#include <span>

namespace hattama::analysis {

// An option's share: its votes over the votes of all options of the ballot ("against all"
// included), in percent; 0 when no option has a vote. The base is the sum of the option lines,
// not ballots_valid: on a consistent protocol the two are equal; on one flagged
// OPTION_VOTES_NOT_VALID they differ, and only the sum makes the shares of one table add up to
// 100 % and agree with the base of the seat threshold. Pure.
double SharePercent(int64_t votes, int64_t all_option_votes);

// The base of SharePercent: the votes of every option, summed.
int64_t AllOptionVotes(std::span<const int64_t> option_votes);

}  // namespace hattama::analysis
