// The one table hattama-bench prints at the end of a run: every figure, and beside it its ratio to
// the figure it is held against (what Hattama achieves through a raw part, of that part), with a
// column saying which ratio it is.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bench/e2e.h"
#include "bench/raw.h"
#include "bench/registry.h"

namespace hattama::bench {

struct TableContext {
  int streams = 4;
  int64_t window = 1024;
  std::string load_before;  // the load average when the run started
};

// `registries`: the registry benchmark of some of the runs' sizes (bench/registry.h); without
// runs, each is a column of its own.
void PrintTable(const std::optional<RawFigures>& raw, const std::vector<E2eFigures>& runs,
                const TableContext& context, const std::vector<RegistryFigures>& registries = {});

// "1,234,567".
std::string Grouped(int64_t value);

// The 1-, 5- and 15-minute load averages: other work on the machine shows in every figure.
std::string LoadAverage();

}  // namespace hattama::bench
