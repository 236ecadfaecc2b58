// The reforms the observers' report proposes, computed on observed votes (issue #16 item 3): seats
// at the threshold in force and at a proposed one, the "against all" line and the rule on its
// maximum, a mixed system (half the seats by list, half in single-member constituencies made of
// districts, first past the post), and how many voters' votes elected the seats under each.
// Pure arithmetic on vote counts; publication's reforms.cc feeds it the published totals.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/analysis/seats.h"
#include "common/base/result.h"

namespace hattama::analysis {

// ---- Constituencies of the mixed system -------------------------------------------------------

// A district as the constituencies are drawn from it: before election day, from the registry.
struct ConstituencyDistrict {
  std::string district_id;
  std::string region_id;
  // Registered voters of the contest in the district (the registry's, not the reported ones).
  int64_t registered_voters = 0;
};

struct DrawnConstituency {
  std::string region_id;
  // Indexes into the districts given to DrawConstituencies, in their order.
  std::vector<size_t> districts;
  int64_t registered_voters = 0;
};

// Groups `districts` (in registry order, a region's districts one after another) into `count`
// single-member constituencies, each one district or a run of neighbouring districts of one region:
//   1. every region gets one constituency, then each next one goes to the region with the most
//      registered voters per constituency once it has it — voters / (given + 1), the D'Hondt
//      divisor — among regions with more districts than constituencies; equal quotients go to the
//      region listed first;
//   2. a region's k constituencies are its districts cut into k runs, walking them in order: the
//      open run is closed before the next district when only as many districts are left as runs
//      still to open, or when adding the district would take the run further from its target
//      (the voters not yet in a closed run over the runs not yet closed) than it is without it.
// In registry order, numbered by the caller. An error when `count` is below the number of regions
// (a constituency would span two) or above the number of districts (a district would be split).
Result<std::vector<DrawnConstituency>> DrawConstituencies(
    std::span<const ConstituencyDistrict> districts, int count);

// First past the post: the index of the option with the most votes, "against all" excluded (it
// is a line of the ballot, not a candidate); equal votes go to the smaller option id. None while
// no candidate has a vote.
std::optional<size_t> FirstPastThePost(std::span<const ListVotes> votes);

// ---- The comparison, side by side --------------------------------------------------------------

struct ReformRules {
  // Seats of the body; the mixed system elects seats / 2 in constituencies, the rest by list.
  int seats = 98;
  // The threshold in force (also the mixed system's list threshold) and the proposed one.
  double current_threshold_percent = 7;
  double proposed_threshold_percent = 3;
  // "Against all" above this share voids the contest: it is held again, no seat is given.
  double against_all_max_percent = 50;
};

struct AgainstAllOutcome {
  bool on_ballot = false;
  size_t index = 0;  // into the ballot, when on_ballot
  int64_t votes = 0;
  double share_percent = 0;
  bool exceeds_max = false;
};

// The first "against all" line of `votes` and whether its share (SharePercent, over all options'
// votes) is strictly above `max_percent`.
AgainstAllOutcome CheckAgainstAll(std::span<const ListVotes> votes, double max_percent);

struct ReformOutcome {
  AgainstAllOutcome against_all;
  // One entry per ballot option, in ballot order. All seats are 0 when the contest is void.
  std::vector<ListSeats> current;   // pure list, current threshold
  std::vector<ListSeats> proposed;  // pure list, proposed threshold
  std::vector<ListSeats> mixed_list;
  std::vector<int> mixed_constituency_seats;
  // Per constituency: the winner's index into the ballot, none while undecided.
  std::vector<std::optional<size_t>> winners;
  int mixed_list_seats = 0;
  int mixed_constituency_count = 0;
  // Votes that elected a seat. A list system: the votes of every list that won a seat. The mixed
  // system: in each constituency, the votes of the options that won a list seat or that
  // constituency (a voter's one ballot counts in both halves, so it is counted once).
  int64_t decided_current = 0;
  int64_t decided_proposed = 0;
  int64_t decided_mixed = 0;
};

// `national`: the contest's votes in ballot order; `constituencies`: each constituency's votes in
// the same order (empty: the mixed system is left at zero). Every figure of the comparison.
ReformOutcome CompareReforms(std::span<const ListVotes> national,
                             std::span<const std::vector<ListVotes>> constituencies,
                             const ReformRules& rules);

// ---- Minimum turnout ---------------------------------------------------------------------------

struct TurnoutRow {
  int64_t stations_reporting = 0;
  double turnout_percent = 0;
};

// The rows whose turnout is strictly below `min_percent`, by index; a row without a reporting
// station has no turnout yet and is never below.
std::vector<size_t> BelowMinimumTurnout(std::span<const TurnoutRow> rows, double min_percent);

}  // namespace hattama::analysis
