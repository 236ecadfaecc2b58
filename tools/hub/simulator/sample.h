// The PVT sample drawn before the night (hattama-hub draw-sample): stratified by region, its size
// from a target margin (analysis::SampleSize, AllocateSample), a simple random sample of stations
// within each region, seeded so that a seed and a registry name one sample.
#pragma once

#include <cstdint>
#include <set>
#include <string>

#include "common/analysis/pvt.h"
#include "common/analysis/pvt_sample.h"
#include "common/base/result.h"
#include "common/domain/registry.h"

namespace hattama::hub {

struct SampleDrawOptions {
  analysis::SampleSizeOptions size;
  uint64_t seed = 2021;
};

// Strata are the regions (RegionOf, plan.h) in the order of their first station in the registry,
// each with every station of the registry in it; n = SampleSize(all stations), split by
// AllocateSample; in each region n_h stations drawn without replacement (a partial Fisher–Yates
// shuffle of its stations from the stream StreamSeed(seed, "pvt-sample|" + region id)), listed in
// registry order. An error when the registry has no station or an id holds a space.
Result<analysis::PvtSample> DrawPvtSample(const domain::Registry& registry,
                                          const SampleDrawOptions& options);

// The station ids of the sample file at `path` (PlanOptions::report_first): an error when it does
// not read or parse.
Result<std::set<std::string>> ReadSampledStations(const std::string& path);

}  // namespace hattama::hub
