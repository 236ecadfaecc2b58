#include "services/publication/change_feed.h"

#include <spdlog/spdlog.h>

#include "common/metrics/service_metrics.h"
#include "hattama/v1/records.pb.h"

namespace hattama::publication {
namespace {

constexpr size_t kBatch = 500;
constexpr std::chrono::milliseconds kPollTimeout{100};
constexpr std::chrono::milliseconds kRetryPause{1000};

}  // namespace

ChangeFeed::ChangeFeed(Options options, TotalsCache* cache, ChangeListener on_change,
                       ReadyListener on_ready)
    : options_(std::move(options)),
      cache_(cache),
      on_change_(std::move(on_change)),
      on_ready_(std::move(on_ready)) {
  cache_->Disable();
  metrics::RecordChangeFeedReady(false);
  thread_ = std::thread([this] { Run(); });
}

ChangeFeed::~ChangeFeed() {
  stop_.store(true);
  thread_.join();
  cache_->Disable();
  reader_.reset();
}

void ChangeFeed::SetReady(bool ready) {
  if (ready_.load() == ready) return;
  // Disabled before anyone hears of it, enabled only once the positions are known.
  if (ready) {
    cache_->Enable();
    spdlog::info("change feed {} read to its end: serving totals from the cache", options_.topic);
  } else {
    cache_->Disable();
    spdlog::warn("change feed {} lost: reading totals from redis on every request", options_.topic);
  }
  ready_.store(ready);
  metrics::RecordChangeFeedReady(ready);
  if (on_ready_) on_ready_(ready);
}

void ChangeFeed::Apply(const kafka::Message& message) {
  v1::TotalsChange change;
  if (!change.ParseFromString(message.value)) {
    spdlog::warn("skipping {}[{}]@{}: not a TotalsChange", message.topic, message.partition,
                 message.offset);
    return;
  }
  TotalsKey key{change.area_id(), change.contest_id(), change.official()};
  cache_->Invalidate(key);
  if (on_change_) on_change_(key);
}

bool ChangeFeed::Check() {
  auto ends = reader_->EndOffsets(options_.kafka_timeout);
  if (!ends.ok()) {
    if (ready_.load()) spdlog::warn("change feed check failed: {}", ends.status().message());
    previous_ends_.reset();
    return false;
  }
  bool caught_up = previous_ends_.has_value();
  if (caught_up) {
    const auto& positions = reader_->Positions();
    for (const auto& [partition, end] : *previous_ends_) {
      auto it = positions.find(partition);
      if (it == positions.end() || it->second < end) caught_up = false;
    }
  }
  previous_ends_ = std::move(ends).value();
  return caught_up;
}

void ChangeFeed::Run() {
  auto next_check = std::chrono::steady_clock::now();
  auto pause = [this] {
    const auto until = std::chrono::steady_clock::now() + kRetryPause;
    while (!stop_.load() && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  };
  while (!stop_.load()) {
    if (reader_ == nullptr) {
      SetReady(false);
      auto reader = kafka::Reader::Create(options_.bootstrap_servers, options_.topic);
      Status assigned =
          reader.ok() ? (*reader)->AssignAtEnd(options_.kafka_timeout) : reader.status();
      if (!assigned.ok()) {
        spdlog::warn("cannot follow the change feed {} on {}: {}", options_.topic,
                     options_.bootstrap_servers, assigned.message());
        pause();
        continue;
      }
      reader_ = std::move(reader).value();
      // The assigned positions are the ends, asked just now: the feed is read to its end.
      previous_ends_ = reader_->Positions();
      SetReady(true);
      next_check = std::chrono::steady_clock::now() + options_.check_interval;
    }
    auto polled = reader_->Poll(kBatch, kPollTimeout);
    if (!polled.ok()) {
      spdlog::warn("change feed {}: {}; starting again from its end", options_.topic,
                   polled.status().message());
      SetReady(false);
      reader_.reset();
      continue;
    }
    for (const auto& message : *polled) Apply(message);
    if (std::chrono::steady_clock::now() >= next_check) {
      SetReady(Check());
      next_check = std::chrono::steady_clock::now() + options_.check_interval;
    }
  }
}

}  // namespace hattama::publication
