// A kafka::RecordWriter whose deliveries complete only when the test says so, on the test's
// thread: the reactor's backpressure and ordering tested without a broker and without sleeps.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/base/result.h"
#include "common/kafka/record_writer.h"

namespace hattama::ingestion {

// Thread-safe. Records are numbered in the order they were queued (0, 1, ...); Complete runs a
// record's delivery callback on the calling thread, outside the writer's lock.
class FakeRecordWriter final : public kafka::RecordWriter {
 public:
  struct Record {
    std::string topic;
    int32_t partition;
    std::string key;
    std::string value;
  };

  // What Produce answers for a record before queueing it: a status refuses it (its callback never
  // runs), std::nullopt queues it. By default every record is queued.
  using Refusal = std::function<std::optional<Status>(const std::string& key)>;
  void RefuseWhen(Refusal refusal) {
    std::lock_guard lock(mu_);
    refusal_ = std::move(refusal);
  }

  Status Produce(const std::string& topic, int32_t partition, std::string_view key,
                 std::string_view value, DeliveryCallback done) override {
    std::lock_guard lock(mu_);
    if (refusal_) {
      if (std::optional<Status> refused = refusal_(std::string(key))) return *refused;
    }
    records_.push_back({topic, partition, std::string(key), std::string(value)});
    callbacks_.push_back(std::move(done));
    max_undelivered_ = std::max(max_undelivered_, records_.size() - completed_);
    queued_.notify_all();
    return Status::Ok();
  }

  // Waits until `count` records were queued in all; false when `timeout` passed first.
  bool WaitForRecords(size_t count, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock lock(mu_);
    return queued_.wait_for(lock, timeout, [&] { return records_.size() >= count; });
  }

  // Completes the delivery of record `index` with `status` (Ok: in the log at offset `index`).
  // Each record is completed at most once.
  void Complete(size_t index, const Status& status = Status::Ok()) {
    DeliveryCallback done;
    int32_t partition;
    {
      std::lock_guard lock(mu_);
      done = std::move(callbacks_.at(index));
      callbacks_.at(index) = nullptr;
      partition = records_.at(index).partition < 0 ? 0 : records_.at(index).partition;
      ++completed_;
    }
    if (done) done(status, partition, status.ok() ? static_cast<int64_t>(index) : -1);
  }

  std::vector<Record> records() const {
    std::lock_guard lock(mu_);
    return records_;
  }
  // Deliveries completed so far (counted before each callback runs).
  size_t completed() const {
    std::lock_guard lock(mu_);
    return completed_;
  }
  // The most records ever queued and not yet completed at once.
  size_t max_undelivered() const {
    std::lock_guard lock(mu_);
    return max_undelivered_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable queued_;
  Refusal refusal_;
  std::vector<Record> records_;
  std::vector<DeliveryCallback> callbacks_;
  size_t completed_ = 0;
  size_t max_undelivered_ = 0;
};

}  // namespace hattama::ingestion
