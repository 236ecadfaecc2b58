// A synthetic Kazakhstan: the 2021 contests, the post-2022 area tree (17 oblasts and 3 cities of
// republican significance, with their districts) and N polling stations spread by population.
// Deterministic from the seed, so that a seed names one registry.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/domain/registry.h"
#include "hattama/v1/election.pb.h"

namespace hattama::hub {

inline constexpr char kNationId[] = "kz";
inline constexpr char kMazhilis[] = "mazhilis";
inline constexpr char kOblastMaslikhat[] = "oblast-maslikhat";
inline constexpr char kCityMaslikhat[] = "city-maslikhat";

struct SyntheticOptions {
  int64_t stations = 10'000;
  uint64_t seed = 2021;
};

struct SyntheticElection {
  v1::Election election;
  std::vector<v1::Station> stations;
};

// Draws the election and its stations. Station ids are "UIK-00001" upwards (wider past 99,999);
// every region gets at least one station when there are at least as many stations as regions.
Result<SyntheticElection> GenerateElection(const SyntheticOptions& options);

// GenerateElection written as DIR's registry files (see registry_files.h) and loaded back from
// them, the way the services load them.
Result<std::shared_ptr<const domain::Registry>> GenerateRegistryFiles(
    const SyntheticOptions& options, const std::string& dir);

// GenerateElection, checked and indexed by domain::Registry::Build.
Result<std::shared_ptr<const domain::Registry>> GenerateRegistry(const SyntheticOptions& options);

}  // namespace hattama::hub
