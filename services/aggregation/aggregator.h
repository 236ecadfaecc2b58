// The aggregation loop: consume hattama.submissions.v1 as a consumer-group member, apply each
// batch to Redis (batch_applier.h: a read and a write round trip, the reads mostly spared by the
// member's state cache), queue the totals it moved for the change feed (change_feed.h), then
// commit the batch's offsets, neither waited for.
//
// What Redis holds of a partition is its position (layout.h), written in the same atomic
// compare-and-set step as the records: a replayed record below it changes nothing, and two members
// writing one partition (after a rebalance the old one did not notice) cannot both apply a record.
// Offsets committed to Kafka are only where a new owner starts reading: a crash, a rebalance or a
// lost Redis connection replays submissions, never skips them. When Redis holds less than the
// committed offsets say (it lost writes), the member reads the partition again from the position.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "common/base/result.h"
#include "common/domain/registry.h"
#include "common/kafka/consumer.h"
#include "common/kafka/producer.h"
#include "common/kafka/properties.h"
#include "common/kafka/reader.h"
#include "common/redis/client.h"
#include "services/aggregation/applier.h"
#include "services/aggregation/batch_applier.h"
#include "services/aggregation/change_feed.h"

namespace hattama::aggregation {

struct AggregatorOptions {
  std::string kafka_bootstrap = "127.0.0.1:9092";
  // One Redis server or a Redis Cluster (redis/client.h); its timeout bounds each round trip.
  redis::ClientOptions redis{.timeout = std::chrono::milliseconds(5000)};
  std::string group = "hattama-aggregation";
  // Most records a batch holds. A poll takes only what is ready, so this binds only when the member
  // is behind: then larger batches write each moved total and round trip once for more records.
  // Larger ones also hold Redis (and every reader) longer in their transaction: README, "How
  // aggregation applies a batch", gives the figures behind the default.
  size_t batch_size = 2000;
  // How long a poll waits for the first message; also how quickly a stop request is noticed.
  std::chrono::milliseconds poll_timeout{200};
  // Longest wait between attempts to reach Redis again.
  std::chrono::milliseconds max_backoff{2000};
  std::chrono::seconds progress_interval{10};
  // How long the group waits for a member that stopped heartbeating (crashed) before giving its
  // partitions to another member: the stall on election night after a crash.
  int session_timeout_ms = 10000;
  // Extra librdkafka properties for the consumer (tests shorten group timeouts with these).
  kafka::Properties consumer_properties;
  // The member's state cache (state_cache.h): stations and submission ids it remembers between
  // batches, so that they need no reads of Redis. Past it, whole partitions are forgotten.
  size_t state_cache_entries = 500000;
  // Write each applied change of an area total to hattama.totals.v1.
  bool publish_changes = true;
  // Start from the beginning of the log whatever the group committed: rebuilds the totals of a
  // Redis that lost them (replayed submissions already in Redis are no-ops).
  // The rebuild joins no group (a kafka::Reader): it reads the end of every partition when it
  // starts, reads every partition from its beginning in batches of at least 20,000 records,
  // publishes the totals it moved to the change feed once at the end, and returns once it has
  // applied the log up to those ends. The regular group then goes on from its own offsets.
  bool rebuild = false;
  // For a rebuild: this member replays only the partitions p with p % count == index, so that
  // `count` members (threads of one process, rebuild.h) fold the log side by side, each with its
  // own reader, cache and Redis connections. Every partition belongs to exactly one lane.
  struct Lane {
    int index = 0;
    int count = 1;
  } rebuild_lane;
};

struct AggregatorCounts {
  int64_t applied = 0;  // Submissions applied to Redis (any outcome), including replays.
  int64_t counted = 0;
  int64_t duplicates = 0;
  int64_t skipped = 0;  // Records that can never be applied (unparsable, unknown station).
};

class Aggregator {
 public:
  static Result<std::unique_ptr<Aggregator>> Create(
      AggregatorOptions options, std::shared_ptr<const domain::Registry> registry);
  ~Aggregator();  // Leaves the consumer group.

  // Consumes and applies until `stop` is set, then finishes (and commits) the batch in hand and
  // returns Ok. A batch that cannot reach Redis is retried until it can or until `stop`; it is then
  // left uncommitted for the next member to replay. An error means the consumer itself failed.
  Status Run(const std::atomic<bool>& stop);

  AggregatorCounts counts() const;

 private:
  Aggregator(AggregatorOptions options, std::shared_ptr<const domain::Registry> registry);
  // A polled batch as the batch applier takes it.
  struct Batch {
    std::vector<PreparedRecord> records;
    std::vector<int64_t> accepted_ms;  // For the apply-latency histogram, one per record.
    BatchOptions options;
  };
  Batch Prepare(const std::vector<kafka::Message>& messages);
  // Applies the batch, reconnecting and retrying on any Redis failure. False when stopped first.
  bool ApplyWithRetry(const Batch& batch, BatchResult& result, const std::atomic<bool>& stop);
  // Counts, logs and measures the outcomes of an applied batch.
  void Record(const Batch& batch, const BatchResult& result);
  // Reads again from their position the partitions the batch left out (Redis lost writes).
  void SeekLeftOut(const BatchResult& result);
  // Publishes the totals the last write of each newly assigned partition moved (feed-pending,
  // layout.h): its former owner may have stopped before publishing them. False when stopped first.
  bool PublishFeedPending(const std::atomic<bool>& stop);
  // Sets up a rebuild: a Reader of every partition from its beginning, and where each ends now.
  Status StartRebuild();
  // Keeps the newest change of each total a rebuild moved, to publish once at its end.
  void HoldRebuildChanges(std::vector<v1::TotalsChange> changes);
  bool PublishRebuildChanges(const std::atomic<bool>& stop);
  Status EnsureConnected();
  void Disconnect();
  // Writes hattama:partitions after an assignment, so publication knows which partitions to sum.
  void PublishPartitionCount();
  // A rebuild has applied every partition up to where it ended when the rebuild started.
  bool RebuildCaughtUp() const;
  void SleepUnlessStopped(std::chrono::milliseconds duration, const std::atomic<bool>& stop);

  AggregatorOptions options_;
  std::shared_ptr<const domain::Registry> registry_;
  Applier applier_;
  BatchApplier batch_applier_;
  std::unique_ptr<kafka::Consumer> consumer_;  // Null for a rebuild, which reads with reader_.
  std::unique_ptr<kafka::Reader> reader_;
  // Topic metadata (the partition count; the consumer interface has none) and the change feed.
  std::unique_ptr<kafka::Producer> metadata_;
  std::unique_ptr<ChangeFeed> feed_;  // Over metadata_.
  std::unique_ptr<redis::Client> redis_;
  std::unique_ptr<redis::Client> writer_;  // Connected and dropped with redis_.
  bool assignment_changed_ = false;
  // Assigned partitions whose feed-pending totals are still to be published.
  std::set<int32_t> feed_pending_;
  // Partitions read again from their position (SeekLeftOut) -> that position: sought once, so a
  // log that really has no record there (a gap in its offsets) is applied on the second reading.
  std::map<int32_t, int64_t> sought_;
  // For a rebuild: the end of each partition when it started, and the offset after the last
  // record applied (and committed) per partition.
  std::map<int32_t, int64_t> rebuild_ends_;
  std::map<int32_t, int64_t> applied_next_;
  // For a rebuild: partition -> feed-pending line -> the newest change of that total, published
  // once the rebuild is done.
  std::map<int32_t, std::map<std::string, v1::TotalsChange>> rebuild_changes_;

  std::atomic<int64_t> applied_{0};
  std::atomic<int64_t> counted_{0};
  std::atomic<int64_t> duplicates_{0};
  std::atomic<int64_t> skipped_{0};
};

}  // namespace hattama::aggregation
