// The station registry and the area tree: which stations exist, where they are, which contests
// they vote in. Pure data, loaded once at start and shared read-only by all threads; it holds
// pointers into itself, so it lives behind a shared_ptr and is never copied or moved.
//
// Sized for a million stations in every service: a station is 48 bytes (its id inline up to 15
// bytes, a pointer to its place, its voters), the places (district × list of contests) and the
// per-area counts are shared, and stations are found by id through one open-addressing table of
// 4-byte slots (id_index.h). A million stations take about 65 MiB.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/base/result.h"
#include "common/domain/id_index.h"
#include "common/domain/observers.h"
#include "hattama/v1/election.pb.h"

namespace hattama::domain {

class Station;

// What stations of one district voting in the same contests share: their district, the areas
// enclosing it and the contests they vote in. Owned by the Registry.
struct StationPlace {
  const v1::Area* district = nullptr;
  // The district, its region, the nation (Registry::EnclosingAreas).
  const std::vector<const v1::Area*>* enclosing = nullptr;
  std::vector<std::string> contest_ids;
};

// One polling station of the registry, read-only. The accessors are those of v1::Station, so code
// reads a station the same way whichever it holds.
class Station {
 public:
  const std::string& station_id() const { return station_id_; }
  const std::string& district_id() const { return place_->district->area_id(); }
  int64_t registered_voters() const { return registered_voters_; }
  const std::vector<std::string>& contest_ids() const { return place_->contest_ids; }
  int contest_ids_size() const { return static_cast<int>(place_->contest_ids.size()); }
  const std::string& contest_ids(int i) const { return place_->contest_ids[i]; }

  // The station as the contract's message.
  v1::Station ToProto() const;

 private:
  friend class Registry;
  Station(std::string station_id, const StationPlace* place, int64_t registered_voters)
      : station_id_(std::move(station_id)), place_(place), registered_voters_(registered_voters) {}

  std::string station_id_;
  const StationPlace* place_;
  int64_t registered_voters_;
};

class Registry {
 public:
  // Loads the election (protobuf JSON of hattama.v1.Election) and the stations CSV, whose header is
  // "station_id,district_id,registered_voters,contest_ids" and whose contest_ids are separated
  // by ';'. Every reference is checked: an unknown district or contest is an error naming the line.
  // Names per language are checked too (CheckLocalizedNames, localized_names.h).
  // The CSV is read a line at a time: nothing but the stations is kept.
  // The observer registry (observers.h) is read from organisations.csv and observers.csv in the
  // stations CSV's directory: both files, or neither (then observers() is null: observers are not
  // registered, see checks.h); one without the other is an error.
  static Result<std::shared_ptr<const Registry>> Load(const std::string& election_json_path,
                                                      const std::string& stations_csv_path);
  // Builds from data already in memory; checks the same as Load. `observers` may be null.
  static Result<std::shared_ptr<const Registry>> Build(
      v1::Election election, const std::vector<v1::Station>& stations,
      std::shared_ptr<const ObserverRegistry> observers = nullptr);
  // The same from another registry's stations (to give them other observers, say).
  static Result<std::shared_ptr<const Registry>> Build(
      v1::Election election, const std::vector<Station>& stations,
      std::shared_ptr<const ObserverRegistry> observers = nullptr);

  const v1::Election& election() const { return election_; }
  // In the order they were listed.
  const std::vector<Station>& stations() const { return stations_; }

  const v1::Area* FindArea(std::string_view area_id) const;
  const Station* FindStation(std::string_view station_id) const;
  const v1::Contest* FindContest(std::string_view contest_id) const;
  // The nation's area id (the one area without a parent).
  const std::string& nation_id() const { return nation_id_; }
  // The organisations and observers; null when the deployment has not registered them.
  const ObserverRegistry* observers() const { return observers_.get(); }
  const std::shared_ptr<const ObserverRegistry>& shared_observers() const { return observers_; }

  // The areas whose totals a protocol of `station` moves: district, region, nation, in that order.
  const std::vector<const v1::Area*>& EnclosingAreas(const Station& station) const;
  // The region (the enclosing area of kind REGION) of a station; nullptr when it has none.
  const v1::Area* RegionOf(const Station& station) const;
  // Whether `station` votes in the contest.
  static bool HoldsContest(const Station& station, std::string_view contest_id);
  // Direct children of an area (regions of the nation, districts of a region).
  const std::vector<const v1::Area*>& Children(std::string_view area_id) const;
  // Stations of a district.
  const std::vector<const Station*>& StationsOfDistrict(std::string_view district_id) const;
  // How many stations of the area (or the station itself) vote in the contest.
  int64_t StationsRegistered(std::string_view area_id, std::string_view contest_id) const;
  // Registered voters summed over those stations.
  int64_t VotersRegistered(std::string_view area_id, std::string_view contest_id) const;

 private:
  struct Count {
    int64_t stations = 0;
    int64_t voters = 0;
  };

  Registry() = default;
  // Build's steps, for v1::Station or Station.
  template <typename Stations>
  static Result<std::shared_ptr<const Registry>> BuildFrom(
      v1::Election election, const Stations& stations,
      std::shared_ptr<const ObserverRegistry> observers);
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;
  // The areas and contests of election_, before any station is added.
  Status IndexElection();
  // Adds one station (errors name it: a duplicate id, an unknown district or contest).
  // `contest_ids` is the CSV's field: ids separated by ';', empty ones skipped.
  Status AddStation(std::string_view station_id, std::string_view district_id,
                    int64_t registered_voters, std::string_view contest_ids);
  // Once every station is added: the per-area counts and the stations of each district.
  void IndexStations();
  // The place of stations of that district with that field of contests (made on first use).
  Result<const StationPlace*> PlaceOf(size_t district, std::string_view contest_ids);
  const Count* FindCount(std::string_view area_id, std::string_view contest_id) const;

  v1::Election election_;
  std::vector<Station> stations_;
  std::shared_ptr<const ObserverRegistry> observers_;
  std::string nation_id_;
  // Keys view the ids held by election_, which never changes after loading.
  std::unordered_map<std::string_view, size_t> area_index_;     // into election_.areas()
  std::unordered_map<std::string_view, size_t> contest_index_;  // into election_.contests()
  // Indexed like election_.areas().
  std::vector<std::vector<const v1::Area*>> children_;
  std::vector<std::vector<const v1::Area*>> enclosing_;
  std::vector<std::vector<const Station*>> district_stations_;
  // Stations of one district with one field of contests share a place: a few hundred in all.
  // unique_ptr: a place's address is kept by its stations.
  std::vector<std::unique_ptr<StationPlace>> places_;
  // Key: the district's index, '|', the contest_ids field.
  std::unordered_map<std::string, const StationPlace*> place_by_key_;
  // The place of the station added last, and what it was found by.
  const StationPlace* last_place_ = nullptr;
  size_t last_district_ = 0;
  std::string last_contest_ids_;
  IdIndex stations_by_id_;
  // counts_[area index * contests + contest index]; a station's own count comes from the station.
  std::vector<Count> counts_;
};

}  // namespace hattama::domain
