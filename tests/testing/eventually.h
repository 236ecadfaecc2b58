// Waiting in tests: every wait is a condition polled up to a deadline, never a fixed sleep that
// hopes the system was fast enough.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace hattama::testing {

// Polls `condition` every `interval` until it holds or `timeout` passed; whether it held. The
// condition is checked once more at the deadline, so a slow last poll still counts.
inline bool Eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10),
                       std::chrono::milliseconds interval = std::chrono::milliseconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(interval);
  }
  return condition();
}

}  // namespace hattama::testing
