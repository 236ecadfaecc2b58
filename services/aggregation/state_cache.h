// What one aggregation member remembers of the partitions it applies, so that a batch needs no
// reads of Redis for what it already knows: the position its last write left (the compare-and-set
// of the next write checks it), the state of the stations and totals it touched and, for a
// partition it holds completely, every submission id applied.
//
// Valid only while this member's writes to the partition succeed: the batch applier drops a
// partition's part when its compare-and-set finds the position moved (another member, a zombie,
// or a Redis that lost writes), when a write fails, and when the partition is revoked. Bounded in
// entries (stations plus ids): past the bound whole partitions are dropped, largest first, and
// read lazily from Redis again. Used by one thread (the aggregation loop).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>

#include "common/redis/layout.h"
#include "services/aggregation/station_state.h"
#include "services/aggregation/totals_fields.h"

namespace hattama::aggregation {

struct PartitionState {
  // The partition's position as this member's last write (or read) left it; unknown: read it.
  std::optional<int64_t> position;
  // Every station and id of the partition is here: one absent is empty (nothing applied). Set when
  // the partition's position was found absent, i.e. nothing of it was ever applied.
  bool complete = false;
  // Submission id -> digest of every submission applied (kept only while `complete`).
  std::unordered_map<std::string, std::string> ids;
  // StationStateKey -> state, for the stations loaded or written.
  std::unordered_map<std::string, StationState> stations;
  // Totals key (layout.h) -> its fields as Redis holds them (numbered by the TotalsFields of its
  // contest), for the totals loaded or written: only the partition's owner writes its share of a
  // total, so it can write the sums whole (HSET) and publish them without reading them back.
  std::unordered_map<std::string, TotalsValues> totals;

  size_t entries() const { return ids.size() + stations.size() + totals.size(); }
};

// The cache key of a station x contest x scope.
std::string StationStateKey(const std::string& contest_id, const std::string& station_id,
                            redis::layout::Scope scope);

class StateCache {
 public:
  // At most `max_entries` stations and ids in all; 0: remember nothing between batches.
  explicit StateCache(size_t max_entries) : max_entries_(max_entries) {}

  PartitionState& Partition(int32_t partition) { return partitions_[partition]; }
  // Forgets everything of `partition` (its position included).
  void Drop(int32_t partition) { partitions_.erase(partition); }
  void DropAll() { partitions_.clear(); }
  // Drops whole partitions, largest first, until the cache holds at most its bound; a dropped
  // partition keeps only its position (still valid: the last write set it).
  void Trim();
  size_t entries() const;

 private:
  size_t max_entries_;
  std::map<int32_t, PartitionState> partitions_;
};

}  // namespace hattama::aggregation
