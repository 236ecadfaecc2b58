#include "tools/hub/draw_sample_command.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/base/digest.h"
#include "common/base/files.h"
#include "common/config/config.h"
#include "tools/hub/commands.h"
#include "tools/hub/simulator/registry_files.h"

namespace hattama::hub {

CLI::App* AddDrawSample(CLI::App& app, DrawSampleOptions& options) {
  auto* command = app.add_subcommand(
      "draw-sample",
      "Draw the PVT sample before the night: stations stratified by region, as many as the target "
      "margin needs (README: The PVT sample), seeded; write the sample file (never over an "
      "existing one) and print its SHA-256, to publish before the first protocol");
  config::AddFlag(*command, "dir", options.dir, "Registry directory (election.json, stations.csv)");
  config::AddFlag(*command, "out", options.out,
                  "Sample file to create (default DIR/pvt-sample.txt)");
  config::AddFlag(*command, "margin", options.draw.size.margin_percent,
                  "Target 95 % margin of an option's national share, in percentage points")
      ->check(CLI::PositiveNumber);
  config::AddFlag(*command, "spread", options.draw.size.spread_percent,
                  "Assumed standard deviation of an option's share between stations, in "
                  "percentage points (from a past election when known)")
      ->check(CLI::PositiveNumber);
  config::AddFlag(*command, "min-per-stratum", options.draw.size.min_per_stratum,
                  "Fewest stations drawn in a region (all of them when it has fewer)")
      ->check(CLI::PositiveNumber);
  config::AddFlag(*command, "seed", options.draw.seed,
                  "Seed of the draw: a seed and a registry name one sample");
  return command;
}

int DrawSample(const DrawSampleOptions& options) {
  auto registry = LoadRegistryFiles(options.dir);
  if (!registry.ok()) {
    spdlog::error("{}", registry.status().message());
    return kFailure;
  }
  auto sample = DrawPvtSample(**registry, options.draw);
  if (!sample.ok()) {
    spdlog::error("{}", sample.status().message());
    return kFailure;
  }
  auto text = analysis::FormatPvtSample(*sample);
  if (!text.ok()) {
    spdlog::error("{}", text.status().message());
    return kFailure;
  }
  const std::string out = options.out.empty() ? options.dir + "/pvt-sample.txt" : options.out;
  if (Status written = WriteNewFile(out, *text); !written.ok()) {
    spdlog::error("{}: {}", out, written.message());
    return kFailure;
  }
  fmt::print(
      "wrote {}: {} of {} stations in {} regions (target margin ±{} pt at 95 %, "
      "spread {} pt, seed {})\n",
      out, sample->stations.size(), (*registry)->stations().size(), sample->strata.size(),
      options.draw.size.margin_percent, options.draw.size.spread_percent, options.draw.seed);
  fmt::print("sha256 {}\n", Hex(Sha256(*text)));
  return 0;
}

}  // namespace hattama::hub
