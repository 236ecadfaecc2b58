// Per-hub rate limits (rate_limiter.h) on an injected clock: a bucket holds one second's worth of
// tokens (at least one), refills at the hub's rate, and is the hub's alone.
#include "services/ingestion/rate_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace hattama::ingestion {
namespace {

using namespace std::chrono_literals;
using Clock = RateLimiter::Clock;

// How many of `tries` acquisitions at `now` are let through.
int Acquired(RateLimiter& limiter, const std::string& hub, double per_second, Clock::time_point now,
             int tries) {
  int acquired = 0;
  for (int i = 0; i < tries; ++i) acquired += limiter.TryAcquire(hub, per_second, now);
  return acquired;
}

const Clock::time_point kStart = Clock::time_point() + 1000s;

TEST(RateLimiter, LetsABurstOfOneSecondsWorthThroughThenRefuses) {
  RateLimiter limiter;
  EXPECT_EQ(Acquired(limiter, "hub-a", 5, kStart, 5), 5);
  EXPECT_FALSE(limiter.TryAcquire("hub-a", 5, kStart));
}

TEST(RateLimiter, RefillsAtTheRate) {
  RateLimiter limiter;
  ASSERT_EQ(Acquired(limiter, "hub-a", 5, kStart, 6), 5);
  // Five a second: one token every 200 ms, none before.
  EXPECT_FALSE(limiter.TryAcquire("hub-a", 5, kStart + 199ms));
  EXPECT_TRUE(limiter.TryAcquire("hub-a", 5, kStart + 200ms));
  EXPECT_FALSE(limiter.TryAcquire("hub-a", 5, kStart + 200ms));
  EXPECT_EQ(Acquired(limiter, "hub-a", 5, kStart + 600ms, 5), 2);
}

TEST(RateLimiter, AnIdleHubSavesUpOneSecondsWorthAtMost) {
  RateLimiter limiter;
  ASSERT_EQ(Acquired(limiter, "hub-a", 5, kStart, 5), 5);
  EXPECT_EQ(Acquired(limiter, "hub-a", 5, kStart + 1h, 100), 5);
}

TEST(RateLimiter, EachHubHasItsOwnBucket) {
  RateLimiter limiter;
  ASSERT_EQ(Acquired(limiter, "hub-a", 3, kStart, 10), 3);
  EXPECT_EQ(Acquired(limiter, "hub-b", 3, kStart, 10), 3);
  EXPECT_EQ(Acquired(limiter, "hub-c", 20, kStart, 30), 20);  // Each at its own rate.
  EXPECT_FALSE(limiter.TryAcquire("hub-a", 3, kStart));
}

TEST(RateLimiter, ARateOfZeroOrLessIsUnlimited) {
  RateLimiter limiter;
  EXPECT_EQ(Acquired(limiter, "hub-a", 0, kStart, 10'000), 10'000);
  EXPECT_EQ(Acquired(limiter, "hub-b", -1, kStart, 10'000), 10'000);
}

TEST(RateLimiter, ARateBelowOneHoldsOneTokenAndRefillsSlowly) {
  RateLimiter limiter;
  EXPECT_TRUE(limiter.TryAcquire("hub-a", 0.5, kStart));
  EXPECT_FALSE(limiter.TryAcquire("hub-a", 0.5, kStart + 1s));  // Half a token.
  EXPECT_TRUE(limiter.TryAcquire("hub-a", 0.5, kStart + 2s));
}

TEST(RateLimiter, AClockThatGoesBackRefillsNothing) {
  RateLimiter limiter;
  ASSERT_EQ(Acquired(limiter, "hub-a", 5, kStart, 5), 5);
  EXPECT_FALSE(limiter.TryAcquire("hub-a", 5, kStart - 10s));
  // Nor does it shift the bucket's time: refilling counts from the latest time seen.
  EXPECT_TRUE(limiter.TryAcquire("hub-a", 5, kStart + 200ms));
}

TEST(RateLimiter, StreamsOfOneHubOnManyThreadsShareItsBucket) {
  RateLimiter limiter;
  std::atomic<int> acquired{0};
  std::vector<std::thread> streams;
  for (int t = 0; t < 8; ++t) {
    streams.emplace_back([&] { acquired += Acquired(limiter, "hub-a", 50, kStart, 100); });
  }
  for (auto& stream : streams) stream.join();
  EXPECT_EQ(acquired.load(), 50);
}

}  // namespace
}  // namespace hattama::ingestion
