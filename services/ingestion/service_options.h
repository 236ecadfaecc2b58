// What an ingestion service lets one hub do: the bounds of each stream and of the streams open at
// once, who may stream (the hub registry) and how fast. main.cc sets each from a flag.
#pragma once

#include <cstdint>
#include <memory>

#include "common/domain/hubs.h"
#include "services/ingestion/stream_environment.h"

namespace hattama::ingestion {

struct ServiceOptions {
  // The bounds of each stream and of the streams open at once (stream_environment.h).
  StreamLimits limits;
  // Who may stream: a stream must carry "authorization: Bearer <token>" of a hub listed here, and
  // may only submit for that hub's regions. nullptr: every stream is let in, unauthenticated, and
  // may submit for any region (local development only; main.cc requires a flag for it).
  std::shared_ptr<const domain::HubRegistry> hubs;
  // Submissions (and deployment events) per second per hub, over all of its streams, unless the
  // hub registry sets the hub's own; 0: unlimited. Over the limit the stream stops reading,
  // answers what it took, and ends RESOURCE_EXHAUSTED: the hub backs off and resends the rest.
  double default_hub_rate = 0;
};

}  // namespace hattama::ingestion
