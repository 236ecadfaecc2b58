#include "common/analysis/reforms.h"

#include <fmt/format.h>

#include <cmath>

#include "common/analysis/share.h"

namespace hattama::analysis {
namespace {

struct RegionRun {
  std::string region_id;
  size_t first = 0;  // index of its first district
  std::vector<size_t> districts;
  int64_t voters = 0;
  int constituencies = 0;
};

// The regions of `districts`, in the order they first appear.
std::vector<RegionRun> RegionsOf(std::span<const ConstituencyDistrict> districts) {
  std::vector<RegionRun> regions;
  for (size_t i = 0; i < districts.size(); ++i) {
    RegionRun* region = nullptr;
    for (auto& r : regions) {
      if (r.region_id == districts[i].region_id) region = &r;
    }
    if (region == nullptr) region = &regions.emplace_back(RegionRun{districts[i].region_id, i});
    region->districts.push_back(i);
    region->voters += districts[i].registered_voters;
  }
  return regions;
}

// Step 1 of DrawConstituencies: one each, then D'Hondt among regions with a district to spare.
void ShareAmongRegions(std::vector<RegionRun>& regions, int count) {
  for (auto& region : regions) region.constituencies = 1;
  for (int given = static_cast<int>(regions.size()); given < count; ++given) {
    RegionRun* next = nullptr;
    for (auto& region : regions) {
      if (region.constituencies >= static_cast<int>(region.districts.size())) continue;
      // voters / (c + 1) > best voters / (best c + 1), in integers.
      if (next == nullptr ||
          static_cast<__int128>(region.voters) * (next->constituencies + 1) >
              static_cast<__int128>(next->voters) * (region.constituencies + 1)) {
        next = &region;
      }
    }
    ++next->constituencies;  // count <= districts: some region always has one to spare
  }
}

// Step 2: a region's districts cut into its runs.
void CutRegion(const RegionRun& region, std::span<const ConstituencyDistrict> districts,
               std::vector<DrawnConstituency>& out) {
  int64_t left = region.voters;  // voters not in a closed run (the open run's included)
  int runs_left = region.constituencies;
  DrawnConstituency open{region.region_id, {}, 0};
  for (size_t k = 0; k < region.districts.size(); ++k) {
    const size_t d = region.districts[k];
    const int64_t voters = districts[d].registered_voters;
    if (!open.districts.empty() && runs_left > 1) {
      const size_t districts_left = region.districts.size() - k;
      const double target = static_cast<double>(left) / runs_left;
      const bool must_close = districts_left == static_cast<size_t>(runs_left - 1);
      const bool further = std::abs(static_cast<double>(open.registered_voters + voters) - target) >
                           std::abs(static_cast<double>(open.registered_voters) - target);
      if (must_close || further) {
        left -= open.registered_voters;
        --runs_left;
        out.push_back(std::move(open));
        open = DrawnConstituency{region.region_id, {}, 0};
      }
    }
    open.districts.push_back(d);
    open.registered_voters += voters;
  }
  out.push_back(std::move(open));
}

std::vector<ListSeats> NoSeats(std::vector<ListSeats> allocation) {
  for (auto& list : allocation) list.seats = 0;
  return allocation;
}

int64_t VotesOfSeatWinners(const std::vector<ListSeats>& allocation) {
  int64_t votes = 0;
  for (const auto& list : allocation) {
    if (list.seats > 0) votes += list.votes;
  }
  return votes;
}

}  // namespace

Result<std::vector<DrawnConstituency>> DrawConstituencies(
    std::span<const ConstituencyDistrict> districts, int count) {
  std::vector<RegionRun> regions = RegionsOf(districts);
  if (count < static_cast<int>(regions.size())) {
    return Status::Error(fmt::format(
        "{} constituencies cannot cover {} regions without spanning two", count, regions.size()));
  }
  if (count > static_cast<int>(districts.size())) {
    return Status::Error(
        fmt::format("{} constituencies cannot be made of {} districts without splitting one", count,
                    districts.size()));
  }
  ShareAmongRegions(regions, count);
  std::vector<DrawnConstituency> out;
  for (const auto& region : regions) CutRegion(region, districts, out);
  return out;
}

std::optional<size_t> FirstPastThePost(std::span<const ListVotes> votes) {
  std::optional<size_t> winner;
  for (size_t i = 0; i < votes.size(); ++i) {
    if (votes[i].against_all || votes[i].votes <= 0) continue;
    if (!winner || votes[i].votes > votes[*winner].votes ||
        (votes[i].votes == votes[*winner].votes && votes[i].option_id < votes[*winner].option_id)) {
      winner = i;
    }
  }
  return winner;
}

AgainstAllOutcome CheckAgainstAll(std::span<const ListVotes> votes, double max_percent) {
  AgainstAllOutcome out;
  int64_t all = 0;
  for (const auto& list : votes) all += list.votes;
  for (size_t i = 0; i < votes.size(); ++i) {
    if (!votes[i].against_all) continue;
    out.on_ballot = true;
    out.index = i;
    out.votes = votes[i].votes;
    out.share_percent = SharePercent(votes[i].votes, all);
    // votes / all > max / 100 without rounding, as the seat threshold compares.
    out.exceeds_max = static_cast<long double>(votes[i].votes) * 100 >
                      static_cast<long double>(max_percent) * all;
    break;
  }
  return out;
}

ReformOutcome CompareReforms(std::span<const ListVotes> national,
                             std::span<const std::vector<ListVotes>> constituencies,
                             const ReformRules& rules) {
  ReformOutcome out;
  out.against_all = CheckAgainstAll(national, rules.against_all_max_percent);
  const bool mixed = !constituencies.empty();
  out.mixed_constituency_count = mixed ? static_cast<int>(constituencies.size()) : 0;
  out.mixed_list_seats = mixed ? rules.seats - out.mixed_constituency_count : 0;
  out.current = AllocateSeats(national, rules.seats, rules.current_threshold_percent);
  out.proposed = AllocateSeats(national, rules.seats, rules.proposed_threshold_percent);
  out.mixed_list = AllocateSeats(national, out.mixed_list_seats, rules.current_threshold_percent);
  out.mixed_constituency_seats.assign(national.size(), 0);
  if (out.against_all.exceeds_max) {
    // Void: the shares stand, no system gives a seat, nobody's vote elected anyone.
    out.current = NoSeats(std::move(out.current));
    out.proposed = NoSeats(std::move(out.proposed));
    out.mixed_list = NoSeats(std::move(out.mixed_list));
    out.winners.assign(constituencies.size(), std::nullopt);
    return out;
  }
  out.decided_current = VotesOfSeatWinners(out.current);
  out.decided_proposed = VotesOfSeatWinners(out.proposed);
  for (const auto& votes : constituencies) {
    const std::optional<size_t> winner = FirstPastThePost(votes);
    out.winners.push_back(winner);
    if (winner) ++out.mixed_constituency_seats[*winner];
    for (size_t i = 0; i < votes.size() && i < national.size(); ++i) {
      if (out.mixed_list[i].seats > 0 || winner == i) out.decided_mixed += votes[i].votes;
    }
  }
  return out;
}

std::vector<size_t> BelowMinimumTurnout(std::span<const TurnoutRow> rows, double min_percent) {
  std::vector<size_t> below;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].stations_reporting > 0 && rows[i].turnout_percent < min_percent) below.push_back(i);
  }
  return below;
}

}  // namespace hattama::analysis
