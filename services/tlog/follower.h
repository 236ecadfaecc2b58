// The writer's reading half: follows hattama.tlog.v1 from its first record, appends every record
// to the LogTree by its rule and its entry to the Publisher, and publishes: tiles as they fill,
// and, once it has read the whole topic as it stood at start (the rebuild), a signed checkpoint
// at least every checkpoint interval while leaves arrive. Leaves join the tree only here, so the
// tree is always what the topic says, whoever wrote it.
//
// Before the first checkpoint it checks the one an earlier run left in the tiles directory: a
// tree that does not extend it (fewer leaves, or another root at its size) is a fork of what was
// published, and the follower refuses to go on rather than publish it.
//
// Each checkpoint is kept with its partition ends (LogTree::PartitionEnds, taken on this thread at
// the size signed, so they never claim a record the tree lacks), one for every partition of
// hattama.submissions.v1: the count is asked from the broker at start and every partition check
// interval, and a leaf of a partition beyond it counts it at once.
//
// Thread-safety: Run on one thread; the accessors from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/kafka/reader.h"
#include "services/tlog/log_tree.h"
#include "services/tlog/publisher.h"

namespace hattama::transparency {

struct FollowerOptions {
  std::string kafka_bootstrap;
  // A new checkpoint is signed at most this long after leaves arrive.
  std::chrono::milliseconds checkpoint_interval{500};
  // How often a long rebuild says how far it is.
  std::chrono::milliseconds progress_interval{5000};
  // How often the partition count of hattama.submissions.v1 is asked again.
  std::chrono::milliseconds partition_check_interval{10000};
};

class Follower {
 public:
  Follower(FollowerOptions options, LogTree& tree, Publisher& publisher);

  // Follows until `stop`. An error when the topic cannot be read from its beginning (gone, or the
  // client failed for good), when the tiles cannot be written, or on a fork (above).
  Status Run(const std::atomic<bool>& stop);

  // Waits until every record of the topic below `offset` is applied; false after `timeout`.
  bool WaitUntilRead(std::int64_t offset, std::chrono::milliseconds timeout) const;
  // Whether the rebuild is done and the first checkpoint signed.
  bool caught_up() const { return caught_up_.load(); }

 private:
  void Apply(const std::string& value, bool live);
  // After each batch read: while rebuilding, tiles now and then and the first checkpoint at the
  // end of the rebuild; then a checkpoint at most every checkpoint interval while leaves arrive.
  Status Rebuild(std::int64_t position);
  Status KeepPublished();
  // The checks before the first checkpoint (see above).
  Status CheckStoredCheckpoint() const;
  Status Publish(bool sign);
  // Asks the broker for the partition count of hattama.submissions.v1 when it is due; an error only
  // when it was never known.
  Status CountSourcePartitions(bool now);

  const FollowerOptions options_;
  LogTree& tree_;
  Publisher& publisher_;
  std::atomic<bool> caught_up_{false};
  // Used by Run's thread only.
  std::int64_t rebuild_end_ = 0;  // the topic's end at start: the rebuild reads up to it
  std::chrono::steady_clock::time_point last_publish_;
  std::chrono::steady_clock::time_point last_progress_;
  std::unique_ptr<kafka::Reader> source_;  // only asks how many partitions the source topic has
  std::int32_t source_partitions_ = 0;
  std::chrono::steady_clock::time_point last_partition_check_;
  // Accepted times (Unix seconds) of the leaves read live since the last checkpoint, for the
  // checkpoint delay metric.
  std::vector<double> unsigned_accepted_;

  mutable std::mutex mutex_;
  mutable std::condition_variable advanced_;
  std::int64_t read_to_ = 0;  // guarded by mutex_: the offset after the last record applied
};

}  // namespace hattama::transparency
