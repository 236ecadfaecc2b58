#include "services/publication/snapshot_plan.h"

namespace hattama::publication {
namespace {

// application/x-www-form-urlencoded as URLSearchParams writes it: letters, digits and "*-._"
// stay, a space is "+", every other byte %XX.
std::string FormEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '*' || c == '-' || c == '.' || c == '_') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// The seat thresholds the portal shows: the law's 7 % and the 3 % it compares with.
constexpr const char* kSeatThresholds[] = {"7", "3"};
// The discrepancies the portal lists.
constexpr const char* kDiscrepancyLimit = "10";

}  // namespace

std::string SnapshotName(std::string_view method,
                         const std::map<std::string, std::string>& params) {
  std::string name(method);
  char separator = '?';
  for (const auto& [key, value] : params) {
    if (value.empty()) continue;
    name += separator + FormEncode(key) + "=" + FormEncode(value);
    separator = '&';
  }
  return name;
}

size_t SnapshotPlan::Add(SnapshotFile file) {
  file.name = SnapshotName(file.method, file.params);
  files_.push_back(std::move(file));
  return files_.size() - 1;
}

SnapshotPlan::SnapshotPlan(const domain::Registry& registry) {
  const v1::Election& election = registry.election();
  Add({.method = "GetElection"});
  Add({.method = "GetDeploymentTable"});
  Add({.method = "GetLogCheckpoint"});
  Add({.method = "GetOrganisationDeployment"});
  Add({.method = "GetCityDeployment"});

  first_contest_ = files_.size();
  for (const v1::Contest& contest : election.contests()) {
    const std::string& c = contest.contest_id();
    auto& files = contest_files_[c];
    files.push_back(Add({.method = "ListDiscrepancies",
                         .params = {{"contest_id", c}, {"limit", kDiscrepancyLimit}}}));
    files.push_back(Add({.method = "GetPvtEstimate", .params = {{"contest_id", c}}}));
    files.push_back(Add({.method = "GetReforms", .params = {{"contest_id", c}}}));
    files.push_back(Add({.method = "GetObserverEffect", .params = {{"contest_id", c}}}));
    for (const char* threshold : kSeatThresholds) {
      files.push_back(Add({.method = "GetSeats",
                           .params = {{"area_id", registry.nation_id()},
                                      {"contest_id", c},
                                      {"threshold_percent", threshold}}}));
    }
    files.push_back(Add({.method = "GetNightProgress", .params = {{"contest_id", c}}}));
  }
  end_contest_ = files_.size();

  for (const v1::Area& area : election.areas()) {
    for (const v1::Contest& contest : election.contests()) {
      if (registry.StationsRegistered(area.area_id(), contest.contest_id()) == 0) continue;
      const bool nation_or_region =
          area.kind() == v1::AREA_KIND_NATION || area.kind() == v1::AREA_KIND_REGION;
      for (bool official : {false, true}) {
        const TotalsKey key{area.area_id(), contest.contest_id(), official};
        const size_t index =
            Add({.kind = SnapshotFile::Kind::kTotals,
                 .method = official ? "GetOfficialTotals" : "GetAreaTotals",
                 .params = {{"area_id", area.area_id()}, {"contest_id", contest.contest_id()}},
                 .totals = key,
                 .listing = nation_or_region ? SnapshotListing::kIndex : SnapshotListing::kBucket});
        totals_.push_back(index);
        totals_by_key_[key] = index;
      }
    }
  }

  for (const v1::Area& area : election.areas()) {
    if (area.kind() != v1::AREA_KIND_DISTRICT) continue;
    for (const v1::Contest& contest : election.contests()) {
      if (registry.StationsRegistered(area.area_id(), contest.contest_id()) == 0) continue;
      station_lists_[{area.area_id(), contest.contest_id()}] =
          Add({.kind = SnapshotFile::Kind::kStationList,
               .method = "ListStations",
               .params = {{"area_id", area.area_id()}, {"contest_id", contest.contest_id()}},
               .listing = SnapshotListing::kBucket});
    }
  }

  for (const domain::Station& station : registry.stations()) {
    stations_[station.station_id()] = Add({.method = "GetStationResults",
                                           .params = {{"station_id", station.station_id()}},
                                           .listing = SnapshotListing::kBucket});
  }
}

std::vector<size_t> SnapshotPlan::TouchedBy(const TotalsKey& key) const {
  std::vector<size_t> touched;
  auto totals = totals_by_key_.find(key);
  if (totals == totals_by_key_.end()) return touched;
  touched.push_back(totals->second);
  auto list = station_lists_.find({key.area_id, key.contest_id});
  if (list != station_lists_.end()) touched.push_back(list->second);
  auto contest = contest_files_.find(key.contest_id);
  if (contest != contest_files_.end()) {
    touched.insert(touched.end(), contest->second.begin(), contest->second.end());
  }
  return touched;
}

std::optional<size_t> SnapshotPlan::Station(std::string_view station_id) const {
  auto it = stations_.find(station_id);
  if (it == stations_.end()) return std::nullopt;
  return it->second;
}

}  // namespace hattama::publication
