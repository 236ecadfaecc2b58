#include "tools/hub/simulator/sample.h"

#include <map>
#include <numeric>
#include <string>
#include <vector>

#include "common/base/files.h"
#include "tools/hub/simulator/plan.h"
#include "tools/hub/simulator/rng.h"

namespace hattama::hub {

Result<analysis::PvtSample> DrawPvtSample(const domain::Registry& registry,
                                          const SampleDrawOptions& options) {
  if (registry.stations().empty()) return Status::Error("the registry has no station");
  // Each region's stations (indices into the registry), regions in order of first station.
  std::vector<std::string> region_ids;
  std::map<std::string, std::vector<size_t>> stations_of;
  const auto& stations = registry.stations();
  for (size_t i = 0; i < stations.size(); ++i) {
    const v1::Area* region = RegionOf(registry, stations[i]);
    if (region == nullptr) {
      return Status::Error("station " + stations[i].station_id() + " has no area");
    }
    auto [it, added] = stations_of.try_emplace(region->area_id());
    if (added) region_ids.push_back(region->area_id());
    it->second.push_back(i);
  }
  std::vector<analysis::Stratum> strata;
  for (const auto& id : region_ids) {
    strata.push_back({id, static_cast<int64_t>(stations_of[id].size())});
  }
  const int64_t n = analysis::SampleSize(static_cast<int64_t>(stations.size()), options.size);
  const std::vector<int64_t> sizes =
      analysis::AllocateSample(strata, n, options.size.min_per_stratum);

  analysis::PvtSample sample;
  sample.election_id = registry.election().election_id();
  sample.seed = options.seed;
  sample.margin_percent = options.size.margin_percent;
  sample.spread_percent = options.size.spread_percent;
  std::vector<bool> drawn(stations.size(), false);
  for (size_t h = 0; h < region_ids.size(); ++h) {
    sample.strata.push_back({region_ids[h], strata[h].stations, sizes[h]});
    std::vector<size_t> pool = stations_of[region_ids[h]];
    Rng rng(StreamSeed(options.seed, "pvt-sample|" + region_ids[h]));
    for (size_t k = 0; k < static_cast<size_t>(sizes[h]); ++k) {
      const auto pick = static_cast<size_t>(
          rng.UniformInt(static_cast<int64_t>(k), static_cast<int64_t>(pool.size()) - 1));
      std::swap(pool[k], pool[pick]);
      drawn[pool[k]] = true;
    }
  }
  // Grouped by stratum, in registry order within it.
  for (const auto& id : region_ids) {
    for (size_t i : stations_of[id]) {
      if (drawn[i]) sample.stations.push_back({stations[i].station_id(), id});
    }
  }
  // The text is formatted once here so that an id the file cannot hold is an error now.
  if (auto text = analysis::FormatPvtSample(sample); !text.ok()) return text.status();
  return sample;
}

Result<std::set<std::string>> ReadSampledStations(const std::string& path) {
  auto text = ReadSmallFile(path, analysis::kMaxPvtSampleFileBytes);
  if (!text.ok()) return text.status();
  auto sample = analysis::ParsePvtSample(*text);
  if (!sample.ok()) return Status::Error(path + ": " + sample.status().message());
  std::set<std::string> ids;
  for (auto& station : sample->stations) ids.insert(std::move(station.station_id));
  return ids;
}

}  // namespace hattama::hub
