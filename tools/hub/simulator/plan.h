// The simulated election night: for every station × contest one protocol drawn around the
// observers' 2021 figures, plus broken, malformed and resent submissions, in the order the hubs
// send them, with the ground truth they must produce.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/domain/registry.h"
#include "tools/hub/simulator/planned_submission.h"
#include "tools/hub/simulator/truth.h"

namespace hattama::hub {

struct PlanOptions {
  uint64_t seed = 2021;
  // Hubs "hub-1" .. "hub-H"; every region belongs to one, balanced by station count.
  int hubs = 4;
  // Shares of the station × contest protocols: broken ones (replacing the clean one), malformed
  // extras, and resends. A positive rate yields at least one of each variant when possible.
  double broken_rate = 0.01;
  double malformed_rate = 0.005;
  double resend_rate = 0.05;
  // Several versions of one station × contest (all accepted; which counts is the dispute rule of
  // common/domain/dispute.h): a second observer confirming the same figures, a third observer
  // with different figures (a disputed station), the same observer's revision 1 with corrected
  // figures (sent in random order relative to revision 0, so sometimes first).
  double confirm_rate = 0;
  double dispute_rate = 0;
  double revision_rate = 0;
  // Also send the election commission's results (source OFFICIAL) of every Mazhilis protocol,
  // drawn around the announced 2021 figures (turnout 63 %, Nur Otan 71.1, Ak Zhol 10.9, People's
  // Party 9.1, Auyl 5.3, ADAL 3.6): they differ from the observers' the way the report says.
  bool official_results = false;
  // The order protocols arrive in. kShuffled: at random over the whole country. kCitiesFirst: a
  // night as real nights go (biased_night.h): city voters give the first list 30 % fewer votes and
  // city protocols arrive first, those of the stations in `report_first` (a PVT sample's) before
  // all others.
  enum class Arrival { kShuffled, kCitiesFirst };
  Arrival arrival = Arrival::kShuffled;
  std::set<std::string> report_first;
  // Stations nobody reports tonight (no observer's protocol, no official result), left for a hub's
  // desk to type from photos later (hattama-demo --desk): their protocols are new, not revisions.
  // Dropped after every draw, so that the rest of the night is the one generate registered.
  std::set<std::string> held_back;
};

struct Plan {
  // In send order; every resend comes after its original.
  std::vector<PlannedSubmission> submissions;
  std::vector<std::string> hub_ids;
  // Region area id -> hub id.
  std::map<std::string, std::string> hub_of_region;
  // After every submission has been sent.
  Truth truth;
  ExpectedCounts expected;
};

// Draws the night for every station × contest of `registry`, in the named steps of plan_steps.h.
// Observers the registry lists with a key sign their submissions (signing.h). Deterministic per
// (registry, options).
Result<Plan> DrawPlan(const domain::Registry& registry, const PlanOptions& options);

// The region of a station (Registry::RegionOf); in a tree without regions, the area just below
// the nation stands in for one.
const v1::Area* RegionOf(const domain::Registry& registry, const domain::Station& station);

}  // namespace hattama::hub
