// What the snapshot files are (the portal contract, section 1) for one registry, and which of
// them a change touches. Pure: no I/O; immutable once built, so safe from any thread.
//
// A file is named as a reader names the API call it stands for: Method, then "?" and the
// request's parameters sorted by name, URLSearchParams-encoded, those at their zero value left
// out (SnapshotName leaves out empty values; the plan holds no 0 or false, which readers leave
// out too); a value the server would assume anyway is still written
// ("GetSeats?area_id=kz&contest_id=mazhilis&threshold_percent=7").
//
// The election's and contests' files and the nation's and regions' totals are listed in the
// index itself; the files there are one or more of per district or station (districts' totals,
// station lists, stations) are listed in buckets (snapshot_directory.h), so that the index stays
// small however many stations there are.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/domain/registry.h"
#include "services/publication/snapshot_directory.h"
#include "services/publication/totals_cache.h"

namespace hattama::publication {

// The name of the file of GET /v1/<method>?<params>.
std::string SnapshotName(std::string_view method, const std::map<std::string, std::string>& params);

struct SnapshotFile {
  // How the file's bytes are read (SnapshotPublisher): kTotals from the store's encoded JSON (what
  // the gateway answers for them), kStationList every page of ListStations as one answer, kMirror
  // any other call as the HTTP gateway makes it.
  enum class Kind { kMirror, kTotals, kStationList };
  Kind kind = Kind::kMirror;
  std::string method;
  std::map<std::string, std::string> params;
  std::string name;  // SnapshotName(method, params)
  TotalsKey totals;  // kTotals only
  SnapshotListing listing = SnapshotListing::kIndex;
};

class SnapshotPlan {
 public:
  explicit SnapshotPlan(const domain::Registry& registry);

  // Every file, in an order where what a refresh may mark comes after what marks it: the
  // election's (GetElection, GetDeploymentTable, GetLogCheckpoint), each contest's, the areas'
  // totals, the districts' station lists, then the stations.
  const std::vector<SnapshotFile>& files() const { return files_; }

  // Indexes into files().
  static constexpr size_t kElection = 0;
  static constexpr size_t kDeploymentTable = 1;
  static constexpr size_t kLogCheckpoint = 2;
  // Deployment per organisation and per city (refreshed every turn, as the deployment table).
  static constexpr size_t kOrganisationDeployment = 3;
  static constexpr size_t kCityDeployment = 4;
  // Everything a change of the totals `key` may change: those totals, the district's station
  // list (when the area is a district), and the contest's files (discrepancies, PVT, seats, the
  // night's progress). Empty for a key the registry does not know.
  std::vector<size_t> TouchedBy(const TotalsKey& key) const;
  // Every file of totals (a new checkpoint changes the tree size they state).
  const std::vector<size_t>& totals() const { return totals_; }
  // The station's file; none for an unknown station.
  std::optional<size_t> Station(std::string_view station_id) const;
  // Whether file `index` is a contest's (discrepancies, PVT, seats, night progress): the first
  // three read every station of the contest (about 0.5 s each at 10,000 stations).
  bool OfContest(size_t index) const { return index >= first_contest_ && index < end_contest_; }

 private:
  size_t Add(SnapshotFile file);

  std::vector<SnapshotFile> files_;
  size_t first_contest_ = 0;  // [first_contest_, end_contest_): the contests' files
  size_t end_contest_ = 0;
  std::vector<size_t> totals_;
  std::map<TotalsKey, size_t> totals_by_key_;
  std::map<std::pair<std::string, std::string>, size_t> station_lists_;  // (district, contest)
  std::map<std::string, std::vector<size_t>, std::less<>> contest_files_;
  std::map<std::string, size_t, std::less<>> stations_;
};

}  // namespace hattama::publication
