#include "services/publication/totals_cache.h"

#include <mutex>

#include "common/metrics/service_metrics.h"
#include "services/publication/http_request.h"

namespace hattama::publication {

CachedTotals::CachedTotals(v1::AreaTotals totals) : totals_(std::move(totals)) {}

v1::AreaTotals CachedTotals::At(int64_t tree_size) const {
  v1::AreaTotals totals = totals_;
  totals.mutable_log_position()->set_tree_size(tree_size);
  return totals;
}

template <typename Encode>
std::shared_ptr<const CachedTotals::Encoding> CachedTotals::EncodedAt(Slot& slot, int64_t tree_size,
                                                                      Encode encode) const {
  std::shared_ptr<const Encoding> encoded = slot.load(std::memory_order_acquire);
  if (encoded != nullptr && encoded->tree_size == tree_size) return encoded;
  // Made outside any lock: readers racing here each encode the same bytes, and one is kept. A
  // reader resolving an older tree size (its checkpoints read a moment earlier) may replace a
  // newer one; the next reader makes it again.
  encoded = std::make_shared<const Encoding>(Encoding{tree_size, encode(At(tree_size))});
  slot.store(encoded, std::memory_order_release);
  return encoded;
}

std::shared_ptr<const CachedTotals::Encoding> CachedTotals::Serialized(int64_t tree_size) const {
  return EncodedAt(serialized_, tree_size, [](const v1::AreaTotals& totals) -> Result<std::string> {
    return totals.SerializeAsString();
  });
}

std::shared_ptr<const CachedTotals::Encoding> CachedTotals::Json(int64_t tree_size) const {
  return EncodedAt(json_, tree_size, [](const v1::AreaTotals& totals) { return ToJson(totals); });
}

TotalsCache::TotalsCache(std::chrono::milliseconds max_age) : max_age_(max_age) {}

std::shared_ptr<const CachedTotals> TotalsCache::Find(const TotalsKey& key, Ticket& ticket) {
  {
    std::shared_lock lock(mutex_);
    ticket = clock_;
    if (enabled_) {
      auto it = entries_.find(key);
      if (it != entries_.end() && it->second.totals &&
          std::chrono::steady_clock::now() - it->second.stored < max_age_) {
        hits_.fetch_add(1, std::memory_order_relaxed);
        metrics::RecordTotalsCache(true);
        return it->second.totals;
      }
    }
  }
  misses_.fetch_add(1, std::memory_order_relaxed);
  metrics::RecordTotalsCache(false);
  return nullptr;
}

std::shared_ptr<const CachedTotals> TotalsCache::Store(const TotalsKey& key, Ticket ticket,
                                                       v1::AreaTotals totals) {
  auto read = std::make_shared<const CachedTotals>(std::move(totals));
  std::unique_lock lock(mutex_);
  if (!enabled_ || ticket < reset_) return read;
  Entry& entry = entries_[key];
  if (ticket < entry.invalidated) return read;
  entry.totals = read;
  entry.stored = std::chrono::steady_clock::now();
  return read;
}

void TotalsCache::Invalidate(const TotalsKey& key) {
  std::unique_lock lock(mutex_);
  Entry& entry = entries_[key];
  entry.totals.reset();
  // A read that took its ticket before this moment has a smaller one than the key now carries.
  entry.invalidated = ++clock_;
}

void TotalsCache::Enable() {
  std::unique_lock lock(mutex_);
  entries_.clear();
  reset_ = ++clock_;
  enabled_ = true;
}

void TotalsCache::Disable() {
  std::unique_lock lock(mutex_);
  entries_.clear();
  reset_ = ++clock_;
  enabled_ = false;
}

bool TotalsCache::enabled() const {
  std::shared_lock lock(mutex_);
  return enabled_;
}

}  // namespace hattama::publication
