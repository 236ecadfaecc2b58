// The writer's answer to writes Kafka did not confirm, made to happen at will: the log writer runs
// in this process against the embedded Kafka, writing through a RecordWriter that reports every
// n-th leaf write failed although the write was lost, kept, or kept late (landing only after the
// writer had resynced and written it again). Every record must still be one leaf, and the tree what
// the log's rule makes of the topic.
#include <gtest/gtest.h>

#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include "common/kafka/producer.h"
#include "common/kafka/reader.h"
#include "common/kafka/topics.h"
#include "common/metrics/metrics.h"
#include "services/tlog/log_writer.h"
#include "tests/testing/eventually.h"
#include "tests/tlog/tlog_testing.h"
#include "tools/stack/stack.h"

namespace hattama::transparency {
namespace {

using testing::RecordValue;
using testing::TestSigner;
using Clock = std::chrono::steady_clock;

enum class Fault {
  kLost,  // never written
  kKept,  // written, and reported failed
  kLate,  // reported failed, and written only after the writer wrote it again
};

// A RecordWriter over a real producer that reports every `every`-th write failed, with `fault`
// behind it. Failure reports run on a thread of its own, never inside Produce, as RecordWriter
// promises; a late copy is written from the delivery of the rewrite.
class FaultyWriter final : public kafka::RecordWriter {
 public:
  FaultyWriter(std::unique_ptr<kafka::Producer> producer, int every, Fault fault)
      : producer_(std::move(producer)), every_(every), fault_(fault) {
    worker_ = std::thread([this] { Work(); });
  }
  ~FaultyWriter() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    worker_.join();
  }

  Status Produce(const std::string& topic, int32_t partition, std::string_view key,
                 std::string_view value, DeliveryCallback done) override {
    if (auto held = TakeHeld(key)) {
      // The writer writes again what it was told had failed: the held copy lands after it.
      return producer_->Produce(
          topic, partition, key, value,
          [this, topic, partition, key = std::string(key), held = *held, done](
              const Status& status, int32_t written_partition, int64_t offset) {
            done(status, written_partition, offset);
            Status queued =
                producer_->Produce(topic, partition, key, held,
                                   [this](const Status&, int32_t, int64_t) { --late_pending_; });
            if (!queued.ok()) --late_pending_;
          });
    }
    if (++count_ % every_ != 0) return producer_->Produce(topic, partition, key, value, done);
    ++faults_;
    const Status reported = Status::Unavailable("reported failed by the test");
    switch (fault_) {
      case Fault::kLost:
        Later([done, reported] { done(reported, -1, -1); });
        return Status::Ok();
      case Fault::kKept:
        return producer_->Produce(
            topic, partition, key, value,
            [done, reported](const Status&, int32_t, int64_t) { done(reported, -1, -1); });
      case Fault::kLate: {
        ++late_pending_;
        std::lock_guard lock(mutex_);
        held_[std::string(key)] = std::string(value);
      }
        Later([done, reported] { done(reported, -1, -1); });
        return Status::Ok();
    }
    return Status::Ok();
  }

  int faults() const { return faults_; }
  // Late writes not yet delivered.
  int late_pending() const { return late_pending_; }

 private:
  void Later(std::function<void()> call) {
    {
      std::lock_guard lock(mutex_);
      calls_.push_back(std::move(call));
    }
    wake_.notify_all();
  }

  std::optional<std::string> TakeHeld(std::string_view key) {
    std::lock_guard lock(mutex_);
    auto found = held_.find(std::string(key));
    if (found == held_.end()) return std::nullopt;
    std::string value = std::move(found->second);
    held_.erase(found);
    return value;
  }

  void Work() {
    std::unique_lock lock(mutex_);
    while (!stopping_ || !calls_.empty()) {
      if (calls_.empty()) {
        wake_.wait(lock);
        continue;
      }
      auto call = std::move(calls_.front());
      calls_.pop_front();
      lock.unlock();
      call();
      lock.lock();
    }
  }

  std::unique_ptr<kafka::Producer> producer_;
  const int every_;
  const Fault fault_;
  std::atomic<int> count_{0};
  std::atomic<int> faults_{0};
  std::atomic<int> late_pending_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> calls_;
  std::map<std::string, std::string> held_;  // kLate: key -> the copy to write after the rewrite
  bool stopping_ = false;
  std::thread worker_;
};

double Resyncs() {
  return metrics::DefaultRegistry()
      .GetCounter("hattama_tlog_resyncs_total",
                  "Times the writer re-read the log to find where to resume")
      .value();
}

double SkippedCopies() {
  return metrics::DefaultRegistry()
      .GetCounter("hattama_tlog_skipped_records_total",
                  "Records of hattama.tlog.v1 that are no leaf by the log's rule, by reason",
                  {{"reason", "duplicate_source"}})
      .value();
}

class TlogResync : public ::testing::TestWithParam<Fault> {
 protected:
  void SetUp() override {
    auto kafka = stack::DevKafka::Start(4, work_.path() + "/devkafka.log");
    ASSERT_TRUE(kafka.ok()) << kafka.status().message();
    kafka_ = std::move(kafka).value();
  }

  // The values of hattama.tlog.v1 from offset 0 to its end now.
  std::vector<std::string> TlogTopic() {
    auto reader = kafka::Reader::Create(kafka_->bootstrap(), kafka::kTlogTopic).value();
    EXPECT_TRUE(reader->Assign({{0, 0}}).ok());
    const int64_t end = reader->EndOffsets(std::chrono::seconds(10)).value().at(0);
    std::vector<std::string> values;
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    while (static_cast<int64_t>(values.size()) < end && Clock::now() < deadline) {
      auto batch = reader->Poll(1000, std::chrono::milliseconds(100));
      if (!batch.ok()) break;
      for (auto& message : *batch) values.push_back(std::move(message.value));
    }
    return values;
  }

  stack::TempDir work_{"tlog-resync"};
  std::unique_ptr<stack::DevKafka> kafka_;
};

TEST_P(TlogResync, EveryRecordIsOneLeafWhateverAFailedWriteDid) {
  constexpr int kRecords = 400;
  auto producer = kafka::Producer::Create(kafka_->bootstrap()).value();
  for (int i = 0; i < kRecords; ++i) {
    std::promise<Status> done;
    ASSERT_TRUE(
        producer
            ->Produce(kafka::kSubmissionsTopic, i % 4, "", RecordValue("s-" + std::to_string(i)),
                      [&done](const Status& status, int32_t, int64_t) { done.set_value(status); })
            .ok());
    ASSERT_TRUE(done.get_future().get().ok());
  }
  auto faulty = std::make_unique<FaultyWriter>(kafka::Producer::Create(kafka_->bootstrap()).value(),
                                               37, GetParam());
  FaultyWriter& faults = *faulty;
  const double resyncs_before = Resyncs();
  const double skipped_before = SkippedCopies();
  auto log = LogWriter::Start({.kafka_bootstrap = kafka_->bootstrap(),
                               .tiles_dir = work_.path() + "/tiles",
                               .checkpoint_interval = std::chrono::milliseconds(50)},
                              TestSigner(), std::move(faulty));
  ASSERT_TRUE(log.ok()) << log.status().message();
  // Every checkpoint signed on the way, by size: its partition ends.
  std::map<int64_t, std::vector<int64_t>> seen;
  const bool logged = hattama::testing::Eventually(
      [&] {
        auto latest = (*log)->publisher().Latest();
        if (latest) seen[latest->checkpoint.size] = latest->partition_ends;
        return latest && latest->checkpoint.size >= kRecords;
      },
      std::chrono::seconds(60));
  ASSERT_TRUE(logged) << "the log holds " << (*log)->tree().Head().size << " of " << kRecords
                      << " records; " << ((*log)->Failure() ? (*log)->Failure()->message() : "");
  // Late copies land after their rewrite: wait for the last of them, and for the log to have
  // read (and skipped) every copy.
  ASSERT_TRUE(hattama::testing::Eventually([&] { return faults.late_pending() == 0; },
                                           std::chrono::seconds(20)));
  const std::vector<std::string> topic = TlogTopic();
  // The rule applied to the topic here: every source once.
  std::set<tlog::SourcePosition> sources;
  std::vector<std::string> leaves;
  for (const auto& value : topic) {
    auto entry = tlog::DecodeLeafEntry(value);
    ASSERT_TRUE(entry.ok());
    if (sources.insert(entry->source).second) leaves.push_back(value);
  }
  EXPECT_EQ(leaves.size(), static_cast<size_t>(kRecords));
  // No checkpoint's partition ends claimed a record its tree lacked, while failed writes left
  // holes; the last one's are the topic's ends.
  for (const auto& [size, ends] : seen) {
    std::set<tlog::SourcePosition> in_tree;
    for (int64_t i = 0; i < size && i < static_cast<int64_t>(leaves.size()); ++i) {
      in_tree.insert(tlog::DecodeLeafEntry(leaves[i])->source);
    }
    ASSERT_EQ(ends.size(), 4u) << "one end for each partition, at size " << size;
    for (int32_t partition = 0; partition < 4; ++partition) {
      for (int64_t offset = 0; offset < ends[partition]; ++offset) {
        ASSERT_TRUE(in_tree.contains({.partition = partition, .offset = offset}))
            << "the checkpoint of " << size << " leaves claims partition " << partition
            << " offset " << offset;
      }
    }
  }
  EXPECT_EQ(seen.rbegin()->second, (std::vector<int64_t>{100, 100, 100, 100}));
  const double copies = static_cast<double>(topic.size() - leaves.size());
  EXPECT_TRUE(hattama::testing::Eventually(
      [&] { return SkippedCopies() - skipped_before == copies; }, std::chrono::seconds(10)))
      << SkippedCopies() - skipped_before << " of " << copies << " copies skipped";
  // Each failure report makes the writer look at the log again (besides its resync at start).
  EXPECT_TRUE(hattama::testing::Eventually([&] { return Resyncs() - resyncs_before >= 2; }))
      << "failed writes must make the writer resync";
  const tlog::TreeHead head = (*log)->tree().Head();
  (*log)->Stop();

  EXPECT_GT(faults.faults(), 5);
  EXPECT_EQ(head.size, kRecords);
  tlog::MemoryTree expected;
  for (const auto& leaf : leaves) expected.Append(tlog::LeafHash(leaf));
  EXPECT_EQ(expected.Head().root, head.root);
  switch (GetParam()) {
    case Fault::kLost:
    case Fault::kKept:
      // The resync found what the broker kept and wrote only what it had not.
      EXPECT_EQ(topic.size(), static_cast<size_t>(kRecords));
      break;
    case Fault::kLate:
      // Each late copy landed after its rewrite: in the topic twice, a leaf once.
      EXPECT_GT(topic.size(), static_cast<size_t>(kRecords));
      break;
  }
  std::printf("[tlog] %d writes reported failed; %zu records in %s for %d leaves\n",
              faults.faults(), topic.size(), kafka::kTlogTopic, kRecords);
}

INSTANTIATE_TEST_SUITE_P(Faults, TlogResync,
                         ::testing::Values(Fault::kLost, Fault::kKept, Fault::kLate),
                         [](const auto& info) {
                           switch (info.param) {
                             case Fault::kLost:
                               return "Lost";
                             case Fault::kKept:
                               return "Kept";
                             case Fault::kLate:
                               return "KeptLate";
                           }
                           return "";
                         });

}  // namespace
}  // namespace hattama::transparency
