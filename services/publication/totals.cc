#include "services/publication/totals.h"

#include <charconv>

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

v1::AreaTotals BuildAreaTotals(const domain::Registry& registry, const v1::Area& area,
                               const v1::Contest& contest, const SummedFields& sums) {
  v1::AreaTotals totals;
  *totals.mutable_area() = area;
  totals.set_contest_id(contest.contest_id());
  redis::FigureFields figure_fields(sums.begin(), sums.end());
  *totals.mutable_figures() = redis::FromFields(figure_fields, contest, /*all_present=*/true);
  const v1::Figures& figures = totals.figures();

  for (int i = 0; i < contest.options_size(); ++i) {
    const v1::Option& option = contest.options(i);
    // FromFields lists every option in ballot order, so the i-th votes belong to the i-th option.
    int64_t votes = figures.option_votes(i).votes();
    auto* total = totals.add_options();
    total->set_option_id(option.option_id());
    total->set_name(option.name());
    total->set_votes(votes);
    total->set_share_percent(Percent(votes, figures.ballots_valid()));
  }
  totals.set_stations_reporting(Get(sums, redis::layout::kStationsReporting));
  totals.set_stations_registered(registry.StationsRegistered(area.area_id(), contest.contest_id()));
  totals.set_flagged_count(Get(sums, redis::layout::kFlaggedCount));
  totals.set_turnout_percent(Percent(figures.ballots_in_box(), figures.registered_voters()));
  totals.set_spoiled_percent(Percent(figures.ballots_spoiled(), figures.ballots_in_box()));
  return totals;
}

Result<v1::StationContestResult> BuildStationContestResult(
    const v1::Station& station, const v1::Contest& contest,
    const std::vector<std::string>& station_hash, const std::vector<std::string>& versions) {
  v1::StationContestResult result;
  result.set_contest_id(contest.contest_id());
  for (const auto& bytes : versions) {
    if (!result.add_versions()->ParseFromString(bytes)) {
      return Status::Error("a version of station " + station.station_id() + ", contest " +
                           contest.contest_id() + " is not a SubmissionRecord");
    }
  }
  if (station_hash.empty()) return result;  // Nothing counted yet.

  std::string counted_id;
  for (size_t i = 0; i + 1 < station_hash.size(); i += 2) {
    if (station_hash[i] == redis::layout::kCountedSubmission) counted_id = station_hash[i + 1];
  }
  redis::FigureFields fields;
  std::string error;
  if (!redis::AddHashFields(station_hash, fields, &error)) {
    return Status::Error("station " + station.station_id() + ": " + error);
  }
  auto* counted = result.mutable_counted();
  counted->set_station_id(station.station_id());
  counted->set_contest_id(contest.contest_id());
  *counted->mutable_figures() = redis::FromFields(fields, contest, /*all_present=*/false);
  result.set_counted_submission_id(counted_id);
  for (const auto& version : result.versions()) {
    if (version.submission().submission_id() == counted_id) {
      *result.mutable_flags() = version.flags();
      break;
    }
  }
  return result;
}

}  // namespace hattama::publication
