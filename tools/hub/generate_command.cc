// hattama-hub generate: a synthetic registry (DIR/election.json, DIR/stations.csv), read back the
// way the services will, and, for the night simulate will draw, the hubs' credentials and the
// observer registry (DIR/organisations.csv, DIR/observers.csv).
//
// Sized for a million stations (at most 10 s and 1 GiB on a 2-core machine, issue #14): stations
// are written as they are drawn, and the night's hubs and observers are found without drawing the
// night itself (ObserversOfNight), which for a million stations took over a minute and 10 GiB.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "tools/hub/commands.h"
#include "tools/hub/simulator/hub_credentials.h"
#include "tools/hub/simulator/observer_registry.h"
#include "tools/hub/simulator/plan.h"
#include "tools/hub/simulator/plan_steps.h"
#include "tools/hub/simulator/registry_files.h"
#include "tools/hub/simulator/synthetic.h"

namespace hattama::hub {
namespace {

// Writes the registry and loads it back, as the services will.
Result<std::shared_ptr<const domain::Registry>> WriteRegistry(const Flags& flags) {
  auto loaded = GenerateRegistryFiles({flags.stations, flags.seed}, flags.out_dir);
  if (!loaded.ok()) {
    return Status::Error("the written registry does not load: " + loaded.status().message());
  }
  fmt::print("wrote {} and {}: {} stations, {} areas, {} contests\n",
             ElectionJsonPath(flags.out_dir), StationsCsvPath(flags.out_dir),
             (*loaded)->stations().size(), (*loaded)->election().areas_size(),
             (*loaded)->election().contests_size());
  return loaded;
}

// The hubs of the plan simulate will draw (same flags), each with a fresh token and the regions
// the plan gives it: the registry ingestion authenticates them with.
Status WriteCredentials(const Flags& flags, const domain::Registry& registry) {
  auto hubs = AssignRegionsToHubs(registry, flags.hubs);
  if (!hubs.ok()) return hubs.status();
  if (auto credentials = WriteHubCredentials(hubs->hub_ids, hubs->hub_of_region, flags.out_dir);
      !credentials.ok()) {
    return credentials;
  }
  fmt::print("wrote {} (hub registry for ingestion) and {} (the {} hubs' tokens)\n",
             HubRegistryPath(flags.out_dir), HubTokensPath(flags.out_dir), hubs->hub_ids.size());
  return Status::Ok();
}

// The organisations and the observers of the same night, each with the hubs that send for them,
// read back the way the services will.
Status WriteObservers(const Flags& flags, const domain::Registry& registry) {
  const ObserverRegistryOptions options{.seed = flags.seed, .signing = flags.signing};
  auto observers = ObserversOfNight(registry, PlanOptionsFor(flags), options);
  if (!observers.ok()) return observers.status();
  if (auto written = WriteObserverRegistry(*observers, flags.out_dir, options); !written.ok()) {
    return written;
  }
  // The files as Registry::Load reads them beside the stations, which were read back already.
  auto loaded = domain::ObserverRegistry::Load(OrganisationsCsvPath(flags.out_dir),
                                               ObserversCsvPath(flags.out_dir));
  if (!loaded.ok()) {
    return Status::Error("the written observer registry does not load: " +
                         loaded.status().message());
  }
  fmt::print("wrote {} and {}: {} organisations, {} observers ({} with a key)\n",
             OrganisationsCsvPath(flags.out_dir), ObserversCsvPath(flags.out_dir),
             (*loaded)->organisations().size(), (*loaded)->observer_count(),
             (*loaded)->keyed_observers());
  return Status::Ok();
}

}  // namespace

int Generate(const Flags& flags) {
  auto registry = WriteRegistry(flags);
  if (!registry.ok()) {
    spdlog::error("{}", registry.status().message());
    return kFailure;
  }
  for (auto write : {WriteCredentials, WriteObservers}) {
    if (auto written = write(flags, **registry); !written.ok()) {
      spdlog::error("{}", written.message());
      return kFailure;
    }
  }
  return 0;
}

}  // namespace hattama::hub
