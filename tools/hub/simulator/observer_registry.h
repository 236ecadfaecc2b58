// The synthetic election's organisations and observers: the organisations the simulated observers
// belong to, and the observer registry files (DIR/organisations.csv, DIR/observers.csv) that
// register exactly the observers, organisations and hubs a plan sends for, so that ingestion
// accepts the night as it did before observers were registered.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/domain/observers.h"
#include "tools/hub/simulator/plan.h"

namespace hattama::hub {

// The three observer organisations of the synthetic night (all independent, signatures optional).
const std::vector<domain::Organisation>& SyntheticOrganisations();

// The organisation whose observer watches `station_id` in the election of `seed`.
const std::string& OrganisationOfStation(uint64_t seed, const std::string& station_id);

// Every observer a plan's observer results (source OBSERVER) name, with their organisation and
// the hubs that send for them, in the order they first appear. Official results are attributed to
// their hub (common/domain/attribution.h) and need no observer.
std::vector<domain::Observer> ObserversOfPlan(const Plan& plan);

std::string OrganisationsCsvPath(const std::string& dir);
std::string ObserversCsvPath(const std::string& dir);

// Writes both files for `plan` into `dir`.
Status WriteObserverRegistry(const Plan& plan, const std::string& dir);

}  // namespace hattama::hub
