#include "services/aggregation/change_feed.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>
#include <utility>

#include "common/kafka/topics.h"
#include "common/redis/layout.h"

namespace hattama::aggregation {
namespace {

namespace layout = redis::layout;

// How long the loops below sleep between looks at the delivery reports (the producer's delivery
// thread polls every few milliseconds).
constexpr std::chrono::milliseconds kTick{2};

}  // namespace

std::string FeedPendingLine(const v1::TotalsChange& change) {
  return layout::FeedPendingLine(
      change.area_id(), change.contest_id(),
      change.official() ? layout::Scope::kOfficial : layout::Scope::kObserver);
}

ChangeFeed::ChangeFeed(kafka::Producer& producer, size_t max_in_flight)
    : producer_(producer), max_in_flight_(std::max<size_t>(max_in_flight, 1)) {}

ChangeFeed::~ChangeFeed() = default;

bool ChangeFeed::Publish(std::vector<v1::TotalsChange> changes, const std::atomic<bool>& stop) {
  if (changes.empty()) return true;
  while (Settle() >= max_in_flight_) {
    if (stop.load()) return false;
    std::this_thread::sleep_for(kTick);
  }
  // Only the newest change of each partition's share of a total matters to a reader.
  std::map<std::string, v1::TotalsChange*> newest;
  for (auto& change : changes) {
    std::string key = FeedPendingLine(change) + "|" + std::to_string(change.partition());
    auto& slot = newest[key];
    if (slot == nullptr || change.version() >= slot->version()) slot = &change;
  }
  Batch batch;
  batch.changes.reserve(newest.size());
  for (auto& [key, change] : newest) {
    batch.lines[change->partition()].insert(FeedPendingLine(*change));
    batch.changes.push_back(std::move(*change));
  }
  batch.outstanding = static_cast<int>(batch.changes.size());
  const uint64_t id = next_id_++;
  const std::vector<v1::TotalsChange>* queued = nullptr;
  {
    std::lock_guard lock(shared_->mu);
    queued = &shared_->batches.emplace(id, std::move(batch)).first->second.changes;
  }
  // The batch's changes are only read from here on (and by Settle, on this thread), so they are
  // safe to read without the lock. What the producer did not take is queued again by Settle.
  Send(id, *queued);
  return true;
}

bool ChangeFeed::Send(uint64_t id, const std::vector<v1::TotalsChange>& changes) {
  size_t sent = 0;
  for (const auto& change : changes) {
    std::shared_ptr<Shared> shared = shared_;
    // Keyed by area and contest: every change of one total lands in one topic partition, in order.
    Status queued = producer_.Produce(
        kafka::kTotalsTopic, -1, change.area_id() + "|" + change.contest_id(),
        change.SerializeAsString(), [shared, id](const Status& status, int32_t, int64_t) {
          std::lock_guard lock(shared->mu);
          auto batch = shared->batches.find(id);
          if (batch == shared->batches.end()) return;
          --batch->second.outstanding;
          if (!status.ok()) batch->second.refused = true;
        });
    if (!queued.ok()) {
      spdlog::warn("the change feed did not take a change ({}); queuing the batch again later",
                   queued.message());
      break;
    }
    ++sent;
  }
  if (sent == changes.size()) return true;
  // What was not queued never gets a report: count it as refused now.
  std::lock_guard lock(shared_->mu);
  auto batch = shared_->batches.find(id);
  if (batch != shared_->batches.end()) {
    batch->second.outstanding -= static_cast<int>(changes.size() - sent);
    batch->second.refused = true;
  }
  return false;
}

size_t ChangeFeed::Settle() {
  std::vector<std::pair<uint64_t, const std::vector<v1::TotalsChange>*>> again;
  size_t left = 0;
  {
    std::lock_guard lock(shared_->mu);
    for (auto it = shared_->batches.begin(); it != shared_->batches.end();) {
      Batch& batch = it->second;
      if (batch.outstanding == 0 && !batch.refused) {
        it = shared_->batches.erase(it);
        continue;
      }
      if (batch.outstanding == 0) {  // Every report is in, and some change was refused.
        batch.refused = false;
        batch.outstanding = static_cast<int>(batch.changes.size());
        again.emplace_back(it->first, &batch.changes);
      }
      ++left;
      ++it;
    }
  }
  for (const auto& [id, changes] : again) {
    spdlog::warn("the change feed refused some of {} changes; queuing them again", changes->size());
    ++requeued_;
    Send(id, *changes);
  }
  return left;
}

std::set<std::string> ChangeFeed::Unacknowledged(int32_t partition) {
  std::set<std::string> lines;
  std::lock_guard lock(shared_->mu);
  for (const auto& [id, batch] : shared_->batches) {
    auto of = batch.lines.find(partition);
    if (of != batch.lines.end()) lines.insert(of->second.begin(), of->second.end());
  }
  return lines;
}

bool ChangeFeed::Drain(std::chrono::milliseconds timeout, const std::atomic<bool>& stop) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (Settle() > 0) {
    if (stop.load() || std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(kTick);
  }
  return true;
}

}  // namespace hattama::aggregation
