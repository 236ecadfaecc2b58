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

struct ObserverRegistryOptions {
  // The seed the plan was drawn with: the synthetic keys derive from it (signing.h).
  uint64_t seed = 0;
  // kSigningOrganisation requires signatures, and its observers register their synthetic keys.
  bool signing = false;
};

// The three observer organisations of the synthetic night, all independent; signatures are
// optional for all of them, unless `signing` (then kSigningOrganisation requires them). Then the
// organisations of the scenario haq-2021 (scenario_haq2021.h), which observe no protocols.
std::vector<domain::Organisation> SyntheticOrganisations(bool signing = false);

// The organisation whose observer watches `station_id` in the election of `seed`.
const std::string& OrganisationOfStation(uint64_t seed, const std::string& station_id);

// Every observer a plan's observer results (source OBSERVER) name, with their organisation and
// the hubs that send for them, in the order they first appear. Official results are attributed to
// their hub (common/domain/attribution.h) and need no observer.
// With options.signing, the observers of kSigningOrganisation have their synthetic keys.
std::vector<domain::Observer> ObserversOfPlan(const Plan& plan,
                                              const ObserverRegistryOptions& options = {});

// The same observers as ObserversOfPlan(DrawPlan(registry, plan_options)), perhaps in another
// order, found without drawing the night: every station's observer ("obs-STATION"), and the
// confirming ("obs2-") and disputing ("obs3-") observers of the protocols the plan would pick
// (PickOtherObservers, plan_steps.h), each with the hub of its station's region. For generate,
// whose registry may be too large for its night to be drawn whole.
Result<std::vector<domain::Observer>> ObserversOfNight(const domain::Registry& registry,
                                                       const PlanOptions& plan_options,
                                                       const ObserverRegistryOptions& options = {});

std::string OrganisationsCsvPath(const std::string& dir);
std::string ObserversCsvPath(const std::string& dir);

// Writes both files for `plan` into `dir`.
Status WriteObserverRegistry(const Plan& plan, const std::string& dir,
                             const ObserverRegistryOptions& options = {});
// Writes both files, with `observers`, into `dir`.
Status WriteObserverRegistry(const std::vector<domain::Observer>& observers, const std::string& dir,
                             const ObserverRegistryOptions& options = {});

}  // namespace hattama::hub
