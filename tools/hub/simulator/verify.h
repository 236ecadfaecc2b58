// Holds what the services did against the ground truth: every answer against the plan, and every
// published area total and station result against the truth, figure by figure.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "common/domain/registry.h"
#include "hattama/v1/publication.pb.h"
#include "tools/hub/client/client.h"
#include "tools/hub/simulator/planned_submission.h"
#include "tools/hub/simulator/truth.h"

namespace hattama::hub {

struct OutcomeCheck {
  int64_t mismatch_count = 0;
  // One line per submission answered otherwise than planned (the first max_listed of them).
  std::vector<std::string> mismatches;
  // Accepted submissions whose answer was lost with a broken stream: resent, they were answered
  // DUPLICATE. Not a mismatch, since the first send made them durable.
  int64_t duplicates_after_reconnect = 0;
  // Resends answered ACCEPTED (or WITH_FLAGS) on a run that reconnected: an ingestion instance
  // that restarted no longer remembers the id. Not a mismatch; the totals show whether it was
  // counted once.
  int64_t resends_accepted_again = 0;
};

// Checks report.acks[i] against submissions[i]: the outcome, the one flag of a broken protocol,
// the reason a malformed one must carry.
OutcomeCheck CheckOutcomes(std::span<const PlannedSubmission> submissions,
                           const StreamReport& report, size_t max_listed = 100);

struct VerifyOptions {
  std::string publication_address = "127.0.0.1:7003";
  // How long to wait for the totals to show every counted protocol, and to settle.
  std::chrono::milliseconds timeout{120'000};
  // Concurrent requests while comparing (one per station is a lot of requests).
  int workers = 8;
  bool check_stations = true;
  size_t max_listed = 200;
  // A line about once a second while waiting.
  std::function<void(const std::string&)> on_progress;
};

struct VerifyReport {
  // The nation totals of every contest reached the expected stations_reporting in time.
  bool reporting_complete = false;
  int64_t areas_checked = 0;
  int64_t stations_checked = 0;
  int64_t mismatch_count = 0;
  // Precise lines (area or station, contest, field, published and expected), the first
  // max_listed of them.
  std::vector<std::string> mismatches;
  // Contest id -> the published nation totals, as last read.
  std::map<std::string, Tally> published_nation;
  // Comparison rounds: a round with mismatches is repeated until the timeout, since publication
  // may show a protocol a moment after another.
  int rounds = 0;

  bool ok() const { return reporting_complete && mismatch_count == 0; }
};

// Polls the nation totals until they show the truth's stations_reporting (or the timeout), then
// compares every area × contest of the truth and, with check_stations, every station's results.
VerifyReport VerifyPublication(const domain::Registry& registry, const Truth& truth,
                               const VerifyOptions& options);

// The sums of a published figures message, as a Tally (without stations or flags).
Tally TallyOf(const v1::Figures& figures);

// Appends a line per differing figure or option: "<where>: <field> <got>, expected <want>".
void DiffTally(const std::string& where, const Tally& got, const Tally& want,
               std::vector<std::string>& out);

}  // namespace hattama::hub
