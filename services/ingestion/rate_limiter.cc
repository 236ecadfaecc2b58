#include "services/ingestion/rate_limiter.h"

#include <algorithm>

namespace hattama::ingestion {

bool RateLimiter::TryAcquire(const std::string& key, double per_second, Clock::time_point now) {
  if (per_second <= 0) return true;
  const double capacity = std::max(per_second, 1.0);
  std::lock_guard lock(mu_);
  auto [it, inserted] = buckets_.try_emplace(key, Bucket{capacity, now});
  Bucket& bucket = it->second;
  if (!inserted && now > bucket.refilled) {
    const double elapsed = std::chrono::duration<double>(now - bucket.refilled).count();
    bucket.tokens = std::min(capacity, bucket.tokens + elapsed * per_second);
    bucket.refilled = now;
  }
  if (bucket.tokens < 1) return false;
  bucket.tokens -= 1;
  return true;
}

}  // namespace hattama::ingestion
