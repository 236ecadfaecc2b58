#include "services/tlog/follower.h"

#include <spdlog/spdlog.h>

#include "common/kafka/reader.h"
#include "common/kafka/topics.h"
#include "hattama/v1/records.pb.h"
#include "services/tlog/tlog_metrics.h"

namespace hattama::transparency {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kFollowerBatch = 2000;
constexpr auto kFollowerPollWait = std::chrono::milliseconds(100);
constexpr auto kFollowerBrokerTimeout = std::chrono::seconds(30);

double UnixNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// When ingestion accepted the record an entry carries; nullopt when the entry omits the record.
std::optional<double> AcceptedTime(const tlog::LeafEntry& entry) {
  if (!entry.record) return std::nullopt;
  v1::SubmissionRecord record;
  if (!record.ParseFromString(*entry.record) || !record.has_accepted_time()) return std::nullopt;
  return static_cast<double>(record.accepted_time().seconds()) +
         record.accepted_time().nanos() / 1e9;
}

}  // namespace

Follower::Follower(FollowerOptions options, LogTree& tree, Publisher& publisher)
    : options_(std::move(options)), tree_(tree), publisher_(publisher) {}

Status Follower::Run(const std::atomic<bool>& stop) {
  // Another log's directory is refused before anything is written into it.
  if (auto stored = publisher_.StoredCheckpoint(); !stored.ok()) return stored.status();
  auto reader = kafka::Reader::Create(options_.kafka_bootstrap, kafka::kTlogTopic);
  if (!reader.ok()) return reader.status();
  auto source = kafka::Reader::Create(options_.kafka_bootstrap, kafka::kSubmissionsTopic);
  if (!source.ok()) return source.status();
  source_ = std::move(source).value();
  if (Status counted = CountSourcePartitions(true); !counted.ok()) return counted;
  // From offset 0, not "the beginning": a log whose first records are gone cannot give the same
  // tree again, and reading it fails rather than starting at whatever is left.
  if (Status assigned = (*reader)->Assign({{0, 0}}); !assigned.ok()) return assigned;
  auto ends = (*reader)->EndOffsets(kFollowerBrokerTimeout);
  if (!ends.ok()) return ends.status();
  rebuild_end_ = ends->at(0);
  spdlog::info("rebuilding the log from the {} records of {}", rebuild_end_, kafka::kTlogTopic);

  last_publish_ = last_progress_ = Clock::now();
  while (!stop.load()) {
    auto batch = (*reader)->Poll(kFollowerBatch, kFollowerPollWait);
    if (!batch.ok()) {
      return Status::Unavailable("cannot read " + std::string(kafka::kTlogTopic) +
                                 " from its first record: " + batch.status().message());
    }
    for (const auto& message : *batch) Apply(message.value, caught_up_.load());
    const std::int64_t position = (*reader)->Positions().at(0);
    {
      std::lock_guard lock(mutex_);
      read_to_ = position;
    }
    advanced_.notify_all();
    RecordLeaves(tree_.Head().size);
    Status published = caught_up_.load() ? KeepPublished() : Rebuild(position);
    if (!published.ok()) return published;
  }
  return Status::Ok();
}

Status Follower::Rebuild(std::int64_t position) {
  const auto now = Clock::now();
  if (position >= rebuild_end_) {
    if (Status checked = CheckStoredCheckpoint(); !checked.ok()) return checked;
    if (Status published = Publish(true); !published.ok()) return published;
    caught_up_.store(true);
    last_publish_ = now;
    const auto head = tree_.Head();
    spdlog::info("rebuilt the log: {} leaves, root {}; following {}", head.size,
                 tlog::HashToBase64(head.root), kafka::kTlogTopic);
    return Status::Ok();
  }
  if (now - last_progress_ >= options_.progress_interval) {
    spdlog::info("rebuilding the log: read {} of {} records, {} leaves", position, rebuild_end_,
                 tree_.Head().size);
    last_progress_ = now;
  }
  if (now - last_publish_ < options_.checkpoint_interval) return Status::Ok();
  // Tiles as they fill, so that the entries held wait for one bundle, not the whole log; no
  // checkpoint before the rebuild is checked against the published one.
  last_publish_ = now;
  return Publish(false);
}

Status Follower::CountSourcePartitions(bool now) {
  const auto at = Clock::now();
  if (!now && at - last_partition_check_ < options_.partition_check_interval) return Status::Ok();
  last_partition_check_ = at;
  auto count = source_->PartitionCount(source_partitions_ == 0 ? kFollowerBrokerTimeout
                                                               : kFollowerPollWait * 10);
  if (count.ok()) {
    source_partitions_ = *count;
    return Status::Ok();
  }
  if (source_partitions_ == 0) return count.status();
  // The count known stays: partitions are never removed, and a leaf of a new one counts it.
  spdlog::warn("cannot ask how many partitions {} has ({}); keeping {}", kafka::kSubmissionsTopic,
               count.status().message(), source_partitions_);
  return Status::Ok();
}

Status Follower::KeepPublished() {
  if (Status counted = CountSourcePartitions(false); !counted.ok()) return counted;
  const auto now = Clock::now();
  if (tree_.Head().size == publisher_.Latest()->checkpoint.size ||
      now - last_publish_ < options_.checkpoint_interval) {
    return Status::Ok();
  }
  last_publish_ = now;
  return Publish(true);
}

void Follower::Apply(const std::string& value, bool live) {
  LogTree::Appended appended = tree_.Append(value);
  switch (appended.outcome) {
    case LogTree::Outcome::kLeaf:
      publisher_.AddEntry(value);
      if (live) {
        if (auto accepted = AcceptedTime(appended.entry)) unsigned_accepted_.push_back(*accepted);
      }
      return;
    case LogTree::Outcome::kDuplicateSource:
      RecordSkippedRecord("duplicate_source");
      spdlog::warn("a record of {} logs partition {} offset {} again; not a leaf twice",
                   kafka::kTlogTopic, appended.entry.source.partition,
                   appended.entry.source.offset);
      return;
    case LogTree::Outcome::kMalformed:
      RecordSkippedRecord("malformed");
      spdlog::error("a record of {} is no leaf entry, skipped: {}", kafka::kTlogTopic,
                    appended.why);
      return;
  }
}

Status Follower::CheckStoredCheckpoint() const {
  auto stored = publisher_.StoredCheckpoint();
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return Status::Ok();
  const tlog::Checkpoint& published = **stored;
  const auto head = tree_.Head();
  if (published.size > head.size) {
    return Status::FailedPrecondition(
        "the checkpoint in the tiles directory has " + std::to_string(published.size) +
        " leaves, but " + kafka::kTlogTopic + " gives only " + std::to_string(head.size) +
        ": records the log published are gone from Kafka; refusing to publish a shorter log");
  }
  auto root = tree_.tree().RootAt(published.size);
  if (!root.ok()) return root.status();
  if (*root != published.root) {
    return Status::FailedPrecondition(
        "the checkpoint in the tiles directory (size " + std::to_string(published.size) +
        ", root " + tlog::HashToBase64(published.root) + ") is not a prefix of the log " +
        kafka::kTlogTopic + " gives (root " + tlog::HashToBase64(*root) +
        " at that size): refusing to publish a fork");
  }
  return Status::Ok();
}

Status Follower::Publish(bool sign) {
  const std::int64_t size = tree_.Head().size;
  auto signed_now = publisher_.Publish(
      tree_.tree(), size, sign,
      sign ? tree_.PartitionEnds(source_partitions_) : std::vector<std::int64_t>());
  if (!signed_now.ok()) return signed_now.status();
  if (*signed_now) {
    RecordCheckpointSize(size);
    const double now = UnixNow();
    for (double accepted : unsigned_accepted_) RecordCheckpointDelay(now - accepted);
    unsigned_accepted_.clear();
  }
  return Status::Ok();
}

bool Follower::WaitUntilRead(std::int64_t offset, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return advanced_.wait_for(lock, timeout, [&] { return read_to_ >= offset; });
}

}  // namespace hattama::transparency
