// Readiness from the dependencies' point of view: a check (can Kafka be reached, does Redis
// answer PING) run now and then on its own thread, so that health checks report what the last
// check saw instead of blocking a probe on a slow dependency.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/base/result.h"

namespace hattama::metrics {

class HealthWatch {
 public:
  // Runs `check` right away (blocking), then every `interval` on a thread. `on_change` is called
  // with the new state whenever it changes, and once with the first result.
  HealthWatch(std::function<Status()> check, std::chrono::milliseconds interval,
              std::function<void(bool healthy)> on_change = nullptr);
  ~HealthWatch();  // Stops the thread; `on_change` is not called after.
  HealthWatch(const HealthWatch&) = delete;
  HealthWatch& operator=(const HealthWatch&) = delete;

  bool healthy() const { return healthy_.load(); }

 private:
  void RunCheck();

  std::function<Status()> check_;
  std::function<void(bool)> on_change_;
  std::atomic<bool> healthy_{false};
  bool reported_ = false;
  std::mutex mutex_;
  std::condition_variable stop_requested_;
  bool stop_ = false;
  std::thread thread_;
};

class HttpEndpoint;

// What every service runs for its operators: a HealthWatch over `check` (every 5 s; its result is
// also the ready gauge and goes to `on_change`) and, on `metrics_listen` (empty: none),
// /metrics, /healthz (ready as the watch last saw it) and /livez.
class Operations {
 public:
  static Result<std::unique_ptr<Operations>> Start(
      const std::string& metrics_listen, std::function<Status()> check,
      std::function<void(bool ready)> on_change = nullptr);
  ~Operations();

  bool ready() const { return health_->healthy(); }

 private:
  Operations() = default;
  std::unique_ptr<HealthWatch> health_;
  std::unique_ptr<HttpEndpoint> endpoint_;
};

}  // namespace hattama::metrics
