// Signed protocols in the synthetic night. When generate is asked to (--signing), the organisation
// kSigningOrganisation requires signatures and its observers register keys derived from the seed
// and their id, so that simulate signs for them with no key file per observer. Such keys are
// for the synthetic election only: anyone who knows the seed can derive them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/crypto/ed25519.h"
#include "common/domain/registry.h"
#include "tools/hub/simulator/planned_submission.h"

namespace hattama::hub {

inline constexpr char kSigningOrganisation[] = "oyan-qazaqstan";

// The key of `observer_id` in the election of `seed`: its seed is
// SHA-256("hattama-synthetic-observer-key|<seed>|<observer_id>").
crypto::Ed25519PrivateKey SyntheticObserverKey(uint64_t seed, const std::string& observer_id);

// Signs every observer result among `submissions` whose observer the registry lists with a key,
// with that observer's synthetic key. An error when a registered key is not the synthetic one (a
// registry generated with another seed, or a real one).
Status SignForRegisteredKeys(const domain::Registry& registry, uint64_t seed,
                             std::vector<PlannedSubmission>& submissions);

}  // namespace hattama::hub
