// What a person reads at the end of a simulation: per contest, the national turnout, party
// shares (against the 7 % threshold), spoiled ballots, coverage and how the submissions were
// answered.
#pragma once

#include <map>
#include <span>
#include <string>

#include "common/domain/registry.h"
#include "tools/hub/client/client.h"
#include "tools/hub/simulator/planned_submission.h"
#include "tools/hub/simulator/truth.h"

namespace hattama::hub {

// `nation` maps contest id -> national totals (published or true). `report` may be null (nothing
// streamed yet); otherwise its acks are aligned with `sent`.
std::string FormatSummary(const domain::Registry& registry,
                          const std::map<std::string, Tally>& nation,
                          std::span<const PlannedSubmission> sent, const StreamReport* report);

// Official against observer figures of the nation, per contest with official results: turnout
// and each option's share side by side, and the difference in percentage points.
std::string FormatOfficialComparison(const domain::Registry& registry,
                                     const std::map<std::string, Tally>& observer_nation,
                                     const std::map<std::string, Tally>& official_nation);

}  // namespace hattama::hub
