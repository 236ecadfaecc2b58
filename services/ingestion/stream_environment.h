// What every hub stream of one ingestion service shares: the record writer (Kafka's producer, or a
// test's fake), the limits, the per-hub rate buckets, and the open streams (so that Drain reaches
// each, and so that no hub opens more than its share). See acking_stream.h for the stream itself.
#pragma once

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/kafka/record_writer.h"
#include "services/ingestion/rate_limiter.h"

namespace hattama::ingestion {

// A stream that can be told to stop reading and end once what it took is answered.
class Drainable {
 public:
  virtual ~Drainable() = default;
  virtual void Drain() = 0;
};

// The bounds each stream holds itself to; main.cc sets each from a flag.
struct StreamLimits {
  // Submissions read from one stream and not yet answered; reading pauses at this many, so a hub
  // that sends faster than Kafka confirms is slowed down instead of filling memory.
  int max_in_flight = 1000;
  // The same in bytes: messages read from one stream and not yet answered, counted from read until
  // their answer is written (with the answer's own bytes once it is ready). A hub that does not
  // read its answers holds at most this much (plus one message) before its stream stops being read.
  int64_t max_in_flight_bytes = 4 << 20;
  // The largest message handled. Up to kHardMessageLimitFactor (4) x this, gRPC's receive limit
  // (IngestionServer sets it), a larger message is answered REJECTED REASON_CODE_TOO_LONG; above
  // that gRPC ends its stream RESOURCE_EXHAUSTED. Kept well below what Kafka takes (librdkafka's
  // message.max.bytes, 1,000,000 by default), so that a rejection record, which holds the raw
  // submission, always fits: IngestionServer warns when it does not leave kKafkaRecordHeadroom.
  int64_t max_message_bytes = 256 << 10;
  // Streams (submissions and deployment events together) one hub may have open at once; more are
  // refused RESOURCE_EXHAUSTED. Without a hub registry a "hub" is the hub id the client names in
  // its "hattama-hub-id" metadata, else its address (HubKey below).
  int max_streams_per_hub = 8;
  // Streams open at once over all hubs; more are refused RESOURCE_EXHAUSTED. With the bytes above
  // this bounds what hubs can make ingestion hold: about
  // max_streams x (max_in_flight_bytes + 4 x max_message_bytes).
  int max_streams = 128;
};

// Thread-safe; streams and delivery callbacks hold it by shared_ptr, as they may run after the
// service is gone.
struct StreamEnvironment {
  // Where streams write their records; outlives every stream (IngestionServer's order).
  kafka::RecordWriter* writer = nullptr;
  StreamLimits limits;
  // See ServiceOptions.
  double default_hub_rate = 0;
  RateLimiter rate;

  // Lets a stream in as one of `hub_key`'s streams, or says why not: UNAVAILABLE while draining,
  // RESOURCE_EXHAUSTED when ingestion has limits.max_streams streams open or the hub has
  // limits.max_streams_per_hub. On OK, sets `id`, which names it for Unregister; otherwise
  // leaves `id` empty, so that a refused stream has nothing to unregister.
  grpc::Status Register(std::optional<uint64_t>& id, const std::string& hub_key,
                        std::weak_ptr<Drainable> stream);
  void Unregister(uint64_t id);
  // Refuses new streams from now on and returns the open ones.
  std::vector<std::shared_ptr<Drainable>> StartDraining();
  // Streams open now, in all and of one hub.
  int OpenStreams();
  int OpenStreams(const std::string& hub_key);

 private:
  struct Open {
    std::weak_ptr<Drainable> stream;
    std::string hub_key;
  };
  std::mutex streams_mu_;
  bool draining_ = false;
  uint64_t next_stream_ = 0;
  std::unordered_map<uint64_t, Open> streams_;
  std::unordered_map<std::string, int> per_hub_;
};

// Whose streams a stream counts among for max_streams_per_hub: the authenticated hub's id; without
// a hub registry (local development) the hub id the client names in its "hattama-hub-id" metadata
// (the hub client sends it), else the peer's address without its port.
std::string HubKey(const std::string* authenticated_hub_id,
                   const grpc::CallbackServerContext& context);

}  // namespace hattama::ingestion
