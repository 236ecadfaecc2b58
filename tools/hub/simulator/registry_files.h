// The registry on disk: DIR/election.json (protobuf JSON of hattama.v1.Election) and
// DIR/stations.csv, the two files every service loads with domain::Registry::Load (which also
// reads an observer registry beside them, observer_registry.h).
#pragma once

#include <fmt/format.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/domain/registry.h"
#include "hattama/v1/election.pb.h"

namespace hattama::hub {

std::string ElectionJsonPath(const std::string& dir);
std::string StationsCsvPath(const std::string& dir);

// Creates DIR when needed and removes an observer registry (organisations.csv, observers.csv)
// left in it: the registry written next has none until WriteObserverRegistry
// (observer_registry.h) writes one for it.
Status PrepareRegistryDir(const std::string& dir);

// DIR/election.json.
Status WriteElectionJson(const v1::Election& election, const std::string& dir);

// DIR/stations.csv written a row at a time, so that a registry of millions is never held whole.
class StationsCsvWriter {
 public:
  // Truncates DIR/stations.csv and writes the header.
  explicit StationsCsvWriter(const std::string& dir);

  // A v1::Station or a domain::Station.
  template <typename AStation>
  void Add(const AStation& station) {
    row_.clear();
    fmt::format_to(std::back_inserter(row_), "{},{},{},{}\n", station.station_id(),
                   station.district_id(), station.registered_voters(),
                   fmt::join(station.contest_ids(), ";"));
    out_.write(row_.data(), static_cast<std::streamsize>(row_.size()));
  }

  // Flushes; an error naming the file when any write failed.
  Status Finish();

 private:
  std::string path_;
  std::ofstream out_;
  std::string row_;
};

// Writes both files (after PrepareRegistryDir).
Status WriteRegistryFiles(const v1::Election& election, const std::vector<v1::Station>& stations,
                          const std::string& dir);
Status WriteRegistryFiles(const v1::Election& election,
                          const std::vector<domain::Station>& stations, const std::string& dir);

// True when DIR holds both files.
bool RegistryFilesExist(const std::string& dir);

// domain::Registry::Load of DIR's two files.
Result<std::shared_ptr<const domain::Registry>> LoadRegistryFiles(const std::string& dir);

}  // namespace hattama::hub
