#include "services/publication/pvt_sample.h"

#include <fmt/format.h>

#include <map>

#include "common/base/digest.h"
#include "common/base/files.h"

namespace hattama::publication {
namespace {

// The region of a station: its stratum, as the "reported so far" estimate takes it.
const v1::Area* StratumOf(const domain::Registry& registry, const domain::Station& station) {
  const auto& areas = registry.EnclosingAreas(station);  // district, region, nation
  return areas.size() >= 2 ? areas[1] : nullptr;
}

}  // namespace

Result<std::shared_ptr<const PvtSample>> LoadPvtSample(const std::string& path,
                                                       const domain::Registry& registry) {
  auto text = ReadSmallFile(path, analysis::kMaxPvtSampleFileBytes);
  if (!text.ok()) return text.status();
  auto parsed = analysis::ParsePvtSample(*text);
  if (!parsed.ok())
    return Status::InvalidArgument(fmt::format("{}: {}", path, parsed.status().message()));
  if (parsed->election_id != registry.election().election_id()) {
    return Status::InvalidArgument(fmt::format("{}: drawn for election '{}', not '{}'", path,
                                               parsed->election_id,
                                               registry.election().election_id()));
  }
  auto loaded = std::make_shared<PvtSample>();
  for (const auto& sampled : parsed->stations) {
    const domain::Station* station = registry.FindStation(sampled.station_id);
    if (station == nullptr) {
      return Status::InvalidArgument(
          fmt::format("{}: station {} is not in the registry", path, sampled.station_id));
    }
    const v1::Area* region = StratumOf(registry, *station);
    if (region == nullptr || region->area_id() != sampled.region_id) {
      return Status::InvalidArgument(fmt::format("{}: station {} is not in region {}", path,
                                                 sampled.station_id, sampled.region_id));
    }
    loaded->station_ids.insert(sampled.station_id);
  }
  loaded->sha256 = Hex(Sha256(*text));
  loaded->sample = std::move(parsed).value();
  return std::shared_ptr<const PvtSample>(std::move(loaded));
}

v1::PvtSampleEstimate EstimateFromPvtSample(const PvtSample& sample,
                                            const domain::Registry& registry,
                                            const v1::Contest& contest,
                                            const std::vector<ReportedStation>& reported) {
  const std::string& contest_id = contest.contest_id();
  // n_h: the sampled stations of each region that vote in the contest.
  std::map<std::string, int64_t, std::less<>> sampled_in;
  for (const auto& sampled : sample.sample.stations) {
    const domain::Station* station = registry.FindStation(sampled.station_id);
    if (station != nullptr && domain::Registry::HoldsContest(*station, contest_id)) {
      ++sampled_in[sampled.region_id];
    }
  }
  std::vector<analysis::SampleStratum> strata;
  for (const auto* region : registry.Children(registry.nation_id())) {
    const int64_t stations = registry.StationsRegistered(region->area_id(), contest_id);
    if (stations == 0) continue;
    const auto found = sampled_in.find(region->area_id());
    strata.push_back({region->area_id(), stations, found == sampled_in.end() ? 0 : found->second});
  }
  std::vector<analysis::SampledStation> reports;
  for (const auto& station : reported) {
    if (sample.station_ids.contains(station.station->station_id())) {
      reports.push_back(station.figures);
    }
  }
  const auto estimate =
      analysis::EstimateFromSample(reports, strata, static_cast<size_t>(contest.options_size()));

  v1::PvtSampleEstimate out;
  out.set_sha256(sample.sha256);
  out.set_stations_sampled(estimate.sampled);
  out.set_stations_reported(estimate.reported);
  for (int k = 0; k < contest.options_size(); ++k) {
    auto* option = out.add_options();
    option->set_option_id(contest.options(k).option_id());
    option->set_name(contest.options(k).name());
    option->set_share_percent(estimate.estimate.options[k].share_percent);
    option->set_margin_percent(estimate.estimate.options[k].margin_percent);
  }
  for (const auto& completion : estimate.strata) {
    auto* stratum = out.add_strata();
    stratum->set_area_id(completion.stratum);
    stratum->set_stations_total(completion.stations);
    stratum->set_stations_sampled(completion.sampled);
    stratum->set_stations_reported(completion.reported);
    stratum->set_completion_percent(completion.completion_percent);
    stratum->set_under_reported(completion.under_reported);
  }
  out.set_min_completion_percent(analysis::kMinSampleCompletionPercent);
  out.set_under_reported(estimate.under_reported);
  out.set_target_margin_percent(sample.sample.margin_percent);
  return out;
}

}  // namespace hattama::publication
