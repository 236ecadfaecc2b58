// Attribution: whether a submission may stand under the observer id it names, by the observer
// registry (observers.h). Pure code, called by Validate (checks.h), so that ingestion and, later,
// a hub's own desk judge the same way.
//
// With an observer registry, an observer result (SOURCE_OBSERVER) is rejected when
//   - its observer_id is not listed                                   REASON_CODE_UNKNOWN_OBSERVER
//   - its hub_id (the relaying hub: ingestion has checked it is the
//     authenticated hub's) is not one of the observer's hubs
//     REASON_CODE_HUB_NOT_ALLOWED_FOR_OBSERVER
//   - its organisation_id is not the observer's            REASON_CODE_ORGANISATION_MISMATCH
//   - it is unsigned and the observer has a key (or their organisation
//     requires signatures)                                         REASON_CODE_SIGNATURE_REQUIRED
//   - it is signed and the signature does not verify with the observer's key, or the observer has
//     no key REASON_CODE_BAD_SIGNATURE
// so that an observer's versions — the ones the dispute rule (dispute.h) lets replace and retract
// each other — all come from the holder of their key or, for an observer without one, through the
// hubs the registry allows for them.
//
// Official results (SOURCE_OFFICIAL) come from the election commission and are typed in by a hub:
// they are attributed to that hub. Their observer_id must be the relaying hub's id
// (REASON_CODE_HUB_NOT_ALLOWED_FOR_OBSERVER otherwise), so only that hub can revise or retract what
// it typed, and two hubs typing the same station's result stand side by side (confirming or
// disputing each other). Their organisation_id names the commission and is not looked up; they
// carry no signature (no key is registered for a hub: REASON_CODE_BAD_SIGNATURE).
//
// Without an observer registry (a deployment that has not registered its observers) every
// observer id, organisation and hub is taken as sent, as before the registry existed; a signature
// cannot be checked and is rejected (REASON_CODE_BAD_SIGNATURE) rather than logged unchecked.
#pragma once

#include <string>
#include <vector>

#include "common/domain/observers.h"
#include "hattama/v1/protocol.pb.h"
#include "hattama/v1/records.pb.h"

namespace hattama::domain {

// The reasons `submission` may not stand under its observer id; empty when it may. `observers`
// null: no registry. The source must be OBSERVER or OFFICIAL (Validate checks that first).
std::vector<v1::Reason> CheckAttribution(const v1::Submission& submission,
                                         const ObserverRegistry* observers);

// With an observer registry, a deployment event must name a listed organisation
// (REASON_CODE_UNKNOWN_ORGANISATION).
std::vector<v1::Reason> CheckEventOrganisation(const v1::DeploymentEvent& event,
                                               const ObserverRegistry* observers);

}  // namespace hattama::domain
