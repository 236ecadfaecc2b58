// AnalysisService.GetReforms (issue #16 item 3): the reforms the observers propose, computed on a
// contest's observed votes as publication publishes them (PublishedStore, the observers' scope)
// by common/analysis/reforms.h. Every definition, parameter and default: README, "Reforms".
#pragma once

#include "common/base/result.h"
#include "hattama/v1/analysis.pb.h"
#include "services/publication/published_store.h"

namespace hattama::publication {

// The defaults of GetReformsRequest's unset fields.
inline constexpr int kReformSeats = 98;
inline constexpr double kReformCurrentThresholdPercent = 7;
inline constexpr double kReformProposedThresholdPercent = 3;
inline constexpr double kReformAgainstAllMaxPercent = 50;
inline constexpr double kReformMinTurnoutPercent = 50;

// The answer for `request`: kInvalidArgument for a bad parameter (checked first), kNotFound for an
// unknown contest, kUnavailable when the store cannot be read. Reads the totals of the nation,
// the contest's regions and districts in one round trip, then each contest's national totals.
// The mixed system is left out (its seat counts 0, no constituencies, no decided_mixed) when the
// contest's districts cannot make seats / 2 constituencies (README). Thread-safe as the store.
Result<v1::Reforms> ComputeReforms(PublishedStore& store, const v1::GetReformsRequest& request);

}  // namespace hattama::publication
