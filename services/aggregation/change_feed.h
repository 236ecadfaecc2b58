// The change feed hattama.totals.v1 as aggregation writes it, without waiting for the broker: a
// batch's totals are queued and the member goes on applying the next batch while the broker
// acknowledges them. Waiting for that acknowledgement batch by batch (a flush of 40-50 ms on the
// embedded Kafka) took more time than the batch's Redis writes.
//
// Nothing is lost by not waiting: until the broker acknowledged a batch's totals, they stay named
// in their partitions' feed-pending lists (layout.h). Each write step of a partition writes the
// union of the lines of its batches not yet acknowledged (Unacknowledged), so a member that dies
// first leaves every one of them for the partition's next owner to publish again. A batch the
// broker refused is queued again; readers keep the highest version of each total, so a late or
// repeated change is harmless.
//
// Not thread-safe: one thread calls every method (the aggregation loop); delivery reports arrive
// on the producer's thread and only touch state behind the internal mutex.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "common/kafka/producer.h"
#include "hattama/v1/records.pb.h"

namespace hattama::aggregation {

// The total `change` moved, as a line of a feed-pending list (redis::layout::FeedPendingLine).
std::string FeedPendingLine(const v1::TotalsChange& change);

class ChangeFeed {
 public:
  // `max_in_flight`: batches queued and not yet acknowledged before Publish waits for the broker,
  // which bounds the memory held for batches to send again.
  ChangeFeed(kafka::Producer& producer, size_t max_in_flight = 64);
  ~ChangeFeed();

  // Queues the newest change of each total of `changes` and returns without waiting for the
  // broker, unless `max_in_flight` batches are still unacknowledged: then it first waits (queuing
  // again what was refused) until fewer are. False when `stop` came first (nothing queued).
  // What the producer refuses to queue (its local queue full) is queued again later.
  bool Publish(std::vector<v1::TotalsChange> changes, const std::atomic<bool>& stop);
  // The feed-pending lines of `partition` in batches queued and not yet acknowledged.
  std::set<std::string> Unacknowledged(int32_t partition);
  // Waits until every batch queued was acknowledged, queuing again what the broker refused, at
  // most `timeout` or until `stop`. True when none is left.
  bool Drain(std::chrono::milliseconds timeout, const std::atomic<bool>& stop);
  // How many times a batch was queued again after the broker refused some of it.
  int64_t requeued() const { return requeued_; }

 private:
  struct Batch {
    std::vector<v1::TotalsChange> changes;
    std::map<int32_t, std::set<std::string>> lines;  // Feed-pending lines, per partition.
    int outstanding = 0;  // Changes queued whose delivery report has not arrived.
    bool refused = false;
  };
  // Queues every change of batch `id` (under no lock). False when one could not be queued: the
  // batch then counts as refused, to be queued again by Settle.
  bool Send(uint64_t id, const std::vector<v1::TotalsChange>& changes);
  // Forgets acknowledged batches and queues refused ones again. The number left unacknowledged.
  size_t Settle();

  kafka::Producer& producer_;
  const size_t max_in_flight_;
  // Shared with the delivery callbacks, which may outlive a flush that timed out.
  struct Shared {
    std::mutex mu;
    std::map<uint64_t, Batch> batches;
  };
  std::shared_ptr<Shared> shared_ = std::make_shared<Shared>();
  uint64_t next_id_ = 0;
  int64_t requeued_ = 0;
};

}  // namespace hattama::aggregation
