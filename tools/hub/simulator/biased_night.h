// A night as real nights go (PlanOptions::arrival = kCitiesFirst): city voters vote differently
// from the countryside, and city protocols arrive first — so that the stations reported so far are
// no random sample, even within a region, and an estimate from them is biased however small its
// margin. The observers of a PVT sample drawn before the night (sample.h) report first, as a PVT's
// observers do (by SMS as their count ends), in the same cities-first order among themselves.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "common/domain/registry.h"
#include "tools/hub/simulator/planned_submission.h"

namespace hattama::hub {

// What city voters take from the first option of every ballot (Nur Otan on the synthetic ones):
// 30 % of its votes at a city station go to the other options instead.
inline constexpr double kCityFirstOptionLoss = 0.30;

// A city's station: its district or its region has Area.is_city.
bool IsCityStation(const domain::Registry& registry, const domain::Station& station);

// Moves kCityFirstOptionLoss of the first option's votes (rounded down) to the other options in
// proportion to their votes (largest remainders; all to the second when they have none), in the
// protocols of city stations. Valid votes and every other figure stay, so every control relation
// that held still holds. In place.
void MoveCityVotes(const domain::Registry& registry, std::vector<PlannedSubmission>& protocols);

// `in_order` reordered, stably: submissions of stations in `report_first` (city ones first), then
// the other city stations', then the rest. Stable, so a resend stays after its original.
std::vector<PlannedSubmission> CitiesFirst(const domain::Registry& registry,
                                           std::vector<PlannedSubmission> in_order,
                                           const std::set<std::string>& report_first);

}  // namespace hattama::hub
