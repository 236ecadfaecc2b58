#include "services/publication/reforms.h"

#include <fmt/format.h>

#include <cmath>
#include <optional>

#include "common/analysis/reforms.h"
#include "common/analysis/share.h"

namespace hattama::publication {
namespace {

using redis::layout::Scope;

// Written so that NaN (which compares false with everything) is refused too.
bool IsPercent(double value) { return value >= 0 && value <= 100; }

Result<analysis::ReformRules> RulesOf(const v1::GetReformsRequest& request) {
  analysis::ReformRules rules;
  if (request.seats() < 0 || request.seats() == 1) {
    return Status::InvalidArgument("seats must be at least 2 (or 0 for 98)");
  }
  rules.seats = request.seats() == 0 ? kReformSeats : request.seats();
  rules.current_threshold_percent = request.has_current_threshold_percent()
                                        ? request.current_threshold_percent()
                                        : kReformCurrentThresholdPercent;
  rules.proposed_threshold_percent = request.has_proposed_threshold_percent()
                                         ? request.proposed_threshold_percent()
                                         : kReformProposedThresholdPercent;
  rules.against_all_max_percent = request.has_against_all_max_percent()
                                      ? request.against_all_max_percent()
                                      : kReformAgainstAllMaxPercent;
  const double min_turnout =
      request.has_min_turnout_percent() ? request.min_turnout_percent() : kReformMinTurnoutPercent;
  for (double percent : {rules.current_threshold_percent, rules.proposed_threshold_percent,
                         rules.against_all_max_percent, min_turnout}) {
    if (!IsPercent(percent)) {
      return Status::InvalidArgument(
          "thresholds, the against-all maximum and the minimum turnout must be numbers between 0 "
          "and 100");
    }
  }
  return rules;
}

// A total's votes in the contest's ballot order, each option marked against-all or not.
std::vector<analysis::ListVotes> BallotVotes(const v1::Contest& contest,
                                             const v1::AreaTotals& totals) {
  std::vector<analysis::ListVotes> votes;
  for (const auto& option : contest.options()) {
    int64_t count = 0;
    for (const auto& line : totals.options()) {
      if (line.option_id() == option.option_id()) count = line.votes();
    }
    votes.push_back({option.option_id(), count, option.against_all()});
  }
  return votes;
}

// The areas a contest is held in: its regions, then their districts, in registry order.
struct ContestAreas {
  std::vector<const v1::Area*> regions;
  std::vector<const v1::Area*> districts;
};

ContestAreas AreasOf(const domain::Registry& registry, const std::string& contest_id) {
  ContestAreas out;
  for (const auto* region : registry.Children(registry.nation_id())) {
    if (registry.StationsRegistered(region->area_id(), contest_id) == 0) continue;
    out.regions.push_back(region);
  }
  for (const auto* region : out.regions) {
    for (const auto* district : registry.Children(region->area_id())) {
      if (registry.StationsRegistered(district->area_id(), contest_id) > 0) {
        out.districts.push_back(district);
      }
    }
  }
  return out;
}

int64_t AllStationsOf(const domain::Registry& registry, const v1::Area& area) {
  int64_t stations = static_cast<int64_t>(registry.StationsOfDistrict(area.area_id()).size());
  for (const auto* child : registry.Children(area.area_id())) {
    stations += AllStationsOf(registry, *child);
  }
  return stations;
}

// The population of the areas holding the contest: an area every station of which votes in it
// counts with its own population when the registry gives one, otherwise as the sum of its
// children holding it; a district holding it at some stations only counts whole. None when a
// needed population is missing.
std::optional<int64_t> PopulationOf(const domain::Registry& registry, const v1::Area& area,
                                    const std::string& contest_id) {
  const int64_t holding = registry.StationsRegistered(area.area_id(), contest_id);
  if (holding == 0) return 0;
  const auto& children = registry.Children(area.area_id());
  const bool whole = children.empty() || holding == AllStationsOf(registry, area);
  if (whole && area.has_population()) return area.population();
  if (children.empty()) return std::nullopt;
  int64_t sum = 0;
  for (const auto* child : children) {
    auto population = PopulationOf(registry, *child, contest_id);
    if (!population) return std::nullopt;
    sum += *population;
  }
  return sum;
}

v1::DecidingVoters Deciding(int64_t votes, int64_t registered, std::optional<int64_t> population) {
  v1::DecidingVoters out;
  out.set_votes(votes);
  out.set_registered_percent(analysis::SharePercent(votes, registered));
  if (population && *population > 0) {
    out.set_population_percent(analysis::SharePercent(votes, *population));
  }
  return out;
}

v1::TurnoutBelowMinimum BelowRow(const std::string& id, const std::string& name, v1::AreaKind kind,
                                 const v1::AreaTotals& totals) {
  v1::TurnoutBelowMinimum row;
  row.set_id(id);
  row.set_name(name);
  row.set_kind(kind);
  row.set_turnout_percent(totals.turnout_percent());
  row.set_stations_reporting(totals.stations_reporting());
  return row;
}

// The mixed system's constituencies, drawn from `districts` (totals[first_district + i] is the
// totals of districts[i]), with each one's votes in ballot order; none when the districts cannot
// make `count` (analysis::DrawConstituencies).
struct MixedSystem {
  std::vector<analysis::ConstituencyDistrict> districts;
  std::vector<analysis::DrawnConstituency> drawn;
  std::vector<std::vector<analysis::ListVotes>> votes;
};

MixedSystem DrawMixedSystem(const domain::Registry& registry, const v1::Contest& contest,
                            const std::vector<const v1::Area*>& districts,
                            const std::vector<v1::AreaTotals>& totals, size_t first_district,
                            int count) {
  MixedSystem mixed;
  for (const auto* district : districts) {
    mixed.districts.push_back(
        {district->area_id(), district->parent_id(),
         registry.VotersRegistered(district->area_id(), contest.contest_id())});
  }
  auto drawn = analysis::DrawConstituencies(mixed.districts, count);
  if (!drawn.ok()) return {};
  mixed.drawn = std::move(drawn).value();
  for (const auto& constituency : mixed.drawn) {
    auto& votes = mixed.votes.emplace_back(BallotVotes(contest, v1::AreaTotals()));
    for (size_t d : constituency.districts) {
      auto district = BallotVotes(contest, totals[first_district + d]);
      for (size_t k = 0; k < votes.size(); ++k) votes[k].votes += district[k].votes;
    }
  }
  return mixed;
}

void AddOptions(const v1::Contest& contest, const std::vector<analysis::ListVotes>& national,
                const analysis::ReformOutcome& outcome, v1::Reforms& out) {
  for (int k = 0; k < contest.options_size(); ++k) {
    const auto& option = contest.options(k);
    auto* row = out.add_options();
    row->set_option_id(option.option_id());
    row->set_name(option.name());
    row->set_against_all(option.against_all());
    row->set_votes(national[k].votes);
    row->set_share_percent(outcome.current[k].share_percent);
    row->set_seats_current_threshold(outcome.current[k].seats);
    row->set_seats_proposed_threshold(outcome.proposed[k].seats);
    row->set_mixed_list_seats(outcome.mixed_list[k].seats);
    row->set_mixed_constituency_seats(outcome.mixed_constituency_seats[k]);
  }
}

void SetAgainstAll(const v1::Contest& contest, const analysis::ReformOutcome& outcome,
                   double max_percent, v1::Reforms& out) {
  auto* against_all = out.mutable_against_all();
  against_all->set_on_ballot(outcome.against_all.on_ballot);
  if (outcome.against_all.on_ballot) {
    against_all->set_option_id(contest.options(outcome.against_all.index).option_id());
  }
  against_all->set_votes(outcome.against_all.votes);
  against_all->set_share_percent(outcome.against_all.share_percent);
  against_all->set_max_percent(max_percent);
  against_all->set_exceeds_max(outcome.against_all.exceeds_max);
}

void AddConstituencies(const MixedSystem& mixed, const analysis::ReformOutcome& outcome,
                       v1::Reforms& out) {
  for (size_t c = 0; c < mixed.drawn.size(); ++c) {
    auto* constituency = out.add_constituencies();
    constituency->set_constituency_id(fmt::format("C{:02}", c + 1));
    constituency->set_region_id(mixed.drawn[c].region_id);
    for (size_t d : mixed.drawn[c].districts) {
      constituency->add_district_ids(mixed.districts[d].district_id);
    }
    constituency->set_registered_voters(mixed.drawn[c].registered_voters);
    int64_t votes = 0;
    for (const auto& option : mixed.votes[c]) votes += option.votes;
    constituency->set_votes(votes);
    if (const auto winner = outcome.winners[c]) {
      constituency->set_winner_option_id(mixed.votes[c][*winner].option_id);
      constituency->set_winner_votes(mixed.votes[c][*winner].votes);
    }
  }
}

// Whose votes elected the seats, over the contest's registered voters and population.
void SetDeciding(const domain::Registry& registry, const v1::Contest& contest,
                 const analysis::ReformOutcome& outcome, bool mixed, v1::Reforms& out) {
  const v1::Area& nation = *registry.FindArea(registry.nation_id());
  const int64_t registered = registry.VotersRegistered(nation.area_id(), contest.contest_id());
  const std::optional<int64_t> population = PopulationOf(registry, nation, contest.contest_id());
  out.set_registered_voters(registered);
  if (population) out.set_population(*population);
  *out.mutable_decided_current_threshold() =
      Deciding(outcome.decided_current, registered, population);
  *out.mutable_decided_proposed_threshold() =
      Deciding(outcome.decided_proposed, registered, population);
  if (mixed) *out.mutable_decided_mixed() = Deciding(outcome.decided_mixed, registered, population);
}

// Turnout rows below the minimum, of the contest's regions then districts (totals[1..]).
void AddAreasBelow(const std::vector<const v1::Area*>& areas,
                   const std::vector<v1::AreaTotals>& totals, double min_turnout,
                   v1::Reforms& out) {
  std::vector<analysis::TurnoutRow> rows;
  for (size_t i = 0; i < areas.size(); ++i) {
    rows.push_back({totals[i + 1].stations_reporting(), totals[i + 1].turnout_percent()});
  }
  for (size_t i : analysis::BelowMinimumTurnout(rows, min_turnout)) {
    *out.add_areas_below_min_turnout() =
        BelowRow(areas[i]->area_id(), areas[i]->name(), areas[i]->kind(), totals[i + 1]);
  }
}

Status AddContestsBelow(PublishedStore& store, const v1::Contest& contest,
                        const v1::AreaTotals& national, double min_turnout, v1::Reforms& out) {
  const domain::Registry& registry = store.registry();
  const v1::Area* nation = registry.FindArea(registry.nation_id());
  for (const auto& other : registry.election().contests()) {
    v1::AreaTotals totals;
    if (other.contest_id() == contest.contest_id()) {
      totals = national;
    } else {
      auto read = store.ReadTotalsOfAreas(other, Scope::kObserver, {nation});
      if (!read.ok()) return read.status();
      totals = std::move((*read)[0]);
    }
    const analysis::TurnoutRow row{totals.stations_reporting(), totals.turnout_percent()};
    if (!analysis::BelowMinimumTurnout({&row, 1}, min_turnout).empty()) {
      *out.add_contests_below_min_turnout() =
          BelowRow(other.contest_id(), other.name(), v1::AREA_KIND_NATION, totals);
    }
  }
  return Status::Ok();
}

}  // namespace

Result<v1::Reforms> ComputeReforms(PublishedStore& store, const v1::GetReformsRequest& request) {
  auto rules = RulesOf(request);
  if (!rules.ok()) return rules.status();
  const double min_turnout =
      request.has_min_turnout_percent() ? request.min_turnout_percent() : kReformMinTurnoutPercent;
  const domain::Registry& registry = store.registry();
  const v1::Contest* contest = registry.FindContest(request.contest_id());
  if (contest == nullptr) {
    return Status::NotFound(fmt::format("no contest '{}'", request.contest_id()));
  }
  // One read: the nation, then the contest's regions, then its districts.
  const ContestAreas areas = AreasOf(registry, contest->contest_id());
  std::vector<const v1::Area*> read_areas = {registry.FindArea(registry.nation_id())};
  read_areas.insert(read_areas.end(), areas.regions.begin(), areas.regions.end());
  read_areas.insert(read_areas.end(), areas.districts.begin(), areas.districts.end());
  auto read = store.ReadTotalsOfAreas(*contest, Scope::kObserver, read_areas);
  if (!read.ok()) return read.status();
  const std::vector<v1::AreaTotals>& totals = *read;

  const MixedSystem mixed = DrawMixedSystem(registry, *contest, areas.districts, totals,
                                            1 + areas.regions.size(), rules->seats / 2);
  const std::vector<analysis::ListVotes> national = BallotVotes(*contest, totals[0]);
  const analysis::ReformOutcome outcome = analysis::CompareReforms(national, mixed.votes, *rules);

  v1::Reforms out;
  out.set_contest_id(contest->contest_id());
  out.set_seats(rules->seats);
  out.set_current_threshold_percent(rules->current_threshold_percent);
  out.set_proposed_threshold_percent(rules->proposed_threshold_percent);
  out.set_mixed_list_seats(outcome.mixed_list_seats);
  out.set_mixed_constituency_seats(outcome.mixed_constituency_count);
  AddOptions(*contest, national, outcome, out);
  SetAgainstAll(*contest, outcome, rules->against_all_max_percent, out);
  out.set_min_turnout_percent(min_turnout);
  out.set_turnout_percent(totals[0].turnout_percent());
  std::vector<const v1::Area*> turnout_areas = areas.regions;
  turnout_areas.insert(turnout_areas.end(), areas.districts.begin(), areas.districts.end());
  AddAreasBelow(turnout_areas, totals, min_turnout, out);
  if (auto added = AddContestsBelow(store, *contest, totals[0], min_turnout, out); !added.ok()) {
    return added;
  }
  AddConstituencies(mixed, outcome, out);
  SetDeciding(registry, *contest, outcome, !mixed.drawn.empty(), out);
  out.set_stations_reporting(totals[0].stations_reporting());
  out.set_stations_registered(totals[0].stations_registered());
  return out;
}

}  // namespace hattama::publication
