// The registry on disk: DIR/election.json (protobuf JSON of hattama.v1.Election) and
// DIR/stations.csv, the two files every service loads with domain::Registry::Load (which also
// reads an observer registry beside them, observer_registry.h).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/domain/registry.h"
#include "hattama/v1/election.pb.h"

namespace hattama::hub {

std::string ElectionJsonPath(const std::string& dir);
std::string StationsCsvPath(const std::string& dir);

// Writes both files, creating DIR when needed, and removes an observer registry
// (organisations.csv, observers.csv) left in DIR: the registry written has none until
// WriteObserverRegistry (observer_registry.h) writes one for it.
Status WriteRegistryFiles(const v1::Election& election, const std::vector<v1::Station>& stations,
                          const std::string& dir);

// True when DIR holds both files.
bool RegistryFilesExist(const std::string& dir);

// domain::Registry::Load of DIR's two files.
Result<std::shared_ptr<const domain::Registry>> LoadRegistryFiles(const std::string& dir);

}  // namespace hattama::hub
