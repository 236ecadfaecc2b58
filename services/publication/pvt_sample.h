// The PVT sample publication serves beside the "reported so far" estimate (--pvt-sample FILE): the
// stations drawn before the night by hattama-hub draw-sample, the file's SHA-256 (published from
// the first answer on, so that anyone can check the sample was not chosen afterwards), and the
// estimate from the sampled stations alone with each region's completion (analysis/pvt.h).
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/analysis/pvt.h"
#include "common/analysis/pvt_sample.h"
#include "common/base/result.h"
#include "common/domain/registry.h"
#include "hattama/v1/analysis.pb.h"

namespace hattama::publication {

// A loaded sample. Immutable, so shared freely between threads.
struct PvtSample {
  analysis::PvtSample sample;
  // Lower-case hex SHA-256 of the file's bytes.
  std::string sha256;
  std::set<std::string, std::less<>> station_ids;
};

// Reads and checks the sample file: its format (analysis/pvt_sample.h), its election is the
// registry's, and every sampled station is in the registry, in the region the file says. An
// error saying what does not hold.
Result<std::shared_ptr<const PvtSample>> LoadPvtSample(const std::string& path,
                                                       const domain::Registry& registry);

// A station with a counted protocol for the contest, as the "reported so far" estimate takes it.
struct ReportedStation {
  const domain::Station* station;
  // Its stratum is its region.
  analysis::SampledStation figures;
};

// The estimate for `contest` from the sampled stations among `reported`: strata are the regions
// holding the contest (registry order), N_h their stations voting in it, n_h the sampled ones
// voting in it (a simple random sample of a region's stations is one of those voting in any
// contest too).
v1::PvtSampleEstimate EstimateFromPvtSample(const PvtSample& sample,
                                            const domain::Registry& registry,
                                            const v1::Contest& contest,
                                            const std::vector<ReportedStation>& reported);

}  // namespace hattama::publication
