#include "common/domain/registry.h"

#include <fmt/format.h>
#include <google/protobuf/util/json_util.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/domain/csv.h"

namespace hattama::domain {
namespace {

std::vector<std::string> Split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t end = text.find(separator, start);
    parts.emplace_back(text.substr(start, end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return parts;
}

std::string CountKey(std::string_view area_id, std::string_view contest_id) {
  std::string key(area_id);
  key += '|';
  key += contest_id;
  return key;
}

// The observer registry beside the stations CSV: null when neither of its files is there.
Result<std::shared_ptr<const ObserverRegistry>> LoadObserverRegistry(
    const std::string& stations_csv_path) {
  const auto dir = std::filesystem::path(stations_csv_path).parent_path();
  const std::string organisations = (dir / kOrganisationsFileName).string();
  const std::string observers = (dir / kObserversFileName).string();
  const bool have_organisations = std::filesystem::exists(organisations);
  const bool have_observers = std::filesystem::exists(observers);
  if (!have_organisations && !have_observers) return std::shared_ptr<const ObserverRegistry>();
  if (have_organisations != have_observers) {
    return Status::Error(fmt::format(
        "{} is there but {} is not: the observer registry needs both files (or neither, when "
        "observers are not registered)",
        have_organisations ? organisations : observers,
        have_organisations ? observers : organisations));
  }
  auto loaded = ObserverRegistry::Load(organisations, observers);
  if (!loaded.ok()) {
    return Status::Error(dir.string() + ": the observer registry: " + loaded.status().message());
  }
  return loaded;
}

}  // namespace

Result<std::shared_ptr<const Registry>> Registry::Load(const std::string& election_json_path,
                                                       const std::string& stations_csv_path) {
  auto json = ReadTextFile(election_json_path);
  if (!json.ok()) return json.status();
  v1::Election election;
  auto parsed = google::protobuf::util::JsonStringToMessage(*json, &election);
  if (!parsed.ok()) {
    return Status::Error(election_json_path + ": " + std::string(parsed.message()));
  }

  std::ifstream in(stations_csv_path);
  if (!in) return Status::Error("cannot open " + stations_csv_path);
  std::vector<v1::Station> stations;
  std::string line;
  int line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    if (line_number == 1) {
      if (line != "station_id,district_id,registered_voters,contest_ids") {
        return Status::Error(stations_csv_path +
                             ":1: header must be "
                             "station_id,district_id,registered_voters,contest_ids");
      }
      continue;
    }
    auto where = stations_csv_path + ":" + std::to_string(line_number) + ": ";
    auto fields = Split(line, ',');
    if (fields.size() != 4) return Status::Error(where + "expected 4 fields");
    v1::Station station;
    station.set_station_id(fields[0]);
    station.set_district_id(fields[1]);
    int64_t voters = -1;
    auto [end, error] =
        std::from_chars(fields[2].data(), fields[2].data() + fields[2].size(), voters);
    if (error != std::errc() || end != fields[2].data() + fields[2].size() || voters < 0) {
      return Status::Error(where + "registered_voters must be a non-negative integer");
    }
    station.set_registered_voters(voters);
    for (auto& contest : Split(fields[3], ';')) {
      if (!contest.empty()) station.add_contest_ids(contest);
    }
    stations.push_back(std::move(station));
  }
  auto observers = LoadObserverRegistry(stations_csv_path);
  if (!observers.ok()) return observers.status();
  return Build(std::move(election), std::move(stations), std::move(observers).value());
}

Result<std::shared_ptr<const Registry>> Registry::Build(
    v1::Election election, std::vector<v1::Station> stations,
    std::shared_ptr<const ObserverRegistry> observers) {
  std::shared_ptr<Registry> registry(new Registry());
  registry->election_ = std::move(election);
  registry->stations_ = std::move(stations);
  registry->observers_ = std::move(observers);
  auto indexed = registry->Index();
  if (!indexed.ok()) return indexed;
  return std::shared_ptr<const Registry>(std::move(registry));
}

Status Registry::Index() {
  for (const auto& contest : election_.contests()) {
    if (contest.contest_id().empty()) return Status::Error("a contest has no contest_id");
    if (!contests_.emplace(contest.contest_id(), &contest).second) {
      return Status::Error("contest " + contest.contest_id() + " is listed twice");
    }
  }
  for (const auto& area : election_.areas()) {
    if (!areas_.emplace(area.area_id(), &area).second) {
      return Status::Error("area " + area.area_id() + " is listed twice");
    }
    if (area.parent_id().empty()) {
      if (!nation_id_.empty()) return Status::Error("more than one area has no parent");
      nation_id_ = area.area_id();
    }
  }
  if (nation_id_.empty()) return Status::Error("no nation: every area has a parent");
  for (const auto& area : election_.areas()) {
    if (area.parent_id().empty()) continue;
    if (!areas_.contains(area.parent_id())) {
      return Status::Error("area " + area.area_id() + " has unknown parent " + area.parent_id());
    }
    children_[area.parent_id()].push_back(&area);
  }
  for (const auto& station : stations_) {
    if (!stations_by_id_.emplace(station.station_id(), &station).second) {
      return Status::Error("station " + station.station_id() + " is listed twice");
    }
    auto district = areas_.find(station.district_id());
    if (district == areas_.end() || district->second->kind() != v1::AREA_KIND_DISTRICT) {
      return Status::Error("station " + station.station_id() + " has unknown district " +
                           station.district_id());
    }
    district_stations_[station.district_id()].push_back(&station);
    for (const auto& contest_id : station.contest_ids()) {
      if (!contests_.contains(contest_id)) {
        return Status::Error("station " + station.station_id() + " names unknown contest " +
                             contest_id);
      }
      auto add = [&](const std::string& area_id) {
        auto& count = counts_[CountKey(area_id, contest_id)];
        count.stations += 1;
        count.voters += station.registered_voters();
      };
      add(station.station_id());
      for (const auto* area : EnclosingAreas(station)) add(area->area_id());
    }
  }
  return Status::Ok();
}

const v1::Area* Registry::FindArea(std::string_view area_id) const {
  auto it = areas_.find(std::string(area_id));
  return it == areas_.end() ? nullptr : it->second;
}

const v1::Station* Registry::FindStation(std::string_view station_id) const {
  auto it = stations_by_id_.find(std::string(station_id));
  return it == stations_by_id_.end() ? nullptr : it->second;
}

const v1::Contest* Registry::FindContest(std::string_view contest_id) const {
  auto it = contests_.find(std::string(contest_id));
  return it == contests_.end() ? nullptr : it->second;
}

std::vector<const v1::Area*> Registry::EnclosingAreas(const v1::Station& station) const {
  std::vector<const v1::Area*> chain;
  for (const v1::Area* area = FindArea(station.district_id()); area != nullptr;
       area = area->parent_id().empty() ? nullptr : FindArea(area->parent_id())) {
    chain.push_back(area);
  }
  return chain;
}

const v1::Area* Registry::RegionOf(const v1::Station& station) const {
  for (const v1::Area* area : EnclosingAreas(station)) {
    if (area->kind() == v1::AREA_KIND_REGION) return area;
  }
  return nullptr;
}

bool Registry::HoldsContest(const v1::Station& station, std::string_view contest_id) {
  for (const auto& id : station.contest_ids()) {
    if (id == contest_id) return true;
  }
  return false;
}

const std::vector<const v1::Area*>& Registry::Children(std::string_view area_id) const {
  static const std::vector<const v1::Area*> kNone;
  auto it = children_.find(std::string(area_id));
  return it == children_.end() ? kNone : it->second;
}

const std::vector<const v1::Station*>& Registry::StationsOfDistrict(
    std::string_view district_id) const {
  static const std::vector<const v1::Station*> kNone;
  auto it = district_stations_.find(std::string(district_id));
  return it == district_stations_.end() ? kNone : it->second;
}

int64_t Registry::StationsRegistered(std::string_view area_id, std::string_view contest_id) const {
  auto it = counts_.find(CountKey(area_id, contest_id));
  return it == counts_.end() ? 0 : it->second.stations;
}

int64_t Registry::VotersRegistered(std::string_view area_id, std::string_view contest_id) const {
  auto it = counts_.find(CountKey(area_id, contest_id));
  return it == counts_.end() ? 0 : it->second.voters;
}

}  // namespace hattama::domain
