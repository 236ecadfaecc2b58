#include "services/tlog/sequencer.h"

#include <spdlog/spdlog.h>

#include "common/kafka/producer.h"
#include "common/kafka/topics.h"
#include "common/tlog/entry.h"
#include "services/tlog/tlog_metrics.h"

namespace hattama::transparency {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kBatch = 1000;
constexpr auto kPollWait = std::chrono::milliseconds(100);
constexpr auto kBrokerTimeout = std::chrono::seconds(30);
constexpr auto kWaitStep = std::chrono::milliseconds(100);

std::string Describe(const std::map<std::int32_t, std::int64_t>& offsets) {
  std::string text;
  for (const auto& [partition, offset] : offsets) {
    if (!text.empty()) text += ", ";
    text += std::to_string(partition) + "@" + std::to_string(offset);
  }
  return text;
}

}  // namespace

Sequencer::Sequencer(SequencerOptions options, LogTree& tree, const Follower& follower,
                     std::unique_ptr<kafka::RecordWriter> writer)
    : options_(std::move(options)), tree_(tree), follower_(follower), writer_(std::move(writer)) {}

Status Sequencer::Run(const std::atomic<bool>& stop) {
  if (!writer_) {
    auto producer = kafka::Producer::Create(options_.kafka_bootstrap);
    if (!producer.ok()) return producer.status();
    writer_ = std::move(producer).value();
  }
  auto source = kafka::Reader::Create(options_.kafka_bootstrap, kafka::kSubmissionsTopic);
  if (!source.ok()) return source.status();
  source_ = std::move(source).value();
  auto tlog_end = kafka::Reader::Create(options_.kafka_bootstrap, kafka::kTlogTopic);
  if (!tlog_end.ok()) return tlog_end.status();
  tlog_end_ = std::move(tlog_end).value();

  bool resync = true;
  auto last_partition_check = Clock::now();
  while (!stop.load()) {
    if (resync) {
      if (Status status = Resync(stop); !status.ok()) return status;
      resync = false;
      last_partition_check = Clock::now();
      continue;
    }
    if (!WaitForRoom(stop)) break;
    {
      std::lock_guard lock(mutex_);
      if (failed_) {
        resync = true;
        continue;
      }
    }
    auto batch = source_->Poll(kBatch, kPollWait);
    if (!batch.ok()) {
      return Status::Unavailable("cannot read " + std::string(kafka::kSubmissionsTopic) +
                                 " where the log needs it: " + batch.status().message());
    }
    if (!WriteAll(*batch)) {
      resync = true;
      continue;
    }
    if (Clock::now() - last_partition_check >= options_.partition_check_interval) {
      last_partition_check = Clock::now();
      auto count = source_->PartitionCount(kBrokerTimeout);
      if (count.ok() && *count != partitions_) {
        spdlog::info("{} has {} partitions now ({} before)", kafka::kSubmissionsTopic, *count,
                     partitions_);
        resync = true;
      }
    }
  }
  return Status::Ok();
}

Status Sequencer::Resync(const std::atomic<bool>& stop) {
  RecordResync();
  const auto deadline = Clock::now() + options_.resync_timeout;
  // 1. Every write started is confirmed or failed: only then does the log say all it will.
  {
    std::unique_lock lock(mutex_);
    while (in_flight_ > 0) {
      if (stop.load()) return Status::Ok();
      if (Clock::now() >= deadline) {
        return Status::Unavailable(std::to_string(in_flight_) + " writes to " + kafka::kTlogTopic +
                                   " neither confirmed nor failed within " +
                                   std::to_string(options_.resync_timeout.count()) + " ms");
      }
      delivered_.wait_for(lock, kWaitStep);
    }
    failed_ = false;
  }
  // 2. The log as it stands now, applied by the Follower, whose first checkpoint also says that
  // the log extends what earlier runs published: nothing is written to a log that does not.
  if (Status status = tlog_end_->AssignAtEnd(kBrokerTimeout); !status.ok()) return status;
  const std::int64_t end = tlog_end_->Positions().at(0);
  while (!follower_.WaitUntilRead(end, kWaitStep) || !follower_.caught_up()) {
    if (stop.load()) return Status::Ok();
    if (Clock::now() >= deadline) {
      return Status::Unavailable("the log was not read up to offset " + std::to_string(end) +
                                 " of " + kafka::kTlogTopic + " within " +
                                 std::to_string(options_.resync_timeout.count()) + " ms");
    }
  }
  // 3. Each source partition from its lowest offset the log does not hold.
  auto count = source_->PartitionCount(kBrokerTimeout);
  if (!count.ok()) return count.status();
  partitions_ = *count;
  std::map<std::int32_t, std::int64_t> offsets;
  for (std::int32_t partition = 0; partition < partitions_; ++partition) {
    offsets[partition] = tree_.ResumeOffset(partition);
  }
  if (Status status = source_->Assign(offsets); !status.ok()) return status;
  spdlog::info("{} records logged in {} leaves; reading {} from {}", tree_.logged(),
               tree_.Head().size, kafka::kSubmissionsTopic, Describe(offsets));
  return Status::Ok();
}

bool Sequencer::WaitForRoom(const std::atomic<bool>& stop) {
  std::unique_lock lock(mutex_);
  while (in_flight_ >= options_.max_in_flight && !failed_) {
    if (stop.load()) return false;
    delivered_.wait_for(lock, kWaitStep);
  }
  return !stop.load();
}

bool Sequencer::WriteAll(const std::vector<kafka::Message>& messages) {
  for (const auto& message : messages) {
    const tlog::SourcePosition source{.partition = message.partition, .offset = message.offset};
    if (tree_.IsLogged(source)) continue;
    const std::string entry = tlog::EncodeLeafEntry(source, message.value);
    const std::string key = std::to_string(source.partition) + "/" + std::to_string(source.offset);
    {
      std::lock_guard lock(mutex_);
      ++in_flight_;
    }
    Status queued = writer_->Produce(
        kafka::kTlogTopic, 0, key, entry,
        [this, source](const Status& status, std::int32_t, std::int64_t) {
          std::lock_guard lock(mutex_);
          --in_flight_;
          if (status.ok()) {
            RecordAppendWritten();
          } else {
            RecordProduceFailure();
            if (!failed_) {
              spdlog::warn(
                  "the leaf of {} partition {} offset {} was not confirmed ({}); "
                  "resyncing with the log",
                  kafka::kSubmissionsTopic, source.partition, source.offset, status.message());
            }
            failed_ = true;
          }
          delivered_.notify_all();
        });
    if (!queued.ok()) {
      std::lock_guard lock(mutex_);
      --in_flight_;
      failed_ = true;
      spdlog::warn("cannot queue the leaf of {} partition {} offset {} ({}); resyncing",
                   kafka::kSubmissionsTopic, source.partition, source.offset, queued.message());
      return false;
    }
  }
  return true;
}

}  // namespace hattama::transparency
