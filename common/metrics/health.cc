#include "common/metrics/health.h"

#include <spdlog/spdlog.h>

#include "common/metrics/http_endpoint.h"
#include "common/metrics/service_metrics.h"

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

Result<std::unique_ptr<Operations>> Operations::Start(const std::string& metrics_listen,
                                                      std::function<Status()> check,
                                                      std::function<void(bool)> on_change) {
  std::unique_ptr<Operations> operations(new Operations());
  operations->health_ = std::make_unique<HealthWatch>(
      std::move(check), std::chrono::seconds(5), [on_change = std::move(on_change)](bool ready) {
        RecordReady(ready);
        if (on_change) on_change(ready);
      });
  HealthWatch* health = operations->health_.get();
  auto endpoint = HttpEndpoint::Start(metrics_listen, DefaultRegistry(),
                                      [health] { return health->healthy(); });
  if (!endpoint.ok()) return endpoint.status();
  operations->endpoint_ = std::move(endpoint).value();
  return operations;
}

Operations::~Operations() {
  endpoint_.reset();  // No /healthz may ask the watch once it is gone.
}

}  // namespace hattama::metrics
