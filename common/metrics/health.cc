#include "common/metrics/health.h"

#include <spdlog/spdlog.h>

namespace hattama::metrics {

HealthWatch::HealthWatch(std::function<Status()> check, std::chrono::milliseconds interval,
                         std::function<void(bool)> on_change)
    : check_(std::move(check)), on_change_(std::move(on_change)) {
  RunCheck();
  thread_ = std::thread([this, interval] {
    std::unique_lock lock(mutex_);
    while (!stop_requested_.wait_for(lock, interval, [this] { return stop_; })) {
      lock.unlock();
      RunCheck();
      lock.lock();
    }
  });
}

HealthWatch::~HealthWatch() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  stop_requested_.notify_all();
  thread_.join();
}

void HealthWatch::RunCheck() {
  Status status = check_();
  bool healthy = status.ok();
  if (reported_ && healthy == healthy_.load()) return;
  if (healthy) {
    spdlog::info("dependencies reachable: ready");
  } else {
    spdlog::warn("not ready: {}", status.message());
  }
  healthy_.store(healthy);
  reported_ = true;
  if (on_change_) on_change_(healthy);
}

}  // namespace hattama::metrics
