// The station registry and the area tree: which stations exist, where they are, which contests
// they vote in. Pure data, loaded once at start and shared read-only by all threads; it holds
// pointers into itself, so it lives behind a shared_ptr and is never copied or moved.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/base/result.h"
#include "common/domain/observers.h"
#include "hattama/v1/election.pb.h"

namespace hattama::domain {

class Registry {
 public:
  // Loads the election (protobuf JSON of hattama.v1.Election) and the stations CSV, whose header is
  // "station_id,district_id,registered_voters,contest_ids" and whose contest_ids are separated
  // by ';'. Every reference is checked: an unknown district or contest is an error naming the line.
  // The observer registry (observers.h) is read from organisations.csv and observers.csv in the
  // stations CSV's directory: both files, or neither (then observers() is null: observers are not
  // registered, see checks.h); one without the other is an error.
  static Result<std::shared_ptr<const Registry>> Load(const std::string& election_json_path,
                                                      const std::string& stations_csv_path);
  // Builds from data already in memory; checks the same as Load. `observers` may be null.
  static Result<std::shared_ptr<const Registry>> Build(
      v1::Election election, std::vector<v1::Station> stations,
      std::shared_ptr<const ObserverRegistry> observers = nullptr);

  const v1::Election& election() const { return election_; }
  const std::vector<v1::Station>& stations() const { return stations_; }

  const v1::Area* FindArea(std::string_view area_id) const;
  const v1::Station* FindStation(std::string_view station_id) const;
  const v1::Contest* FindContest(std::string_view contest_id) const;
  // The nation's area id (the one area without a parent).
  const std::string& nation_id() const { return nation_id_; }
  // The organisations and observers; null when the deployment has not registered them.
  const ObserverRegistry* observers() const { return observers_.get(); }
  const std::shared_ptr<const ObserverRegistry>& shared_observers() const { return observers_; }

  // The areas whose totals a protocol of `station` moves: district, region, nation, in that order.
  std::vector<const v1::Area*> EnclosingAreas(const v1::Station& station) const;
  // The region (the enclosing area of kind REGION) of a station; nullptr when it has none.
  const v1::Area* RegionOf(const v1::Station& station) const;
  // Whether `station` votes in the contest.
  static bool HoldsContest(const v1::Station& station, std::string_view contest_id);
  // Direct children of an area (regions of the nation, districts of a region).
  const std::vector<const v1::Area*>& Children(std::string_view area_id) const;
  // Stations of a district.
  const std::vector<const v1::Station*>& StationsOfDistrict(std::string_view district_id) const;
  // How many stations of the area (or the station itself) vote in the contest.
  int64_t StationsRegistered(std::string_view area_id, std::string_view contest_id) const;
  // Registered voters summed over those stations.
  int64_t VotersRegistered(std::string_view area_id, std::string_view contest_id) const;

 private:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;
  Status Index();

  v1::Election election_;
  std::vector<v1::Station> stations_;
  std::shared_ptr<const ObserverRegistry> observers_;
  std::string nation_id_;
  std::unordered_map<std::string, const v1::Area*> areas_;
  std::unordered_map<std::string, const v1::Station*> stations_by_id_;
  std::unordered_map<std::string, const v1::Contest*> contests_;
  std::unordered_map<std::string, std::vector<const v1::Area*>> children_;
  std::unordered_map<std::string, std::vector<const v1::Station*>> district_stations_;
  struct Count {
    int64_t stations = 0;
    int64_t voters = 0;
  };
  // Key: area_id + '|' + contest_id.
  std::unordered_map<std::string, Count> counts_;
};

}  // namespace hattama::domain
