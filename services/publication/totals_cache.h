// Published totals kept in memory and invalidated by aggregation's change feed, so that a burst
// of readers costs one Redis read per change instead of one per request.
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
#include <mutex>
#include <optional>
#include <string>

#include "hattama/v1/publication.pb.h"

namespace hattama::publication {

// One published total: an area's totals of a contest, the observers' or the official ones.
struct TotalsKey {
  std::string area_id;
  std::string contest_id;
  bool official = false;
  auto operator<=>(const TotalsKey&) const = default;
};

class TotalsCache {
 public:
  // The cache's clock when a read began; handed back to Store.
  using Ticket = uint64_t;

  // Entries older than `max_age` are read again even without a change: a bound on staleness
  // should the feed ever miss one (e.g. Redis restored from an old snapshot without a replay).
  explicit TotalsCache(std::chrono::milliseconds max_age = std::chrono::seconds(30));

  // The cached totals of `key` (a hit), or nullopt (a miss) with `ticket` set: read Redis, then
  // Store with that ticket. Always a miss while disabled.
  std::optional<v1::AreaTotals> Find(const TotalsKey& key, Ticket& ticket);
  // Keeps `totals`, read from Redis after `ticket` was taken, unless `key` was invalidated or
  // the cache disabled or enabled since (the read may predate what changed).
  void Store(const TotalsKey& key, Ticket ticket, const v1::AreaTotals& totals);
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
    std::optional<v1::AreaTotals> totals;
    std::chrono::steady_clock::time_point stored;
    Ticket invalidated = 0;  // The clock at the key's last invalidation.
  };

  const std::chrono::milliseconds max_age_;
  mutable std::mutex mutex_;
  Ticket clock_ = 1;
  Ticket reset_ = 1;  // The clock at the last Enable or Disable.
  bool enabled_ = false;
  // Bounded by the registry: areas x contests x {observer, official}.
  std::map<TotalsKey, Entry> entries_;
  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> misses_{0};
};

}  // namespace hattama::publication
