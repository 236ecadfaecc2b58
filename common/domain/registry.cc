#include "common/domain/registry.h"

#include <fmt/format.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <future>

#include "common/base/huge_pages.h"
#include "common/domain/csv.h"
#include "common/domain/localized_names.h"

namespace hattama::domain {
namespace {

constexpr std::string_view kStationsHeader = "station_id,district_id,registered_voters,contest_ids";

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

// A stations CSV row's four fields; false when there are not exactly four.
bool SplitRow(std::string_view line, std::string_view (&fields)[4]) {
  for (int i = 0; i < 4; ++i) {
    const size_t comma = line.find(',');
    if ((comma == std::string_view::npos) != (i == 3)) return false;
    fields[i] = line.substr(0, comma);
    line.remove_prefix(i == 3 ? line.size() : comma + 1);
  }
  return true;
}

}  // namespace

v1::Station Station::ToProto() const {
  v1::Station station;
  station.set_station_id(station_id());
  station.set_district_id(district_id());
  station.set_registered_voters(registered_voters());
  for (const auto& contest_id : contest_ids()) station.add_contest_ids(contest_id);
  return station;
}

Result<std::shared_ptr<const Registry>> Registry::Load(const std::string& election_json_path,
                                                       const std::string& stations_csv_path) {
  auto json = ReadTextFile(election_json_path);
  if (!json.ok()) return json.status();
  std::shared_ptr<Registry> registry(new Registry());
  auto parsed = google::protobuf::util::JsonStringToMessage(*json, &registry->election_);
  if (!parsed.ok()) {
    return Status::Error(election_json_path + ": " + std::string(parsed.message()));
  }
  if (auto indexed = registry->IndexElection(); !indexed.ok()) return indexed;

  // The observer registry needs nothing of the stations: it is read on a second thread meanwhile
  // (a million stations' observers take about as long as the stations). The future waits for it
  // on every return.
  auto observers = std::async(
      std::launch::async, [stations_csv_path] { return LoadObserverRegistry(stations_csv_path); });
  auto lines = CountLines(stations_csv_path);
  if (!lines.ok()) return lines.status();
  ReserveHugePages(registry->stations_, *lines);
  registry->stations_by_id_.Reserve(*lines);
  std::ifstream in(stations_csv_path, std::ios::binary);
  if (!in) return Status::Error("cannot open " + stations_csv_path);
  std::string line;
  int line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    if (line_number == 1) {
      if (line != kStationsHeader) {
        return Status::Error(
            fmt::format("{}:1: header must be {}", stations_csv_path, kStationsHeader));
      }
      continue;
    }
    const auto where = [&] { return fmt::format("{}:{}: ", stations_csv_path, line_number); };
    std::string_view fields[4];
    if (!SplitRow(line, fields)) return Status::Error(where() + "expected 4 fields");
    int64_t voters = -1;
    auto [end, error] =
        std::from_chars(fields[2].data(), fields[2].data() + fields[2].size(), voters);
    if (error != std::errc() || end != fields[2].data() + fields[2].size() || voters < 0) {
      return Status::Error(where() + "registered_voters must be a non-negative integer");
    }
    if (auto added = registry->AddStation(fields[0], fields[1], voters, fields[3]); !added.ok()) {
      return Status::Error(where() + added.message());
    }
  }
  registry->IndexStations();
  auto loaded = observers.get();
  if (!loaded.ok()) return loaded.status();
  registry->observers_ = std::move(loaded).value();
  return std::shared_ptr<const Registry>(std::move(registry));
}

Result<std::shared_ptr<const Registry>> Registry::Build(
    v1::Election election, const std::vector<v1::Station>& stations,
    std::shared_ptr<const ObserverRegistry> observers) {
  return BuildFrom(std::move(election), stations, std::move(observers));
}

Result<std::shared_ptr<const Registry>> Registry::Build(
    v1::Election election, const std::vector<Station>& stations,
    std::shared_ptr<const ObserverRegistry> observers) {
  return BuildFrom(std::move(election), stations, std::move(observers));
}

template <typename Stations>
Result<std::shared_ptr<const Registry>> Registry::BuildFrom(
    v1::Election election, const Stations& stations,
    std::shared_ptr<const ObserverRegistry> observers) {
  std::shared_ptr<Registry> registry(new Registry());
  registry->election_ = std::move(election);
  registry->observers_ = std::move(observers);
  if (auto indexed = registry->IndexElection(); !indexed.ok()) return indexed;
  ReserveHugePages(registry->stations_, stations.size());
  registry->stations_by_id_.Reserve(stations.size());
  for (const auto& station : stations) {
    const std::string contest_ids = fmt::format("{}", fmt::join(station.contest_ids(), ";"));
    if (auto added = registry->AddStation(station.station_id(), station.district_id(),
                                          station.registered_voters(), contest_ids);
        !added.ok()) {
      return added;
    }
  }
  registry->IndexStations();
  return std::shared_ptr<const Registry>(std::move(registry));
}

Status Registry::IndexElection() {
  if (Status names = CheckLocalizedNames(election_); !names.ok()) return names;
  for (int i = 0; i < election_.contests_size(); ++i) {
    const auto& contest = election_.contests(i);
    if (contest.contest_id().empty()) return Status::Error("a contest has no contest_id");
    if (!contest_index_.emplace(contest.contest_id(), i).second) {
      return Status::Error("contest " + contest.contest_id() + " is listed twice");
    }
  }
  for (int i = 0; i < election_.areas_size(); ++i) {
    const auto& area = election_.areas(i);
    if (!area_index_.emplace(area.area_id(), i).second) {
      return Status::Error("area " + area.area_id() + " is listed twice");
    }
    if (area.parent_id().empty()) {
      if (!nation_id_.empty()) return Status::Error("more than one area has no parent");
      nation_id_ = area.area_id();
    }
  }
  if (nation_id_.empty()) return Status::Error("no nation: every area has a parent");
  const size_t areas = election_.areas_size();
  children_.resize(areas);
  enclosing_.resize(areas);
  district_stations_.resize(areas);
  for (const auto& area : election_.areas()) {
    if (area.parent_id().empty()) continue;
    auto parent = area_index_.find(area.parent_id());
    if (parent == area_index_.end()) {
      return Status::Error("area " + area.area_id() + " has unknown parent " + area.parent_id());
    }
    children_[parent->second].push_back(&area);
  }
  for (size_t i = 0; i < areas; ++i) {
    // Bounded by the number of areas: a cycle of parents is cut rather than followed forever.
    for (const v1::Area* area = &election_.areas(i);
         area != nullptr && enclosing_[i].size() < areas;
         area = area->parent_id().empty() ? nullptr : FindArea(area->parent_id())) {
      enclosing_[i].push_back(area);
    }
  }
  counts_.resize(areas * election_.contests_size());
  return Status::Ok();
}

Result<const StationPlace*> Registry::PlaceOf(size_t district, std::string_view contest_ids) {
  std::string key = fmt::format("{}|{}", district, contest_ids);
  if (auto it = place_by_key_.find(key); it != place_by_key_.end()) return it->second;
  auto place = std::make_unique<StationPlace>();
  place->district = &election_.areas(static_cast<int>(district));
  place->enclosing = &enclosing_[district];
  for (const auto& contest_id : SplitList(contest_ids, ';')) {
    if (!contest_index_.contains(contest_id)) {
      return Status::Error("names unknown contest " + contest_id);
    }
    place->contest_ids.push_back(contest_id);
  }
  places_.push_back(std::move(place));
  place_by_key_.emplace(std::move(key), places_.back().get());
  return places_.back().get();
}

Status Registry::AddStation(std::string_view station_id, std::string_view district_id,
                            int64_t registered_voters, std::string_view contest_ids) {
  auto district = area_index_.find(district_id);
  if (district == area_index_.end() ||
      election_.areas(static_cast<int>(district->second)).kind() != v1::AREA_KIND_DISTRICT) {
    return Status::Error(
        fmt::format("station {} has unknown district {}", station_id, district_id));
  }
  // Rows come grouped by district and contests: most have the place of the row before them.
  if (last_place_ == nullptr || last_district_ != district->second ||
      last_contest_ids_ != contest_ids) {
    auto found = PlaceOf(district->second, contest_ids);
    if (!found.ok()) {
      return Status::Error(fmt::format("station {} {}", station_id, found.status().message()));
    }
    last_place_ = *found;
    last_district_ = district->second;
    last_contest_ids_ = contest_ids;
  }
  const StationPlace* place = last_place_;
  if (stations_.size() >= IdIndex::kMaxIds) {
    return Status::Error(fmt::format("more than {} stations", IdIndex::kMaxIds));
  }
  const auto id_of = [this](uint32_t i) -> std::string_view { return stations_[i].station_id(); };
  if (!stations_by_id_.Insert(station_id, static_cast<uint32_t>(stations_.size()), id_of)) {
    return Status::Error(fmt::format("station {} is listed twice", station_id));
  }
  stations_.push_back(Station(std::string(station_id), place, registered_voters));
  return Status::Ok();
}

void Registry::IndexStations() {
  // Summed per place first: a few hundred places, each then added to its areas once.
  std::unordered_map<const StationPlace*, Count> per_place;
  std::vector<size_t> per_district(district_stations_.size(), 0);
  for (const auto& station : stations_) {
    Count& count = per_place[station.place_];
    count.stations += 1;
    count.voters += station.registered_voters();
  }
  const size_t contests = election_.contests_size();
  for (const auto& [place, count] : per_place) {
    const size_t district = area_index_.at(place->district->area_id());
    per_district[district] += count.stations;
    for (const auto& contest_id : place->contest_ids) {
      const size_t contest = contest_index_.at(contest_id);
      for (const v1::Area* area : *place->enclosing) {
        Count& total = counts_[area_index_.at(area->area_id()) * contests + contest];
        total.stations += count.stations;
        total.voters += count.voters;
      }
    }
  }
  for (size_t i = 0; i < per_district.size(); ++i) district_stations_[i].reserve(per_district[i]);
  for (const auto& station : stations_) {
    district_stations_[area_index_.at(station.district_id())].push_back(&station);
  }
}

const v1::Area* Registry::FindArea(std::string_view area_id) const {
  auto it = area_index_.find(area_id);
  return it == area_index_.end() ? nullptr : &election_.areas(static_cast<int>(it->second));
}

const Station* Registry::FindStation(std::string_view station_id) const {
  auto found = stations_by_id_.Find(
      station_id, [this](uint32_t i) -> std::string_view { return stations_[i].station_id(); });
  return found ? &stations_[*found] : nullptr;
}

const v1::Contest* Registry::FindContest(std::string_view contest_id) const {
  auto it = contest_index_.find(contest_id);
  return it == contest_index_.end() ? nullptr : &election_.contests(static_cast<int>(it->second));
}

const std::vector<const v1::Area*>& Registry::EnclosingAreas(const Station& station) const {
  return *station.place_->enclosing;
}

const v1::Area* Registry::RegionOf(const Station& station) const {
  for (const v1::Area* area : EnclosingAreas(station)) {
    if (area->kind() == v1::AREA_KIND_REGION) return area;
  }
  return nullptr;
}

bool Registry::HoldsContest(const Station& station, std::string_view contest_id) {
  for (const auto& id : station.contest_ids()) {
    if (id == contest_id) return true;
  }
  return false;
}

const std::vector<const v1::Area*>& Registry::Children(std::string_view area_id) const {
  static const std::vector<const v1::Area*> kNone;
  auto it = area_index_.find(area_id);
  return it == area_index_.end() ? kNone : children_[it->second];
}

const std::vector<const Station*>& Registry::StationsOfDistrict(
    std::string_view district_id) const {
  static const std::vector<const Station*> kNone;
  auto it = area_index_.find(district_id);
  return it == area_index_.end() ? kNone : district_stations_[it->second];
}

const Registry::Count* Registry::FindCount(std::string_view area_id,
                                           std::string_view contest_id) const {
  auto area = area_index_.find(area_id);
  auto contest = contest_index_.find(contest_id);
  if (area == area_index_.end() || contest == contest_index_.end()) return nullptr;
  return &counts_[area->second * election_.contests_size() + contest->second];
}

int64_t Registry::StationsRegistered(std::string_view area_id, std::string_view contest_id) const {
  if (const Count* count = FindCount(area_id, contest_id)) return count->stations;
  const Station* station = FindStation(area_id);
  return station != nullptr && HoldsContest(*station, contest_id) ? 1 : 0;
}

int64_t Registry::VotersRegistered(std::string_view area_id, std::string_view contest_id) const {
  if (const Count* count = FindCount(area_id, contest_id)) return count->voters;
  const Station* station = FindStation(area_id);
  return station != nullptr && HoldsContest(*station, contest_id) ? station->registered_voters()
                                                                  : 0;
}

}  // namespace hattama::domain
