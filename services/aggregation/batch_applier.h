// Applies a batch of submissions to Redis whatever its size with one pipeline of reads (what the
// member's state cache does not hold; none at all for a partition it holds completely), the
// counting rule folded in C++ (station_state.h), then one atomic compare-and-set step per
// partition: WATCH its position, check it, MULTI, the writes, EXEC (redis::Client::RunGuarded).
// No Lua at all: a script paid about 4 us of Redis's time per command it called, two thirds of
// what Redis spent on a batch. The keys and values written are those of common/redis/layout.h.
//
// Exactly once: each partition's position (layout.h) says which of its records Redis holds. A
// record below it is a duplicate and writes nothing; the step writes only if the position is still
// the one the fold started from, so two members writing one partition (a zombie after a
// rebalance) cannot both apply a record: the second finds the position moved, forgets what it knew
// of the partition and folds again from what Redis holds.
//
// A BatchApplier is used by one thread (its cache is not shared).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/base/result.h"
#include "common/domain/registry.h"
#include "common/redis/layout.h"
#include "common/redis/redis.h"
#include "hattama/v1/records.pb.h"
#include "services/aggregation/prepared_record.h"
#include "services/aggregation/state_cache.h"
#include "services/aggregation/station_state.h"
#include "services/aggregation/totals_fields.h"

namespace hattama::aggregation {

struct BatchOptions {
  // Asked for a partition whose first record not yet applied lies past the partition's position
  // (Redis lost writes, e.g. a failover that lost its tail): true leaves the partition's records
  // out of this batch, for the caller to read the log again from `position`. Unset: apply anyway.
  std::function<bool(int32_t partition, int64_t position)> leave_out_gap;
  // The offsets of the records read from each partition for this batch, [first, end), counting
  // records the caller could not prepare (skipped): the position moves past them too, and a gap is
  // judged from the first record read.
  struct ReadRange {
    int64_t first = 0;
    int64_t end = 0;
  };
  std::map<int32_t, ReadRange> read;
  // The feed-pending lines (layout.h) of a partition's earlier steps whose changes the broker has
  // not acknowledged yet (change_feed.h): a step that moves totals names them too. Unset: none.
  std::function<std::set<std::string>(int32_t partition)> unacknowledged_feed;
};

struct BatchResult {
  // One per record, in the order given; empty for a record of a partition left out.
  std::vector<std::optional<Outcome>> outcomes;
  // Partitions left out (BatchOptions::leave_out_gap) -> their position in Redis.
  std::map<int32_t, int64_t> left_out;
  // Every area total the batch moved, as it stands after the batch (one per partition's share of
  // a total), for the change feed hattama.totals.v1.
  std::vector<v1::TotalsChange> changes;
};

class BatchApplier {
 public:
  // `cache_entries`: the state cache's bound (state_cache.h); 0 reads everything every batch.
  BatchApplier(std::shared_ptr<const domain::Registry> registry, size_t cache_entries);

  // Applies `records` (any partitions; each partition's in offset order). On an error (Redis
  // unreachable, an error reply, the position moving under every retry) any part may have been
  // applied: applying the same records again is safe, and what this member knew of their
  // partitions is forgotten.
  //
  // With `writer` (another connection to the same Redis, used by no one else meanwhile), each
  // partition's write step goes out on a thread of its own as soon as it is folded, while the next
  // partition is folded: Redis works on the writes while the member folds. Without it, the steps
  // go out in one pipeline once all are folded.
  Result<BatchResult> Apply(redis::Client& redis, std::span<const PreparedRecord> records,
                            const BatchOptions& options = {}, redis::Client* writer = nullptr);

  // Forgets what is known of `partition` (it was revoked, or its changes must be read again).
  void Forget(int32_t partition) { cache_.Drop(partition); }
  // The totals named by a feed-pending list (layout.h), read as they stand now.
  Result<std::vector<v1::TotalsChange>> ReadFeedPending(redis::Client& redis, int32_t partition);

  const StateCache& cache() const { return cache_; }

 private:
  // One partition's writes, for one compare-and-set on its position.
  struct Step {
    struct Total {
      std::string contest_id;
      redis::layout::Scope scope;
      std::string area_id;
    };
    int32_t partition = 0;
    int64_t expected = 0;  // The position the fold started from.
    int64_t position = 0;  // The position after the step.
    std::vector<redis::Command> writes;
    std::vector<v1::TotalsChange> changes;  // The totals the step moves, as they stand after it.
  };
  // Writes steps in order, each a compare-and-set on its partition's position
  // (Client::RunGuarded): on a thread of its own when given a writer connection, the steps folded
  // since its last round together in one round (two round trips on one server), while the next
  // partitions are folded; otherwise all at once in Finish. The thread lives as long as the
  // writer: starting one a batch cost more than a round trip (a stack mapped and unmapped).
  class StepWriter {
   public:
    explicit StepWriter(redis::Client* writer);
    ~StepWriter();
    redis::Client* writer() const { return writer_; }
    // Queues `step`'s writes (taken from it) and the new position.
    void Send(Step& step);
    // Every step sent since the last Finish, its outcome, in the order sent; `redis` writes them
    // when there is no writer. An error when any round failed (the steps after it were not sent).
    Result<std::vector<redis::Client::Guarded>> Finish(redis::Client& redis);

   private:
    void Run();
    redis::Client* const writer_;
    std::mutex mu_;
    std::condition_variable ready_;             // Something queued, or done.
    std::condition_variable idle_;              // Nothing queued and no round in flight.
    std::vector<redis::Client::Guard> queued_;  // Not yet taken by a round.
    bool writing_ = false;                      // A round is in flight.
    std::vector<redis::Client::Guarded> outcomes_;
    Status status_ = Status::Ok();
    bool done_ = false;
    std::thread thread_;
  };
  // Reads what `partitions`' records need and is not cached; false (nothing changed) on a reply
  // that cannot be parsed.
  Status Read(redis::Client& redis, std::span<const PreparedRecord> records,
              const std::map<int32_t, std::vector<size_t>>& partitions,
              std::map<int32_t, std::map<std::string, std::string>>& seen);
  // Folds one partition's records into the cache and spells its write step; nullopt when it has
  // nothing to write (or is left out).
  std::optional<Step> Fold(int32_t partition, std::span<const PreparedRecord> records,
                           const std::vector<size_t>& indices,
                           const std::map<std::string, std::string>& seen,
                           const BatchOptions& options, BatchResult& result);
  // The change-feed entry of a total whose hash holds `values`; nullopt for an unknown area or
  // contest.
  std::optional<v1::TotalsChange> Change(int32_t partition, const std::string& contest_id,
                                         redis::layout::Scope scope, const std::string& area_id,
                                         const TotalsValues& values);
  // The numbering of `contest_id`'s totals fields, made on first use.
  TotalsFields& FieldsOf(const std::string& contest_id);
  // A totals hash as HGETALL gives it (field, value, ...), numbered by `fields`.
  static TotalsValues ValuesOf(const redis::Reply& reply, TotalsFields& fields);

  std::shared_ptr<const domain::Registry> registry_;
  StateCache cache_;
  // Contest id -> the numbering of its totals fields (pointers kept: each lives as long as this).
  std::unordered_map<std::string, std::unique_ptr<TotalsFields>> fields_;
  StationDelta delta_;  // The fold's, kept to reuse its vectors.
  // The writer of the last Apply given one (its thread kept between batches).
  std::unique_ptr<StepWriter> step_writer_;
};

}  // namespace hattama::aggregation
