// The PVT estimate as the night goes on: the simulator streams the night in phases, each ending
// when a given share of the stations of a contest has a counted protocol; after each phase it
// waits until publication shows every protocol sent so far and asks AnalysisService for the
// estimate. The plan's send order is shuffled across the country, so each phase's stations are
// spread over the regions (the estimator is stratified by region).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/domain/registry.h"
#include "hattama/v1/analysis.pb.h"
#include "tools/hub/client/client.h"
#include "tools/hub/simulator/planned_submission.h"
#include "tools/hub/simulator/truth.h"

namespace hattama::hub {

struct PvtPhase {
  // The share of `contest`'s stations the phase was cut at (0.05 for 5 %).
  double mark = 0;
  // Contest id -> the stations publication showed reporting when the estimate was read.
  std::map<std::string, int64_t> stations_reporting;
  // Contest id -> the estimate read then.
  std::map<std::string, v1::PvtEstimate> estimates;
};

struct PhasedStreamOptions {
  StreamOptions stream;
  std::string publication_address;
  // The contest whose stations the marks count (the others follow, the order being shuffled).
  std::string contest_id;
  // Ascending shares in (0, 1).
  std::vector<double> marks = {0.05, 0.20, 0.50};
  // How long to wait for publication to show each phase.
  std::chrono::milliseconds timeout{120'000};
  // Called as each phase's estimates are read, before the next phase is streamed.
  std::function<void(const PvtPhase&)> on_phase;
};

struct PhasedStream {
  // As one StreamSubmissions call over every submission would report it (acks aligned with the
  // submissions; seconds is the time spent streaming, not waiting between phases).
  StreamReport report;
  std::vector<PvtPhase> phases;
};

// Where each phase ends: the first index after which at least mark × the contest's registered
// stations have an accepted observer protocol in `submissions[0, index)`.
std::vector<size_t> PhaseEnds(const domain::Registry& registry,
                              std::span<const PlannedSubmission> submissions,
                              const std::string& contest_id, const std::vector<double>& marks);

// Streams `submissions` phase by phase, then the rest. An error when a stream fails or
// publication does not show a phase within the timeout.
Result<PhasedStream> StreamInPhases(const domain::Registry& registry,
                                    std::span<const PlannedSubmission> submissions,
                                    const PhasedStreamOptions& options);

// One table per contest: each option's estimate ± margin at every phase, and its final share of
// valid votes in `final_nation` (contest id -> the complete count's nation totals).
std::string FormatPvtPhases(const domain::Registry& registry, const std::vector<PvtPhase>& phases,
                            const std::map<std::string, Tally>& final_nation);

}  // namespace hattama::hub
