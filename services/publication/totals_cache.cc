#include "services/publication/totals_cache.h"

#include "common/metrics/service_metrics.h"

namespace hattama::publication {

TotalsCache::TotalsCache(std::chrono::milliseconds max_age) : max_age_(max_age) {}

std::optional<v1::AreaTotals> TotalsCache::Find(const TotalsKey& key, Ticket& ticket) {
  {
    std::lock_guard lock(mutex_);
    ticket = clock_;
    if (enabled_) {
      auto it = entries_.find(key);
      if (it != entries_.end() && it->second.totals &&
          std::chrono::steady_clock::now() - it->second.stored < max_age_) {
        hits_.fetch_add(1);
        metrics::RecordTotalsCache(true);
        return it->second.totals;
      }
    }
  }
  misses_.fetch_add(1);
  metrics::RecordTotalsCache(false);
  return std::nullopt;
}

void TotalsCache::Store(const TotalsKey& key, Ticket ticket, const v1::AreaTotals& totals) {
  std::lock_guard lock(mutex_);
  if (!enabled_ || ticket < reset_) return;
  Entry& entry = entries_[key];
  if (ticket < entry.invalidated) return;
  entry.totals = totals;
  entry.stored = std::chrono::steady_clock::now();
}

void TotalsCache::Invalidate(const TotalsKey& key) {
  std::lock_guard lock(mutex_);
  Entry& entry = entries_[key];
  entry.totals.reset();
  // A read that took its ticket before this moment has a smaller one than the key now carries.
  entry.invalidated = ++clock_;
}

void TotalsCache::Enable() {
  std::lock_guard lock(mutex_);
  entries_.clear();
  reset_ = ++clock_;
  enabled_ = true;
}

void TotalsCache::Disable() {
  std::lock_guard lock(mutex_);
  entries_.clear();
  reset_ = ++clock_;
  enabled_ = false;
}

bool TotalsCache::enabled() const {
  std::lock_guard lock(mutex_);
  return enabled_;
}

}  // namespace hattama::publication
