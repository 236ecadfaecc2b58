// Published totals kept in memory and invalidated by aggregation's change feed, so that a burst
// of readers costs one Redis read per change instead of one per request, and one encoding of the
// answer (protobuf for gRPC, JSON for HTTP) per change and checkpoint instead of one per request.
//
// Correctness rests on three rules, each enforced here or by ChangeFeed:
//  - Aggregation writes Redis before it publishes the change (services/aggregation), so after a
//    change is read from the feed, any Redis read that starts later sees at least that change.
//  - A Redis read that began before an invalidation of its key is never stored after it: each
//    read carries a ticket (the cache's clock when it began), and Store refuses a ticket older
//    than the key's last invalidation or than the last Enable/Disable.
//  - The cache answers only while enabled, and ChangeFeed enables it only while the feed is
//    read to its end on every partition. Disabling drops everything, so a feed that failed
//    never leaves stale totals behind: readers go to Redis every time until it is back.
#pragma once

#include <atomic>
#include <chrono>
#include <compare>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>

#include "common/base/result.h"
#include "hattama/v1/publication.pb.h"

namespace hattama::publication {

// One published total: an area's totals of a contest, the observers' or the official ones.
struct TotalsKey {
  std::string area_id;
  std::string contest_id;
  bool official = false;
  auto operator<=>(const TotalsKey&) const = default;
};

// One read of a total, shared by every answer given from it (immutable once built), with its
// answers encoded once: the AreaTotals message serialized (what gRPC sends) and as JSON (what
// HTTP sends), each stating a given tree size in its log position. The tree size is resolved
// when answering (a later checkpoint may cover the same read), so each encoding is kept for the
// last tree size asked and made again when a newer checkpoint covers the read.
//
// Thread-safe: any number of threads may ask for its encodings at once; encoding takes no lock
// (two threads may both encode, and one result is kept).
class CachedTotals {
 public:
  // `totals` as read, its log_position.tree_size ignored (each encoding states its own).
  explicit CachedTotals(v1::AreaTotals totals);

  const v1::AreaTotals& totals() const { return totals_; }
  // The totals stating `tree_size`, as a new message.
  v1::AreaTotals At(int64_t tree_size) const;

  // One encoding of the totals at one tree size. `text` is the encoding; JSON may have failed
  // (never the case for totals, but a 200 must never carry "" for it), hence a Result.
  struct Encoding {
    int64_t tree_size = 0;
    Result<std::string> text;
  };
  // The serialized AreaTotals stating `tree_size`, what GetAreaTotals answers byte for byte.
  std::shared_ptr<const Encoding> Serialized(int64_t tree_size) const;
  // The JSON of the same message (http_request.h's ToJson), what /v1/GetAreaTotals answers.
  std::shared_ptr<const Encoding> Json(int64_t tree_size) const;

 private:
  using Slot = std::atomic<std::shared_ptr<const Encoding>>;
  template <typename Encode>
  std::shared_ptr<const Encoding> EncodedAt(Slot& slot, int64_t tree_size, Encode encode) const;

  const v1::AreaTotals totals_;
  mutable Slot serialized_;
  mutable Slot json_;
};

// Thread-safe: Find is called by every reader at once and takes a shared lock only; Store,
// Invalidate, Enable and Disable (the change feed's thread, and readers after a miss) take it
// exclusively, each for a map update.
class TotalsCache {
 public:
  // The cache's clock when a read began; handed back to Store.
  using Ticket = uint64_t;

  // Entries older than `max_age` are read again even without a change: a bound on staleness
  // should the feed ever miss one (e.g. Redis restored from an old snapshot without a replay).
  explicit TotalsCache(std::chrono::milliseconds max_age = std::chrono::seconds(30));

  // The cached totals of `key` (a hit), or null (a miss) with `ticket` set: read Redis, then
  // Store with that ticket. Always a miss while disabled.
  std::shared_ptr<const CachedTotals> Find(const TotalsKey& key, Ticket& ticket);
  // Keeps `totals`, read from Redis after `ticket` was taken, unless `key` was invalidated or
  // the cache disabled or enabled since (the read may predate what changed). Returns the read
  // as an answer either way (shared with later readers only when kept).
  std::shared_ptr<const CachedTotals> Store(const TotalsKey& key, Ticket ticket,
                                            v1::AreaTotals totals);
  // `key` changed: drops its totals and refuses reads of it that began before now.
  void Invalidate(const TotalsKey& key);

  // Starts answering from the cache, with nothing in it.
  void Enable();
  // Stops answering from the cache and drops everything in it.
  void Disable();
  bool enabled() const;

  // Answers from memory, and reads that went to Redis, since construction.
  uint64_t hits() const { return hits_.load(); }
  uint64_t misses() const { return misses_.load(); }

 private:
  struct Entry {
    std::shared_ptr<const CachedTotals> totals;
    std::chrono::steady_clock::time_point stored;
    Ticket invalidated = 0;  // The clock at the key's last invalidation.
  };

  const std::chrono::milliseconds max_age_;
  mutable std::shared_mutex mutex_;
  Ticket clock_ = 1;
  Ticket reset_ = 1;  // The clock at the last Enable or Disable.
  bool enabled_ = false;
  // Bounded by the registry: areas x contests x {observer, official}.
  std::map<TotalsKey, Entry> entries_;
  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> misses_{0};
};

}  // namespace hattama::publication
