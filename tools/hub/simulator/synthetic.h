// A synthetic Kazakhstan: the 2021 contests, the post-2022 area tree (17 oblasts and 3 cities of
// republican significance, with their districts) and N polling stations spread by population.
// Deterministic from the seed, so that a seed names one registry.
#pragma once

#include <cstdint>
#include <functional>
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

// Draws the election and hands each station to `each_station` as it is drawn (the message is
// reused: copy what is kept). Station ids are "UIK-00001" upwards (wider past 99,999); every
// region gets at least one station when there are at least as many stations as regions.
Result<v1::Election> DrawElection(const SyntheticOptions& options,
                                  const std::function<void(const v1::Station&)>& each_station);

// DrawElection with every station kept.
Result<SyntheticElection> GenerateElection(const SyntheticOptions& options);

// DrawElection written as DIR's registry files (see registry_files.h), a station at a time: a
// registry of a million stations is never held whole.
Status WriteSyntheticRegistryFiles(const SyntheticOptions& options, const std::string& dir);

// WriteSyntheticRegistryFiles, loaded back from the files the way the services load them.
Result<std::shared_ptr<const domain::Registry>> GenerateRegistryFiles(
    const SyntheticOptions& options, const std::string& dir);

// GenerateElection, checked and indexed by domain::Registry::Build.
Result<std::shared_ptr<const domain::Registry>> GenerateRegistry(const SyntheticOptions& options);

}  // namespace hattama::hub
