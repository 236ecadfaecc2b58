#include "services/publication/totals.h"

#include <algorithm>
#include <charconv>

#include "common/analysis/share.h"
#include "common/redis/figures.h"
#include "common/redis/layout.h"

namespace hattama::publication {
namespace {

double Percent(int64_t part, int64_t whole) {
  return whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

int64_t Get(const SummedFields& sums, std::string_view field) {
  auto it = sums.find(std::string(field));
  return it == sums.end() ? 0 : it->second;
}

}  // namespace

Status AddTotals(const std::vector<std::string>& flat, SummedFields& sums) {
  for (size_t i = 0; i + 1 < flat.size(); i += 2) {
    const std::string& text = flat[i + 1];
    int64_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size()) {
      return Status::Error("totals field " + flat[i] + " holds \"" + text + "\", not an integer");
    }
    sums[flat[i]] += value;
  }
  return Status::Ok();
}

Result<std::pair<const v1::Area*, const v1::Contest*>> FindAreaAndContest(
    const domain::Registry& registry, const std::string& area_id, const std::string& contest_id) {
  if (area_id.empty() || contest_id.empty()) {
    return Status::InvalidArgument("area_id and contest_id are required");
  }
  const v1::Area* area = registry.FindArea(area_id);
  if (area == nullptr) {
    return Status::NotFound("no area \"" + area_id + "\" in election " +
                            registry.election().election_id());
  }
  const v1::Contest* contest = registry.FindContest(contest_id);
  if (contest == nullptr) {
    return Status::NotFound("no contest \"" + contest_id + "\" in election " +
                            registry.election().election_id());
  }
  return std::make_pair(area, contest);
}

v1::AreaTotals BuildAreaTotals(const domain::Registry& registry, const v1::Area& area,
                               const v1::Contest& contest, const SummedFields& sums) {
  v1::AreaTotals totals;
  *totals.mutable_area() = area;
  totals.set_contest_id(contest.contest_id());
  redis::FigureFields figure_fields(sums.begin(), sums.end());
  *totals.mutable_figures() = redis::FromFields(figure_fields, contest, /*all_present=*/true);
  const v1::Figures& figures = totals.figures();

  // Shares as analysis::SharePercent defines them, over all options' votes (as GetSeats shows).
  int64_t all_option_votes = 0;
  for (const auto& line : figures.option_votes()) all_option_votes += line.votes();
  for (int i = 0; i < contest.options_size(); ++i) {
    const v1::Option& option = contest.options(i);
    // FromFields lists every option in ballot order, so the i-th votes belong to the i-th option.
    int64_t votes = figures.option_votes(i).votes();
    auto* total = totals.add_options();
    total->set_option_id(option.option_id());
    total->set_name(option.name());
    total->set_votes(votes);
    total->set_share_percent(analysis::SharePercent(votes, all_option_votes));
  }
  totals.set_stations_reporting(Get(sums, redis::layout::kStationsReporting));
  totals.set_stations_registered(registry.StationsRegistered(area.area_id(), contest.contest_id()));
  totals.set_flagged_count(Get(sums, redis::layout::kFlaggedCount));
  totals.set_disputed_count(Get(sums, redis::layout::kDisputedCount));
  totals.set_turnout_percent(Percent(figures.ballots_in_box(), figures.registered_voters()));
  totals.set_spoiled_percent(Percent(figures.ballots_spoiled(), figures.ballots_in_box()));
  return totals;
}

namespace {

// The counted protocol of a station hash: its figures and the hash's fields.
Status ReadStationHash(const domain::Station& station, const v1::Contest& contest,
                       const std::vector<std::string>& hash, v1::Protocol& protocol,
                       std::map<std::string, std::string>& other) {
  redis::FigureFields fields;
  std::string error;
  if (!redis::AddHashFields(hash, fields, &error)) {
    return Status::Error("station " + station.station_id() + ": " + error);
  }
  for (size_t i = 0; i + 1 < hash.size(); i += 2) other[hash[i]] = hash[i + 1];
  protocol.set_station_id(station.station_id());
  protocol.set_contest_id(contest.contest_id());
  *protocol.mutable_figures() = redis::FromFields(fields, contest, /*all_present=*/false);
  return Status::Ok();
}

int64_t IntegerOr0(const std::map<std::string, std::string>& fields, std::string_view name) {
  auto it = fields.find(std::string(name));
  if (it == fields.end()) return 0;
  int64_t value = 0;
  std::from_chars(it->second.data(), it->second.data() + it->second.size(), value);
  return value;
}

}  // namespace

Result<v1::StationContestResult> BuildStationContestResult(
    const domain::Station& station, const v1::Contest& contest,
    const std::vector<std::string>& station_hash, const std::vector<std::string>& versions,
    const std::vector<std::string>& official_hash) {
  v1::StationContestResult result;
  result.set_contest_id(contest.contest_id());
  for (const auto& bytes : versions) {
    if (!result.add_versions()->ParseFromString(bytes)) {
      return Status::Error("a version of station " + station.station_id() + ", contest " +
                           contest.contest_id() + " is not a SubmissionRecord");
    }
  }
  if (!official_hash.empty()) {
    std::map<std::string, std::string> other;
    auto read = ReadStationHash(station, contest, official_hash, *result.mutable_official(), other);
    if (!read.ok()) return read;
    result.set_official_submission_id(other[std::string(redis::layout::kCountedSubmission)]);
  }
  if (station_hash.empty()) return result;  // Nothing counted yet.

  std::map<std::string, std::string> other;
  auto read = ReadStationHash(station, contest, station_hash, *result.mutable_counted(), other);
  if (!read.ok()) return read;
  const std::string counted_id = other[std::string(redis::layout::kCountedSubmission)];
  result.set_counted_submission_id(counted_id);
  result.set_confirmations(IntegerOr0(other, redis::layout::kConfirmations));
  result.set_variants(IntegerOr0(other, redis::layout::kVariants));
  result.set_disputed(IntegerOr0(other, redis::layout::kDisputed) != 0);
  for (const auto& version : result.versions()) {
    if (version.submission().submission_id() == counted_id) {
      *result.mutable_flags() = version.flags();
      break;
    }
  }
  return result;
}

void BoundVersions(v1::StationContestResult& result, int max_versions, size_t& budget) {
  auto* versions = result.mutable_versions();
  std::vector<bool> keep(versions->size(), false);
  int kept = 0;
  for (int i = 0; i < versions->size(); ++i) {
    if (versions->Get(i).submission().submission_id() == result.counted_submission_id() &&
        !result.counted_submission_id().empty()) {
      keep[i] = true;
      ++kept;
      const size_t size = versions->Get(i).ByteSizeLong();
      budget = size >= budget ? 0 : budget - size;
    }
  }
  for (int i = versions->size() - 1; i >= 0; --i) {
    if (keep[i]) continue;
    const size_t size = versions->Get(i).ByteSizeLong();
    if (kept >= max_versions || size > budget) continue;
    keep[i] = true;
    ++kept;
    budget -= size;
  }
  int to = 0;
  for (int i = 0; i < versions->size(); ++i) {
    if (keep[i]) versions->SwapElements(to++, i);
  }
  result.set_versions_left_out(result.versions_left_out() + (versions->size() - to));
  while (versions->size() > to) versions->RemoveLast();
}

std::optional<v1::Discrepancy> Compare(const std::string& area_id, v1::AreaKind kind,
                                       const v1::Contest& contest, const v1::Figures& official,
                                       const v1::Figures& observer, int64_t official_reporting,
                                       int64_t observer_reporting) {
  v1::Discrepancy discrepancy;
  discrepancy.set_area_id(area_id);
  discrepancy.set_kind(kind);
  discrepancy.set_contest_id(contest.contest_id());
  auto votes_of = [](const v1::Figures& figures, const std::string& option_id) -> int64_t {
    for (const auto& line : figures.option_votes()) {
      if (line.option_id() == option_id) return line.votes();
    }
    return 0;
  };
  int64_t magnitude = 0;
  for (const auto& option : contest.options()) {
    const int64_t difference =
        votes_of(official, option.option_id()) - votes_of(observer, option.option_id());
    auto* line = discrepancy.add_option_differences();
    line->set_option_id(option.option_id());
    line->set_name(option.name());
    line->set_votes(difference);
    magnitude += difference < 0 ? -difference : difference;
  }
  const int64_t in_box = official.ballots_in_box() - observer.ballots_in_box();
  discrepancy.set_ballots_in_box_difference(in_box);
  discrepancy.set_ballots_valid_difference(official.ballots_valid() - observer.ballots_valid());
  magnitude += in_box < 0 ? -in_box : in_box;
  discrepancy.set_magnitude(magnitude);
  discrepancy.set_official_stations_reporting(official_reporting);
  discrepancy.set_observer_stations_reporting(observer_reporting);
  if (magnitude == 0 && discrepancy.ballots_valid_difference() == 0 &&
      official_reporting == observer_reporting) {
    return std::nullopt;
  }
  return discrepancy;
}

void SortDiscrepancies(std::vector<v1::Discrepancy>& list, size_t limit) {
  std::sort(list.begin(), list.end(), [](const v1::Discrepancy& a, const v1::Discrepancy& b) {
    if (a.magnitude() != b.magnitude()) return a.magnitude() > b.magnitude();
    return a.area_id() < b.area_id();
  });
  if (list.size() > limit) list.resize(limit);
}

}  // namespace hattama::publication
