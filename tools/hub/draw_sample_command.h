// hattama-hub draw-sample: the PVT sample drawn before the night (simulator/sample.h), written as
// a sample file (common/analysis/pvt_sample.h) whose SHA-256 it prints, to be published before
// the first protocol.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "tools/hub/simulator/sample.h"

namespace hattama::hub {

struct DrawSampleOptions {
  // The registry directory (election.json, stations.csv), as the services load it.
  std::string dir = "election";
  // Default: DIR/pvt-sample.txt. Never written over: a published sample must not change.
  std::string out;
  SampleDrawOptions draw;
};

CLI::App* AddDrawSample(CLI::App& app, DrawSampleOptions& options);
// Exit 0 once the file is written; kFailure (commands.h) when the registry does not load or the
// file exists or cannot be written.
int DrawSample(const DrawSampleOptions& options);

}  // namespace hattama::hub
