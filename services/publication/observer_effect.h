// AnalysisService.GetObserverEffect's answer from the counted protocols of a contest and the
// stations where an independent observer was admitted (analysis/observer_effect.h computes).
#pragma once

#include <string>
#include <unordered_set>
#include <vector>

#include "hattama/v1/analysis.pb.h"
#include "hattama/v1/election.pb.h"
#include "hattama/v1/protocol.pb.h"

namespace hattama::publication {

struct CountedProtocol {
  std::string station_id;
  const v1::Figures* figures;
};

// Turnout (ballots in the box over registered voters) and each option's share (over all options'
// votes) at the stations of `counted` in `observed` against the others. Pure.
v1::ObserverEffect ObserverEffectOf(const v1::Contest& contest,
                                    const std::vector<CountedProtocol>& counted,
                                    const std::unordered_set<std::string>& observed);

}  // namespace hattama::publication
