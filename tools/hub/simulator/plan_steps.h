// The steps DrawPlan takes (plan.cc), each one kind of submission of election night. Apart for
// their tests: DrawPlan is the only other caller.
//
// The steps that take an Rng draw from the plan's one stream, in DrawPlan's order: that order is
// part of what a seed names, so a step draws exactly what it drew before for the same input, and
// a new step goes after the last. The others draw from streams of their own (per station, per
// region), so they do not depend on what was drawn before them.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/domain/registry.h"
#include "tools/hub/simulator/planned_submission.h"
#include "tools/hub/simulator/rng.h"

namespace hattama::hub {

// How many of `n` protocols a rate asks for: rate × n rounded, but at least `variants` (so that
// each variant shows up once) when the rate is positive, and never more than n.
size_t CountFor(double rate, size_t n, int variants);

struct HubAssignment {
  // The regions, in the order of their first station in the registry.
  std::vector<const v1::Area*> regions;
  // "hub-1" .. "hub-H".
  std::vector<std::string> hub_ids;
  // Region area id -> hub id.
  std::map<std::string, std::string> hub_of_region;
};

// Gives every region to one of `hubs` hubs: the largest regions (by station count) first, each
// to the hub with the fewest stations so far. An error when hubs < 1 or a station has no area.
Result<HubAssignment> AssignRegionsToHubs(const domain::Registry& registry, int hubs);

// One clean protocol per station × contest, in registry order, sent by the hub of its region:
// figures drawn around the region's turnout and shares (figures.h), a photo, a capture time in
// the four hours after the polls closed.
std::vector<PlannedSubmission> DrawCleanProtocols(const domain::Registry& registry, uint64_t seed,
                                                  const HubAssignment& hubs);

// Breaks one control relation in CountFor(rate, n, 5) of the protocols, in place: each becomes
// kBroken, expected ACCEPTED_WITH_FLAGS with the one flag it carries; the five relations take
// turns.
void BreakSome(Rng& rng, double rate, std::vector<PlannedSubmission>& protocols);

// Other versions of CountFor(rate, n, 1) protocols each: copies of the (possibly broken)
// original, so that they carry its flag, with ids and photos of their own.
// A second observer ("obs2-STATION") confirming the same figures.
std::vector<PlannedSubmission> DrawConfirmations(Rng& rng, double rate, uint64_t seed,
                                                 const std::vector<PlannedSubmission>& protocols);
// A third observer ("obs3-STATION") with a few votes moved between the first two options: a
// disputed station.
std::vector<PlannedSubmission> DrawDisputes(Rng& rng, double rate, uint64_t seed,
                                            const std::vector<PlannedSubmission>& protocols);
// The same observer's revision 1 with a few votes moved between the first two options.
std::vector<PlannedSubmission> DrawRevisions(Rng& rng, double rate, uint64_t seed,
                                             const std::vector<PlannedSubmission>& protocols);

// The commission's results (source OFFICIAL) of every Mazhilis station, drawn around the announced
// figures (OfficialTargetFor), captured six hours after the polls closed, typed in by the region's
// hub and attributed to it (observer_id = hub_id, as common/domain/attribution.h requires).
std::vector<PlannedSubmission> DrawOfficialResults(const domain::Registry& registry, uint64_t seed,
                                                   const HubAssignment& hubs);

// Which of `protocols` protocols are sent twice: CountFor(rate, protocols, 1) distinct indices.
std::vector<size_t> PickResends(Rng& rng, double rate, size_t protocols);

// CountFor(rate, n, 4) extra submissions copied from protocols and malformed in one way each
// (unknown station, unknown option, a missing figure, a negative one, in turns), with ids
// "sSEED-malformed-K": kMalformed, expected REJECTED with the reason it must carry.
std::vector<PlannedSubmission> DrawMalformed(Rng& rng, double rate, uint64_t seed,
                                             const std::vector<PlannedSubmission>& protocols);

// The protocols (indices in DrawCleanProtocols' order) that DrawPlan with these rates gives a
// confirming and a disputing observer: the plan's stream drawn as BreakSome, DrawConfirmations and
// DrawDisputes draw it, without drawing a protocol. For the observer registry of a night too large
// to draw whole (ObserversOfNight, observer_registry.h).
struct OtherObserverPicks {
  std::vector<size_t> confirmed;
  std::vector<size_t> disputed;
};
OtherObserverPicks PickOtherObservers(uint64_t seed, double broken_rate, double confirm_rate,
                                      double dispute_rate, size_t protocols);

// Election night order: `submissions` shuffled, and a resend (kResend, expected DUPLICATE) of
// each submissions[i] for i in `resent` at a random point after its original.
std::vector<PlannedSubmission> InSendOrder(Rng& rng, std::vector<PlannedSubmission> submissions,
                                           const std::vector<size_t>& resent);

}  // namespace hattama::hub
