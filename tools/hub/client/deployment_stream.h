// A hub's observer-deployment events (mandates, admissions, protocol copies) streamed to
// ingestion, one stream per hub, until each event has an answer.
#pragma once

#include <cstdint>
#include <vector>

#include "common/base/result.h"
#include "hattama/v1/records.pb.h"
#include "tools/hub/client/stream_options.h"

namespace hattama::hub {

struct DeploymentStreamReport {
  int64_t accepted = 0;
  int64_t duplicate = 0;
  int64_t rejected = 0;
  int64_t reconnects = 0;
};

// Streams the events, one stream per hub, until each has an answer (resending what was not
// answered after a broken stream; a resend of a durable event is answered DUPLICATE).
Result<DeploymentStreamReport> StreamDeploymentEvents(
    const std::vector<v1::DeploymentEvent>& events, const StreamOptions& options);

}  // namespace hattama::hub
