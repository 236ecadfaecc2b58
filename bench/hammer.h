// Closed-loop load from client threads: each sends one request, waits for its answer, sends the
// next, until the time is up. Used by the read benchmark and its raw ceiling (the unary echo).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

namespace hattama::bench {

// Runs `clients` threads calling `request(thread, target)` (target drawn uniformly from
// 0 .. targets-1) until `duration` passed; successful requests per second, the failed ones
// counted into `errors`. `request` is called from several threads at once. With `latencies_ms`,
// the time each successful request took is appended to it (in no particular order). With a
// `pause`, each thread waits that long after each answer before its next request (the rate is
// then of that paced load).
template <typename Request>
double Hammer(int clients, std::chrono::milliseconds duration, size_t targets,
              std::atomic<int64_t>& errors, Request request,
              std::vector<double>* latencies_ms = nullptr,
              std::chrono::milliseconds pause = std::chrono::milliseconds(0)) {
  using Clock = std::chrono::steady_clock;
  std::atomic<int64_t> done{0};
  std::mutex latencies_mutex;
  const auto start = Clock::now();
  const auto end = start + duration;
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      std::mt19937_64 rng(static_cast<uint64_t>(c) + 1);
      std::uniform_int_distribution<size_t> pick(0, targets - 1);
      int64_t mine = 0;
      int64_t failed = 0;
      std::vector<double> took;
      for (auto now = Clock::now(); now < end;) {
        const bool ok = request(c, pick(rng));
        (ok ? mine : failed) += 1;
        const auto after = Clock::now();
        if (ok && latencies_ms != nullptr) {
          took.push_back(std::chrono::duration<double, std::milli>(after - now).count());
        }
        now = after;
        if (pause.count() > 0) {
          std::this_thread::sleep_for(pause);
          now = Clock::now();
        }
      }
      done += mine;
      errors += failed;
      if (latencies_ms != nullptr) {
        std::lock_guard lock(latencies_mutex);
        latencies_ms->insert(latencies_ms->end(), took.begin(), took.end());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  return static_cast<double>(done.load()) /
         std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace hattama::bench
