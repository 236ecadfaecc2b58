// hattama-hub generate: a synthetic registry (DIR/election.json, DIR/stations.csv), read back the
// way the services will, and, for the night simulate will draw, the hubs' credentials and the
// observer registry (DIR/organisations.csv, DIR/observers.csv).
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "tools/hub/commands.h"
#include "tools/hub/simulator/hub_credentials.h"
#include "tools/hub/simulator/observer_registry.h"
#include "tools/hub/simulator/plan.h"
#include "tools/hub/simulator/registry_files.h"
#include "tools/hub/simulator/synthetic.h"

namespace hattama::hub {
namespace {

// Writes the registry and loads it back, as the services will.
Result<std::shared_ptr<const domain::Registry>> WriteRegistry(const Flags& flags) {
  auto generated = GenerateElection({flags.stations, flags.seed});
  if (!generated.ok()) return generated.status();
  auto written = WriteRegistryFiles(generated->election, generated->stations, flags.out_dir);
  if (!written.ok()) return written;
  auto loaded = LoadRegistryFiles(flags.out_dir);
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
Status WriteCredentials(const Flags& flags, const Plan& plan) {
  if (auto credentials = WriteHubCredentials(plan, flags.out_dir); !credentials.ok()) {
    return credentials;
  }
  fmt::print("wrote {} (hub registry for ingestion) and {} (the {} hubs' tokens)\n",
             HubRegistryPath(flags.out_dir), HubTokensPath(flags.out_dir), plan.hub_ids.size());
  return Status::Ok();
}

// The organisations and the observers of the same plan, each with the hubs that send for them,
// read back the way the services will.
Status WriteObservers(const Flags& flags, const Plan& plan) {
  if (auto written = WriteObserverRegistry(plan, flags.out_dir,
                                           {.seed = flags.seed, .signing = flags.signing});
      !written.ok()) {
    return written;
  }
  auto loaded = LoadRegistryFiles(flags.out_dir);
  if (!loaded.ok()) {
    return Status::Error("the written observer registry does not load: " +
                         loaded.status().message());
  }
  fmt::print("wrote {} and {}: {} organisations, {} observers ({} with a key)\n",
             OrganisationsCsvPath(flags.out_dir), ObserversCsvPath(flags.out_dir),
             (*loaded)->observers()->organisations().size(),
             (*loaded)->observers()->observers().size(), (*loaded)->observers()->keyed_observers());
  return Status::Ok();
}

Status WriteNight(const Flags& flags, const domain::Registry& registry) {
  auto plan = DrawPlan(registry, PlanOptionsFor(flags));
  if (!plan.ok()) return plan.status();
  if (auto written = WriteCredentials(flags, *plan); !written.ok()) return written;
  return WriteObservers(flags, *plan);
}

}  // namespace

int Generate(const Flags& flags) {
  auto registry = WriteRegistry(flags);
  if (!registry.ok()) {
    spdlog::error("{}", registry.status().message());
    return kFailure;
  }
  if (auto written = WriteNight(flags, **registry); !written.ok()) {
    spdlog::error("{}", written.message());
    return kFailure;
  }
  return 0;
}

}  // namespace hattama::hub
