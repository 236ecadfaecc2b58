// Per-hub rate limits: one token bucket per hub, shared by all of that hub's streams, so that a
// hub cannot multiply its rate by opening more streams.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

namespace hattama::ingestion {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // Takes one token from `key`'s bucket, which refills at `per_second` and holds at most one
  // second's worth (at least one token). False when the bucket is empty. per_second <= 0: always
  // true. Thread-safe.
  bool TryAcquire(const std::string& key, double per_second, Clock::time_point now = Clock::now());

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point refilled;
  };
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace hattama::ingestion
