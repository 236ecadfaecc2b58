// A generated registry and the plan of the night drawn on it, for the simulator's tests that only
// read them (each keeps its own in a function-local static, drawn once per process).
#pragma once

#include <cstdint>
#include <memory>

#include "tools/hub/simulator/plan.h"
#include "tools/hub/simulator/synthetic.h"

namespace hattama::hub::testing {

struct Night {
  std::shared_ptr<const domain::Registry> registry;
  Plan plan;
};

// A registry of `stations` from `registry_seed`, and the plan `options` draws on it.
inline Night DrawNight(int64_t stations, uint64_t registry_seed, const PlanOptions& options) {
  Night night;
  night.registry =
      std::move(GenerateRegistry({.stations = stations, .seed = registry_seed})).value();
  night.plan = std::move(DrawPlan(*night.registry, options)).value();
  return night;
}

}  // namespace hattama::hub::testing
