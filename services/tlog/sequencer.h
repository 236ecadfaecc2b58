// The writer's writing half: reads every partition of hattama.submissions.v1 with explicit
// assignment (no consumer group, nothing committed) and writes each record's leaf entry, in the
// order read, to partition 0 of hattama.tlog.v1 through the idempotent producer (acks=all).
//
// Where it reads from is always derived from the log itself (a resync): it waits until every
// write it started is confirmed or failed, waits until the Follower has applied hattama.tlog.v1 up
// to its end, and then assigns each source partition at its lowest offset not logged yet
// (LogTree::ResumeOffset), skipping records logged already as they come by. It resyncs at start,
// after any write Kafka did not confirm (a delivery without an offset included: see
// common/kafka/producer.cc, DeliveryStatus) and when the source topic gains partitions. So a record
// is written again only when the log does not hold it, and one the broker kept after all although
// it reported a failure is skipped by the Follower's rule: never a leaf twice, never a record
// missing, after a SIGKILL too.
//
// Only one writer may run: two would each log every record once more (the rule keeps the tree
// right, but the topic doubles) and fight over the tiles directory.
//
// Thread-safety: Run on one thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "common/base/result.h"
#include "common/kafka/reader.h"
#include "common/kafka/record_writer.h"
#include "services/tlog/follower.h"
#include "services/tlog/log_tree.h"

namespace hattama::transparency {

struct SequencerOptions {
  std::string kafka_bootstrap;
  // Writes started and not yet confirmed, at most; reading pauses at it.
  std::int64_t max_in_flight = 10000;
  // How long a resync waits for the writes in flight and for the Follower.
  std::chrono::milliseconds resync_timeout{60000};
  // How often the source topic's partition count is looked at.
  std::chrono::milliseconds partition_check_interval{10000};
};

class Sequencer {
 public:
  // Writes through `writer`, or, when it is null, through a kafka::Producer of its own (the
  // RecordWriter seam lets tests report writes failed that were lost, kept or kept late).
  Sequencer(SequencerOptions options, LogTree& tree, const Follower& follower,
            std::unique_ptr<kafka::RecordWriter> writer = nullptr);

  // Runs until `stop`. An error when Kafka cannot be used for good, when a source record to log is
  // gone (retention took it before it was logged), or when a resync cannot finish in time.
  Status Run(const std::atomic<bool>& stop);

 private:
  Status Resync(const std::atomic<bool>& stop);
  // Writes the entries of `messages` that the log does not hold yet; false when a write could not
  // be started (a resync is due).
  bool WriteAll(const std::vector<kafka::Message>& messages);
  bool WaitForRoom(const std::atomic<bool>& stop);

  const SequencerOptions options_;
  LogTree& tree_;
  const Follower& follower_;

  // Declared before the writer, whose destructor still runs delivery callbacks that use them.
  std::mutex mutex_;
  std::condition_variable delivered_;
  std::int64_t in_flight_ = 0;  // guarded by mutex_
  bool failed_ = false;         // guarded by mutex_: a write was not confirmed since the resync

  std::unique_ptr<kafka::RecordWriter> writer_;
  std::unique_ptr<kafka::Reader> source_;
  std::unique_ptr<kafka::Reader> tlog_end_;  // only asks where hattama.tlog.v1 ends
  std::int32_t partitions_ = 0;
};

}  // namespace hattama::transparency
