// Closed-loop load from client threads: each sends one request, waits for its answer, sends the
// next, until the time is up. Used by the read benchmark and its raw ceiling (the unary echo).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <random>
#include <thread>
#include <vector>

namespace hattama::bench {

// Runs `clients` threads calling `request(thread, target)` (target drawn uniformly from
// 0 .. targets-1) until `duration` passed; successful requests per second, the failed ones
// counted into `errors`. `request` is called from several threads at once.
template <typename Request>
double Hammer(int clients, std::chrono::milliseconds duration, size_t targets,
              std::atomic<int64_t>& errors, Request request) {
  using Clock = std::chrono::steady_clock;
  std::atomic<int64_t> done{0};
  const auto start = Clock::now();
  const auto end = start + duration;
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      std::mt19937_64 rng(static_cast<uint64_t>(c) + 1);
      std::uniform_int_distribution<size_t> pick(0, targets - 1);
      int64_t mine = 0;
      int64_t failed = 0;
      while (Clock::now() < end) {
        (request(c, pick(rng)) ? mine : failed) += 1;
      }
      done += mine;
      errors += failed;
    });
  }
  for (auto& thread : threads) thread.join();
  return static_cast<double>(done.load()) /
         std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace hattama::bench
