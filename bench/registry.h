// The station registry's memory and start-up (issue #14 item 4), each measured in a fresh process
// (wall clock and CPU time from outside, peak RSS as the process's own VmHWM):
//   - `hattama-hub generate --station-count N` into an empty directory, as a user runs it;
//   - that registry loaded by domain::Registry::Load, as every service loads it at start, in a
//     fresh `hattama-bench registry-load DIR` (a binary linked with gRPC and protobuf like the
//     services), which also reports how long Load took and its RSS before loading.
#pragma once

#include <cstdint>
#include <string>

#include "common/base/result.h"

namespace hattama::bench {

// What issue #14 aims at for a registry of a million stations.
inline constexpr double kRegistryTargetMiB = 150;
inline constexpr double kRegistryLoadTargetSeconds = 1;
inline constexpr double kGenerateTargetSeconds = 10;
inline constexpr double kGenerateTargetMiB = 1024;

struct RegistryFigures {
  int64_t stations = 0;
  double generate_seconds = 0;
  int64_t generate_peak_kb = 0;
  // domain::Registry::Load alone, timed inside the loading process (wall clock), and the CPU time
  // of that whole process (user + system): on a machine shared with other work, the wall clock
  // waits for a core and the CPU time says what the load itself costs.
  double load_seconds = 0;
  double load_cpu_seconds = 0;
  // The loading process's peak RSS, and its RSS before Load (the binary and its libraries).
  int64_t load_peak_kb = 0;
  int64_t before_load_kb = 0;
};

// Generates a registry of `stations` into <work_dir>/registry-bench-<N> (emptied first), then loads
// it in a fresh process.
Result<RegistryFigures> RunRegistryBenchmark(int64_t stations, const std::string& work_dir);

// The loading process's side (`hattama-bench registry-load DIR`): loads DIR's registry and prints
// "<seconds Load took> <RSS before it, KiB> <peak RSS, KiB>" on stdout. Returns the exit code.
int LoadRegistryAndReport(const std::string& dir);

}  // namespace hattama::bench
