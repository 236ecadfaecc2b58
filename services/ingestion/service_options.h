// What an ingestion service lets one hub do: the bounds of each stream, the streams open at once,
// who may stream (the hub registry) and how fast. main.cc sets each from a flag.
#pragma once

#include <cstdint>
#include <memory>

#include "common/domain/hubs.h"
#include "services/ingestion/stream_environment.h"

namespace hattama::ingestion {

struct ServiceOptions {
  // Submissions read from one stream and not yet answered; reading pauses at this many, so a hub
  // that sends faster than Kafka confirms is slowed down instead of filling memory.
  int max_in_flight = 1000;
  // The same in bytes: messages read from one stream and not yet answered, counted from read until
  // their answer is written (with the answer's own bytes once it is ready). A hub that does not
  // read its answers holds at most this much (plus one message) before its stream stops being read.
  int64_t max_in_flight_bytes = 4 << 20;
  // The largest message handled; above it (up to 4x, gRPC's receive limit) a message is answered
  // REJECTED REASON_CODE_TOO_LONG. IngestionServer sets it from ServerConfig::max_message_bytes.
  int64_t max_message_bytes = 256 << 10;
  // Streams (submissions and deployment events together) one hub may have open at once; more are
  // refused RESOURCE_EXHAUSTED. Without a hub registry a "hub" is the hub id the client names in
  // its "hattama-hub-id" metadata, else its address (stream_environment.h, HubKey).
  int max_streams_per_hub = 8;
  // Streams open at once over all hubs; more are refused RESOURCE_EXHAUSTED. With the bytes above
  // this bounds what hubs can make ingestion hold: about
  // max_streams x (max_in_flight_bytes + 4 x max_message_bytes).
  int max_streams = 128;
  // Who may stream: a stream must carry "authorization: Bearer <token>" of a hub listed here, and
  // may only submit for that hub's regions. nullptr: every stream is let in, unauthenticated, and
  // may submit for any region (local development only; main.cc requires a flag for it).
  std::shared_ptr<const domain::HubRegistry> hubs;
  // Submissions (and deployment events) per second per hub, over all of its streams, unless the
  // hub registry sets the hub's own; 0: unlimited. Over the limit the stream stops reading,
  // answers what it took, and ends RESOURCE_EXHAUSTED: the hub backs off and resends the rest.
  double default_hub_rate = 0;

  StreamLimits Limits() const {
    return {.max_in_flight = max_in_flight,
            .max_in_flight_bytes = max_in_flight_bytes,
            .max_message_bytes = max_message_bytes,
            .max_streams_per_hub = max_streams_per_hub,
            .max_streams = max_streams};
  }
};

}  // namespace hattama::ingestion
