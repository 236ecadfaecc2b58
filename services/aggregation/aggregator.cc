#include "services/aggregation/aggregator.h"

#include <google/protobuf/util/time_util.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <thread>

#include "common/base/now.h"
#include "common/kafka/message.h"
#include "common/kafka/reader.h"
#include "common/kafka/topics.h"
#include "common/metrics/service_metrics.h"
#include "common/redis/layout.h"

namespace hattama::aggregation {
namespace {

// Records a rebuild reads and applies at once, at least: the more, the fewer writes of each total
// and station (each is written once a batch) and the fewer round trips.
constexpr size_t kRebuildBatchSize = 20000;
// How long a member stopping waits for the broker to acknowledge the changes it queued.
constexpr std::chrono::seconds kFeedDrainTimeout{5};
const std::atomic<bool> kNeverStop{false};

}  // namespace

Aggregator::Aggregator(AggregatorOptions options, std::shared_ptr<const domain::Registry> registry)
    : options_(std::move(options)),
      registry_(registry),
      applier_(registry),
      batch_applier_(std::move(registry), options_.state_cache_entries) {}

Aggregator::~Aggregator() = default;

Result<std::unique_ptr<Aggregator>> Aggregator::Create(
    AggregatorOptions options, std::shared_ptr<const domain::Registry> registry) {
  std::unique_ptr<Aggregator> aggregator(new Aggregator(std::move(options), std::move(registry)));
  Aggregator* self = aggregator.get();
  auto metadata = kafka::Producer::Create(self->options_.kafka_bootstrap);
  if (!metadata.ok()) return metadata.status();
  self->metadata_ = std::move(metadata).value();
  self->feed_ = std::make_unique<ChangeFeed>(*self->metadata_);
  if (self->options_.rebuild) {
    if (Status started = self->StartRebuild(); !started.ok()) return started;
    return aggregator;
  }
  kafka::Properties properties = self->options_.consumer_properties;
  properties.emplace("session.timeout.ms", std::to_string(self->options_.session_timeout_ms));
  // Three heartbeats per session, as Kafka recommends, so one lost heartbeat is not a crash.
  properties.emplace("heartbeat.interval.ms",
                     std::to_string(std::max(self->options_.session_timeout_ms / 3, 100)));
  auto consumer = kafka::Consumer::Create(
      self->options_.kafka_bootstrap, self->options_.group, {kafka::kSubmissionsTopic}, properties,
      // Runs inside Poll, on the thread of Run: only note it, act after Poll returns.
      [self](const std::vector<int32_t>& assigned, const std::vector<int32_t>& revoked) {
        if (!assigned.empty()) self->assignment_changed_ = true;
        for (int32_t partition : assigned) self->feed_pending_.insert(partition);
        // What this member knew of a partition is stale once another may write it.
        for (int32_t partition : revoked) {
          self->batch_applier_.Forget(partition);
          self->feed_pending_.erase(partition);
          self->sought_.erase(partition);
        }
        spdlog::info("partitions assigned: {}, revoked: {}", assigned.size(), revoked.size());
      });
  if (!consumer.ok()) return consumer.status();
  self->consumer_ = std::move(consumer).value();
  return aggregator;
}

Status Aggregator::StartRebuild() {
  // A Reader joins no group and commits nothing: every partition is read from its beginning at
  // once, without waiting for a group to form, and the regular group's offsets stay as they are.
  auto reader = kafka::Reader::Create(options_.kafka_bootstrap, kafka::kSubmissionsTopic);
  if (!reader.ok()) return reader.status();
  // Where the log ends now: the rebuild is complete once it applied everything before it.
  if (Status at_end = (*reader)->AssignAtEnd(std::chrono::seconds(30)); !at_end.ok()) {
    return at_end;
  }
  const AggregatorOptions::Lane lane = options_.rebuild_lane;
  if (lane.count < 1 || lane.index < 0 || lane.index >= lane.count) {
    return Status::Error("rebuild lane " + std::to_string(lane.index) + " of " +
                         std::to_string(lane.count) + " does not exist");
  }
  for (const auto& [partition, end] : (*reader)->Positions()) {
    if (partition % lane.count == lane.index) rebuild_ends_[partition] = end;
  }
  std::map<int32_t, int64_t> beginning;
  int64_t records = 0;
  for (const auto& [partition, end] : rebuild_ends_) {
    beginning[partition] = 0;
    records += end;
  }
  if (Status assigned = (*reader)->Assign(beginning); !assigned.ok()) return assigned;
  reader_ = std::move(reader).value();
  assignment_changed_ = true;  // Publishes the partition count.
  spdlog::info(
      "rebuild lane {} of {}: replaying {} partitions of {} up to their ends now (at most {} "
      "records)",
      lane.index + 1, lane.count, rebuild_ends_.size(), kafka::kSubmissionsTopic, records);
  return Status::Ok();
}

AggregatorCounts Aggregator::counts() const {
  return {applied_.load(), counted_.load(), duplicates_.load(), skipped_.load()};
}

Status Aggregator::EnsureConnected() {
  if (redis_ != nullptr) return Status::Ok();
  // Two connections: the batch's write steps go out on the second while the first reads and the
  // member folds (BatchApplier::Apply).
  std::unique_ptr<redis::Client> connections[2];
  for (auto& connection : connections) {
    auto connected = redis::ConnectClient(options_.redis);
    if (!connected.ok()) return connected.status();
    connection = std::move(connected).value();
  }
  redis_ = std::move(connections[0]);
  writer_ = std::move(connections[1]);
  spdlog::info("connected to {}", redis_->Describe());
  return Status::Ok();
}

void Aggregator::Disconnect() {
  redis_.reset();
  writer_.reset();
}

void Aggregator::PublishPartitionCount() {
  if (!assignment_changed_) return;
  auto count = metadata_->PartitionCount(kafka::kSubmissionsTopic, std::chrono::seconds(5));
  if (!count.ok()) {
    spdlog::warn("cannot read the partition count of {}: {}", kafka::kSubmissionsTopic,
                 count.status().message());
    return;  // Tried again after the next poll.
  }
  if (!EnsureConnected().ok()) return;
  auto reply = redis_->Run({"SET", redis::layout::PartitionsKey(), std::to_string(*count)});
  if (!reply.ok() || reply->is_error()) {
    if (!reply.ok()) Disconnect();
    spdlog::warn("cannot write {}: {}", redis::layout::PartitionsKey(),
                 reply.ok() ? reply->str : reply.status().message());
    return;
  }
  assignment_changed_ = false;
  spdlog::info("{} has {} partitions", kafka::kSubmissionsTopic, *count);
}

bool Aggregator::RebuildCaughtUp() const {
  for (const auto& [partition, end] : rebuild_ends_) {
    // Nothing was ever written there. (The topic keeps its records forever, retention.ms -1 in
    // deploy/: a log cut by retention could not rebuild the totals anyway.)
    if (end <= 0) continue;
    auto applied = applied_next_.find(partition);
    if (applied == applied_next_.end() || applied->second < end) return false;
  }
  return true;
}

void Aggregator::SleepUnlessStopped(std::chrono::milliseconds duration,
                                    const std::atomic<bool>& stop) {
  auto until = std::chrono::steady_clock::now() + duration;
  while (!stop.load() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

bool Aggregator::ApplyWithRetry(const Batch& batch, BatchResult& result,
                                const std::atomic<bool>& stop) {
  std::chrono::milliseconds backoff{50};
  while (true) {
    auto connected = EnsureConnected();
    if (connected.ok()) {
      auto started = std::chrono::steady_clock::now();
      auto applied = batch_applier_.Apply(*redis_, batch.records, batch.options, writer_.get());
      metrics::RecordRedisRoundTrip("aggregation", std::chrono::steady_clock::now() - started);
      if (applied.ok()) {
        result = std::move(applied).value();
        return true;
      }
      // Whatever part of the batch was applied is a duplicate when the batch runs again. An I/O
      // failure leaves the connection unusable; an error reply (OOM, a replica, a script error)
      // is retried on a fresh one as well, since skipping would lose submissions.
      spdlog::warn("applying a batch of {} failed, retrying: {}", batch.records.size(),
                   applied.status().message());
      Disconnect();
    } else {
      spdlog::warn("redis unavailable, retrying: {}", connected.message());
    }
    if (stop.load()) return false;
    SleepUnlessStopped(backoff, stop);
    if (stop.load()) return false;
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

Aggregator::Batch Aggregator::Prepare(const std::vector<kafka::Message>& messages) {
  Batch batch;
  batch.records.reserve(messages.size());
  for (const auto& message : messages) {
    // The position moves past every record read, applied or not.
    auto range = batch.options.read
                     .try_emplace(message.partition,
                                  BatchOptions::ReadRange{message.offset, message.offset + 1})
                     .first;
    range->second.first = std::min(range->second.first, message.offset);
    range->second.end = std::max(range->second.end, message.offset + 1);
    v1::SubmissionRecord record;
    Result<PreparedRecord> prepared = Status::Error("not a SubmissionRecord");
    if (record.ParseFromString(message.value)) {
      prepared = applier_.Prepare(message.partition, message.offset, record, &message.value);
    }
    if (!prepared.ok()) {
      // Such a record fails the same way on every replay; holding the partition back for it
      // would stop every station behind it. It stays in the log for a person to look at.
      spdlog::error("skipping {}[{}]@{}: {}", message.topic, message.partition, message.offset,
                    prepared.status().message());
      skipped_.fetch_add(1);
      metrics::RecordApplied("skipped");
      continue;
    }
    batch.records.push_back(std::move(prepared).value());
    batch.accepted_ms.push_back(
        google::protobuf::util::TimeUtil::TimestampToMilliseconds(record.accepted_time()));
  }
  // A partition whose first record lies past its position in Redis is read again from there,
  // once for each position (a log may really have no record at an offset).
  batch.options.leave_out_gap = [this](int32_t partition, int64_t position) {
    auto sought = sought_.find(partition);
    return sought == sought_.end() || sought->second != position;
  };
  if (options_.publish_changes) {
    batch.options.unacknowledged_feed = [this](int32_t partition) {
      std::set<std::string> lines = feed_->Unacknowledged(partition);
      // A rebuild publishes its changes once it is done; until then they are pending too.
      if (auto held = rebuild_changes_.find(partition); held != rebuild_changes_.end()) {
        for (const auto& [line, change] : held->second) lines.insert(line);
      }
      return lines;
    };
  }
  return batch;
}

void Aggregator::Record(const Batch& batch, const BatchResult& result) {
  const int64_t now_ms = google::protobuf::util::TimeUtil::TimestampToMilliseconds(NowTimestamp());
  int64_t applied = 0;
  for (size_t i = 0; i < result.outcomes.size(); ++i) {
    if (!result.outcomes[i]) continue;  // Left out: read again.
    const Outcome outcome = *result.outcomes[i];
    const std::string& id = batch.records[i].version.submission_id;
    switch (outcome) {
      case Outcome::kCounted:
        counted_.fetch_add(1);
        break;
      case Outcome::kDuplicate:
        duplicates_.fetch_add(1);
        break;
      case Outcome::kIdReused:
        spdlog::warn("submission {}: id applied before with another digest; ignored", id);
        break;
      default:
        break;
    }
    spdlog::debug("submission {}: {}", id, OutcomeName(outcome));
    metrics::RecordApplied(std::string(OutcomeName(outcome)));
    metrics::RecordApplyLatency((now_ms - batch.accepted_ms[i]) / 1000.0);
    ++applied;
  }
  if (applied > 0) metrics::RecordBatch(applied);
  applied_.fetch_add(applied);
}

void Aggregator::SeekLeftOut(const BatchResult& result) {
  for (const auto& [partition, position] : result.left_out) {
    spdlog::warn(
        "partition {}: Redis holds its records only up to {}, before this batch: reading it "
        "again from there",
        partition, position);
    Status sought = Status::Ok();
    if (reader_ != nullptr) {
      std::map<int32_t, int64_t> positions = reader_->Positions();
      positions[partition] = position;
      sought = reader_->Assign(positions);
    } else {
      sought = consumer_->Seek(kafka::kSubmissionsTopic, partition, position);
    }
    if (!sought.ok()) {
      // The records stay unapplied and uncommitted: the next owner, or the next poll, has them.
      spdlog::warn("{}", sought.message());
      continue;
    }
    sought_[partition] = position;
    applied_next_.erase(partition);
  }
}

bool Aggregator::PublishFeedPending(const std::atomic<bool>& stop) {
  if (feed_pending_.empty() || !options_.publish_changes) return true;
  if (!EnsureConnected().ok()) return true;  // Tried again after the next poll.
  std::vector<v1::TotalsChange> changes;
  for (int32_t partition : feed_pending_) {
    auto pending = batch_applier_.ReadFeedPending(*redis_, partition);
    if (!pending.ok()) {
      spdlog::warn("cannot read the feed-pending totals of partition {}: {}", partition,
                   pending.status().message());
      Disconnect();
      return true;
    }
    changes.insert(changes.end(), pending->begin(), pending->end());
  }
  if (!feed_->Publish(changes, stop)) return false;
  if (!changes.empty()) {
    spdlog::info("published again {} totals moved by the last writes of {} partitions",
                 changes.size(), feed_pending_.size());
  }
  feed_pending_.clear();
  return true;
}

void Aggregator::HoldRebuildChanges(std::vector<v1::TotalsChange> changes) {
  if (!options_.publish_changes) return;
  for (auto& change : changes) {
    v1::TotalsChange& held = rebuild_changes_[change.partition()][FeedPendingLine(change)];
    if (change.version() >= held.version()) held = std::move(change);
  }
}

bool Aggregator::PublishRebuildChanges(const std::atomic<bool>& stop) {
  std::vector<v1::TotalsChange> changes;
  for (auto& [partition, held] : rebuild_changes_) {
    for (auto& [line, change] : held) changes.push_back(std::move(change));
  }
  rebuild_changes_.clear();
  if (changes.empty()) return true;
  spdlog::info("rebuild: publishing the {} totals it moved", changes.size());
  return feed_->Publish(std::move(changes), stop);
}

Status Aggregator::Run(const std::atomic<bool>& stop) {
  auto last_progress = std::chrono::steady_clock::now();
  int64_t last_logged = 0;
  while (!stop.load()) {
    if (reader_ != nullptr && RebuildCaughtUp()) {
      spdlog::info("rebuild caught up with the log");
      PublishRebuildChanges(stop);  // Drained (or left in feed-pending) below.
      break;
    }
    auto polled =
        reader_ != nullptr
            ? reader_->Poll(std::max(options_.batch_size, kRebuildBatchSize), options_.poll_timeout)
            : consumer_->Poll(options_.batch_size, options_.poll_timeout);
    if (!polled.ok()) return polled.status();
    PublishPartitionCount();
    if (consumer_ != nullptr) metrics::RecordConsumerLag(consumer_->Lag());
    const std::vector<kafka::Message>& batch = *polled;

    if (!PublishFeedPending(stop)) break;

    if (!batch.empty()) {
      Batch prepared = Prepare(batch);
      BatchResult result;
      if (!ApplyWithRetry(prepared, result, stop)) {
        spdlog::info("stopping with a batch of {} not applied; it will be replayed",
                     prepared.records.size());
        break;
      }
      Record(prepared, result);
      SeekLeftOut(result);

      // Queued for the change feed, not waited for (change_feed.h): until the broker
      // acknowledges them, the partitions' feed-pending lists (layout.h) name these totals, and
      // a member taking a partition over after a crash publishes them again (at-least-once;
      // readers keep the highest version).
      if (reader_ != nullptr) {
        HoldRebuildChanges(std::move(result.changes));
      } else if (options_.publish_changes && !feed_->Publish(std::move(result.changes), stop)) {
        spdlog::info(
            "stopping with the changes of a batch of {} not published; they stay in "
            "feed-pending",
            prepared.records.size());
        break;
      }
      // Only now, with Redis holding the batch, may the log move past it; never past records of a
      // partition left out, which are read again.
      std::vector<kafka::Message> applied;  // Where each is, not what it holds: for the commit.
      applied.reserve(batch.size());
      for (const auto& message : batch) {
        if (result.left_out.contains(message.partition)) continue;
        int64_t& next = applied_next_[message.partition];
        next = std::max(next, message.offset + 1);
        kafka::Message& at = applied.emplace_back();
        at.topic = message.topic;
        at.partition = message.partition;
        at.offset = message.offset;
      }
      if (consumer_ != nullptr) {
        auto committed = consumer_->Commit(applied, /*async=*/true);
        if (!committed.ok()) {
          // Harmless: a later commit covers these offsets, or the next owner replays them.
          spdlog::warn("commit of {} messages failed: {}", applied.size(), committed.message());
        }
      }
    }

    auto now = std::chrono::steady_clock::now();
    if (now - last_progress >= options_.progress_interval && applied_.load() != last_logged) {
      auto c = counts();
      spdlog::info("applied {} submissions ({} counted, {} duplicates, {} skipped)", c.applied,
                   c.counted, c.duplicates, c.skipped);
      last_progress = now;
      last_logged = c.applied;
    }
  }
  // What the broker has not acknowledged by then stays named in feed-pending for the next owner.
  if (!feed_->Drain(kFeedDrainTimeout, kNeverStop)) {
    spdlog::warn(
        "stopping with changes the broker has not acknowledged; they stay in feed-pending");
  }
  auto c = counts();
  spdlog::info("stopped after applying {} submissions ({} counted, {} duplicates, {} skipped)",
               c.applied, c.counted, c.duplicates, c.skipped);
  return Status::Ok();
}

}  // namespace hattama::aggregation
