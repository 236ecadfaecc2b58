// Aggregation end to end on one machine: the embedded Kafka (devkafka), a real redis-server, and
// the aggregation loop (in this process, or the hattama-aggregation binary). Each test compares
// the whole Redis state against a reference Redis that had the same records applied directly, in
// the same order per partition: the service must converge to exactly that state whatever is
// replayed, restarted or killed.
#include "services/aggregation/aggregator.h"

#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <fstream>
#include <future>
#include <iterator>
#include <set>
#include <thread>

#include "common/domain/dispute.h"
#include "common/domain/partition.h"
#include "common/kafka/producer.h"
#include "common/kafka/reader.h"
#include "common/kafka/topics.h"
#include "services/aggregation/rebuild.h"
#include "tests/testing/election.h"
#include "tests/testing/eventually.h"
#include "tests/testing/redis_state.h"
#include "tools/stack/stack.h"

namespace hattama::aggregation {
namespace {

using namespace std::chrono_literals;
using testing::ObserverRecord;

constexpr int32_t kKafkaPartitions = 2;
const std::vector<std::string> kStations = {"S1", "S2", "S3", "S4", "S5", "S6"};

// `count` submissions spread over every station, several versions per station, from `tag`.
std::vector<v1::SubmissionRecord> Submissions(const std::string& tag, int count) {
  std::vector<v1::SubmissionRecord> records;
  for (int i = 0; i < count; ++i) {
    const std::string& station = kStations[i % kStations.size()];
    auto record = ObserverRecord(tag + "-" + std::to_string(i), station, "mazhilis",
                                 {100 + i, 50 + 2 * i, 10 + (i % 7)}, i % 5,
                                 "observer-" + std::to_string(i % 3));
    if (i % 4 == 0) testing::Flag(record);
    records.push_back(record);
  }
  return records;
}

// A dump of Redis without what depends on how the log was cut into batches: the totals' versions
// (one a batch that moved them), their fields at 0 (a field that went up and down within one batch
// was never written), and the feed-pending lists (the last batch's). And without the partition
// count, which only the service writes.
std::map<std::string, std::string> Comparable(std::map<std::string, std::string> dump) {
  dump.erase("hattama:partitions");
  std::erase_if(dump, [](const auto& key) { return key.first.ends_with(":feed-pending"); });
  for (auto& [key, content] : dump) {
    if (key.find(":totals:") == std::string::npos) continue;
    std::string kept;
    for (size_t at = 0; at < content.size();) {
      const size_t end = content.find(';', at) + 1;
      const std::string field = content.substr(at, end - at);
      if (!field.starts_with("version=") && !field.ends_with("=0;")) kept += field;
      at = end;
    }
    content = kept;
  }
  std::erase_if(dump, [](const auto& key) {
    return key.first.find(":totals:") != std::string::npos && key.second.empty();
  });
  return dump;
}

// The aggregation loop on its own thread until the object goes away.
class RunningAggregator {
 public:
  explicit RunningAggregator(std::unique_ptr<Aggregator> aggregator)
      : aggregator_(std::move(aggregator)),
        thread_([this] { status_ = aggregator_->Run(stop_); }) {}
  ~RunningAggregator() { Stop(); }
  Status Stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
    return status_;
  }
  // Stops and leaves the consumer group (the member goes away; its counts stay readable).
  Status Leave() {
    Status stopped = Stop();
    left_counts_ = aggregator_->counts();
    aggregator_.reset();
    return stopped;
  }
  AggregatorCounts counts() const { return aggregator_ ? aggregator_->counts() : left_counts_; }

 private:
  std::unique_ptr<Aggregator> aggregator_;
  AggregatorCounts left_counts_;
  std::atomic<bool> stop_{false};
  Status status_ = Status::Ok();
  std::thread thread_;
};

class AggregatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::set<int32_t> partitions;
    for (const auto& station : kStations) {
      partitions.insert(domain::PartitionOf(station, kKafkaPartitions));
    }
    ASSERT_EQ(partitions.size(), static_cast<size_t>(kKafkaPartitions))
        << "the test stations must cover every partition";

    auto redis = stack::RedisServer::Start(/*appendonly=*/true);
    ASSERT_TRUE(redis.ok()) << redis.status().message();
    redis_server_ = std::move(redis).value();
    auto reference = stack::RedisServer::Start();
    ASSERT_TRUE(reference.ok()) << reference.status().message();
    reference_server_ = std::move(reference).value();
    auto kafka = stack::DevKafka::Start(kKafkaPartitions, dir_.path() + "/devkafka.log");
    ASSERT_TRUE(kafka.ok()) << kafka.status().message();
    kafka_ = std::move(kafka).value();
    auto producer = kafka::Producer::Create(kafka_->bootstrap());
    ASSERT_TRUE(producer.ok()) << producer.status().message();
    producer_ = std::move(producer).value();
    redis_ = testing::Connect(redis_server_->address());
    reference_ = testing::Connect(reference_server_->address());
  }

  // Produces `records` where ingestion would (the station's partition) and applies them to the
  // reference Redis in the same order.
  void Produce(const std::vector<v1::SubmissionRecord>& records) {
    std::atomic<int> failed{0};
    for (const auto& record : records) {
      const auto& protocol = record.submission().protocol();
      auto queued = producer_->Produce(
          kafka::kSubmissionsTopic, domain::PartitionOf(protocol.station_id(), kKafkaPartitions),
          domain::SubmissionKey(protocol.station_id(), protocol.contest_id()),
          record.SerializeAsString(), [&](const Status& status, int32_t, int64_t) {
            if (!status.ok()) failed.fetch_add(1);
          });
      ASSERT_TRUE(queued.ok()) << queued.message();
    }
    ASSERT_TRUE(producer_->Flush(20s).ok());
    ASSERT_EQ(failed.load(), 0);
    testing::ApplyBatch(Applier(testing::TinyRegistry()), *reference_, records, kKafkaPartitions,
                        &reference_offsets_);
  }

  // The end of every partition of the submissions topic, as the broker states it now.
  std::map<int32_t, int64_t> LogEnds() {
    auto reader = kafka::Reader::Create(kafka_->bootstrap(), kafka::kSubmissionsTopic);
    EXPECT_TRUE(reader.ok()) << reader.status().message();
    if (!reader.ok()) return {};
    EXPECT_TRUE((*reader)->AssignAtEnd(20s).ok());
    return (*reader)->Positions();
  }

  // Every partition's log position as aggregation left it in Redis (hattama:{p<N>}:position).
  std::map<int32_t, int64_t> Positions() {
    std::map<int32_t, int64_t> positions;
    for (int32_t p = 0; p < kKafkaPartitions; ++p) {
      auto reply = redis_->Run({"GET", redis::layout::PositionKey(p)});
      EXPECT_TRUE(reply.ok());
      positions[p] = reply.ok() && !reply->str.empty() ? std::stoll(reply->str) : 0;
    }
    return positions;
  }

  std::map<std::string, std::string> State() { return Comparable(testing::Dump(*redis_)); }

  // Records of the log that Redis does not hold yet: the log's ends minus the positions.
  int64_t InFlight() {
    int64_t in_flight = 0;
    auto positions = Positions();
    for (const auto& [partition, end] : LogEnds()) in_flight += end - positions[partition];
    return in_flight;
  }

  // True once Redis holds exactly what the reference holds; otherwise the keys that differ are
  // reported.
  bool ConvergesToReference(std::chrono::seconds timeout = 60s) {
    const auto expected = Comparable(testing::Dump(*reference_));
    std::map<std::string, std::string> state;
    if (testing::Eventually(
            [&] {
              if (redis_ == nullptr) redis_ = testing::Connect(redis_server_->address());
              if (redis_ == nullptr) return false;
              state = State();
              return state == expected;
            },
            timeout, 100ms)) {
      return true;
    }
    int shown = 0;
    for (const auto& [key, content] : expected) {
      auto it = state.find(key);
      if (it != state.end() && it->second == content) continue;
      if (++shown > 5) break;
      ADD_FAILURE() << key << "\n  expected: " << content
                    << "\n  found:    " << (it == state.end() ? "(absent)" : it->second);
    }
    for (const auto& [key, content] : state) {
      if (!expected.contains(key) && ++shown <= 5) ADD_FAILURE() << key << " is not expected";
    }
    return false;
  }

  std::unique_ptr<Aggregator> NewAggregator(const std::string& group, size_t batch_size = 7,
                                            int session_timeout_ms = 10000) {
    AggregatorOptions options;
    // The embedded Kafka waits about this long, less a second, for every member to join again
    // after one joined or left.
    options.session_timeout_ms = session_timeout_ms;
    options.kafka_bootstrap = kafka_->bootstrap();
    options.redis.address = redis_server_->address();
    options.group = group;
    options.batch_size = batch_size;  // Several batches per test, batches across partitions.
    options.poll_timeout = 100ms;
    options.max_backoff = 200ms;
    auto aggregator = Aggregator::Create(options, testing::TinyRegistry());
    EXPECT_TRUE(aggregator.ok()) << aggregator.status().message();
    return aggregator.ok() ? std::move(aggregator).value() : nullptr;
  }

  std::vector<std::string> ServiceArgv(const std::string& group) {
    return {stack::BinaryPath("hattama-aggregation"),
            "--election",
            dir_.path() + "/election.json",
            "--stations",
            dir_.path() + "/stations.csv",
            "--kafka-bootstrap",
            kafka_->bootstrap(),
            "--redis-address",
            redis_server_->address(),
            "--group",
            group,
            "--batch-size",
            "5",
            "--session-timeout-ms",
            "3000",
            "--log-format",
            "json"};
  }

  std::string ServiceLog() {
    std::ifstream in(dir_.path() + "/aggregation.log");
    return "service log:\n" + std::string(std::istreambuf_iterator<char>(in), {});
  }

  stack::TempDir dir_{"hattama-aggregation-test"};
  std::unique_ptr<stack::RedisServer> redis_server_;
  std::unique_ptr<stack::RedisServer> reference_server_;
  std::unique_ptr<stack::DevKafka> kafka_;
  std::unique_ptr<kafka::Producer> producer_;
  std::unique_ptr<redis::Connection> redis_;
  std::unique_ptr<redis::Connection> reference_;
  // The offset the next record produced gets in each partition, for the reference's positions.
  std::map<int32_t, int64_t> reference_offsets_;
};

TEST_F(AggregatorTest, AppliesEverySubmissionOnceAndPublishesThePartitionCount) {
  auto records = Submissions("a", 30);
  records.push_back(records[3]);  // A hub's resend, and a redelivery of the same record.
  records.push_back(records[17]);
  Produce(records);

  RunningAggregator running(NewAggregator("group-1"));

  ASSERT_TRUE(ConvergesToReference());
  auto partitions = redis_->Run({"GET", "hattama:partitions"});
  ASSERT_TRUE(partitions.ok());
  EXPECT_EQ(partitions->str, std::to_string(kKafkaPartitions));
  // Of each station's versions, the one the dispute rule chooses counts.
  std::vector<v1::SubmissionRecord> counted;
  auto expected = testing::ExpectedByRule(records, &counted);
  ASSERT_EQ(counted.size(), 6u);
  EXPECT_EQ(testing::AreaTotals(*redis_, "mazhilis", "kz", kKafkaPartitions), expected);
  EXPECT_TRUE(running.Stop().ok());
}

// A rebuild on its own thread; the result of Run, or an error if it had not returned by itself
// within `timeout` (it is then stopped).
Status RunRebuild(Aggregator& rebuild, std::chrono::seconds timeout) {
  std::atomic<bool> stop{false};
  auto run = std::async(std::launch::async, [&] { return rebuild.Run(stop); });
  if (run.wait_for(timeout) != std::future_status::ready) {
    stop.store(true);
    run.wait();
    return Status::Error("the rebuild did not return by itself");
  }
  return run.get();
}

TEST_F(AggregatorTest, RebuildReplaysTheWholeLogIntoAnEmptyRedisAndReturns) {
  Produce(Submissions("a", 40));
  {
    RunningAggregator running(NewAggregator("totals"));
    ASSERT_TRUE(ConvergesToReference());
  }
  ASSERT_TRUE(redis_->Run({"FLUSHALL"}).ok());  // Redis lost everything.

  AggregatorOptions options;
  options.kafka_bootstrap = kafka_->bootstrap();
  options.redis.address = redis_server_->address();
  options.group = "totals";  // Its committed offsets must not matter to a rebuild.
  options.rebuild = true;
  options.poll_timeout = 100ms;
  auto rebuild = Aggregator::Create(options, testing::TinyRegistry());
  ASSERT_TRUE(rebuild.ok()) << rebuild.status().message();
  ASSERT_TRUE(RunRebuild(**rebuild, 60s).ok());
  // Complete when it returns, not some time later.
  EXPECT_EQ(State(), Comparable(testing::Dump(*reference_)));
  EXPECT_EQ((*rebuild)->counts().applied, 40);
}

// Lanes (rebuild.h) split the partitions between members folding side by side: with more lanes
// than partitions some lanes have nothing, and the totals are still those of one member.
TEST_F(AggregatorTest, RebuildInLanesReplaysEveryPartitionOnceIntoAnEmptyRedis) {
  auto records = Submissions("a", 30);
  auto revisions = Submissions("b", 10);  // A second version of the first ten stations' protocols.
  records.insert(records.end(), revisions.begin(), revisions.end());
  records.push_back(records[3]);  // A resend.
  Produce(records);
  {
    RunningAggregator running(NewAggregator("totals"));
    ASSERT_TRUE(ConvergesToReference());
  }
  const auto expected = State();
  for (int lanes : {2, kKafkaPartitions + 2}) {
    ASSERT_TRUE(redis_->Run({"FLUSHALL"}).ok());  // Redis lost everything.
    AggregatorOptions options;
    options.kafka_bootstrap = kafka_->bootstrap();
    options.redis.address = redis_server_->address();
    options.rebuild = true;
    options.poll_timeout = 100ms;
    const std::atomic<bool> stop{false};
    auto rebuilt = aggregation::RunRebuild(options, testing::TinyRegistry(), lanes, stop);
    ASSERT_TRUE(rebuilt.ok()) << lanes << " lanes: " << rebuilt.status().message();
    EXPECT_EQ(rebuilt->applied, 41) << lanes << " lanes";
    EXPECT_EQ(rebuilt->duplicates, 1) << lanes << " lanes";
    EXPECT_EQ(State(), expected) << lanes << " lanes";
  }
}

TEST_F(AggregatorTest, RebuildOfAnEmptyLogReturnsAtOnce) {
  AggregatorOptions options;
  options.kafka_bootstrap = kafka_->bootstrap();
  options.redis.address = redis_server_->address();
  options.group = "totals";
  options.rebuild = true;
  auto rebuild = Aggregator::Create(options, testing::TinyRegistry());
  ASSERT_TRUE(rebuild.ok()) << rebuild.status().message();
  EXPECT_TRUE(RunRebuild(**rebuild, 20s).ok());
  EXPECT_EQ((*rebuild)->counts().applied, 0);
}

TEST_F(AggregatorTest, EachPartitionsPositionIsTheEndOfItsLogOnceAppliedAndNeverGoesBack) {
  auto records = Submissions("a", 24);
  records.push_back(
      records[5]);  // A resend: applied as a duplicate, and still a record of the log.
  Produce(records);
  {
    RunningAggregator running(NewAggregator("group-1"));
    ASSERT_TRUE(ConvergesToReference());
  }
  const auto ends = LogEnds();
  ASSERT_EQ(ends.size(), static_cast<size_t>(kKafkaPartitions));
  int64_t total = 0;
  for (const auto& [partition, end] : ends) total += end;
  ASSERT_EQ(total, 25);
  EXPECT_EQ(Positions(), ends);

  // A new group replays the whole log from the start, then one new submission per station:
  // every replayed record is a duplicate, and no position goes back meanwhile.
  RunningAggregator replaying(NewAggregator("group-2"));
  Produce(Submissions("c", static_cast<int>(kStations.size())));
  const auto new_ends = LogEnds();
  bool went_back = false;
  EXPECT_TRUE(testing::Eventually(
      [&] {
        auto now = Positions();
        for (const auto& [partition, end] : ends) went_back |= now[partition] < end;
        return now == new_ends;
      },
      60s, 5ms));
  EXPECT_FALSE(went_back);
  EXPECT_TRUE(ConvergesToReference());
}

TEST_F(AggregatorTest, RestartedOrReplayingConsumerLeavesTotalsUnchanged) {
  Produce(Submissions("a", 20));
  {
    RunningAggregator running(NewAggregator("group-1"));
    ASSERT_TRUE(ConvergesToReference());
  }  // Stopped: the batch in hand is finished and committed, the group left.

  Produce(Submissions("b", 12));
  {
    RunningAggregator running(NewAggregator("group-1"));
    ASSERT_TRUE(ConvergesToReference());
  }

  // A new group starts from the earliest offset: the whole log again, then one new submission
  // per station. Converging means the replay (before them in every partition) changed nothing.
  Produce(Submissions("c", static_cast<int>(kStations.size())));
  RunningAggregator replaying(NewAggregator("group-2"));
  EXPECT_TRUE(ConvergesToReference());
}

TEST_F(AggregatorTest, ReconnectsAndRetriesWhenRedisRestarts) {
  Produce(Submissions("a", 15));
  RunningAggregator running(NewAggregator("group-1"));
  ASSERT_TRUE(ConvergesToReference());

  // Data survives (AOF); the connection and the script cache do not.
  ASSERT_TRUE(redis_server_->Restart().ok());
  redis_.reset();
  Produce(Submissions("b", 15));

  EXPECT_TRUE(ConvergesToReference());
}

TEST_F(AggregatorTest, KilledServiceReplaysWithoutChangingTotals) {
  ASSERT_TRUE(testing::WriteRegistryFiles(dir_.path()).ok());
  Produce(Submissions("a", 40));
  auto first = stack::Process::Start(
      {.argv = ServiceArgv("group-1"), .log_path = dir_.path() + "/aggregation.log"});
  ASSERT_TRUE(first.ok()) << first.status().message();

  // Killed as soon as it has applied anything: some batches applied, some maybe not committed.
  ASSERT_TRUE(testing::Eventually([&] { return !State().empty(); }, 60s, 20ms))
      << "the service applied nothing";
  (*first)->Signal(SIGKILL);
  ASSERT_TRUE((*first)->Wait(10s).ok());

  auto second = stack::Process::Start(
      {.argv = ServiceArgv("group-1"), .log_path = dir_.path() + "/aggregation.log"});
  ASSERT_TRUE(second.ok()) << second.status().message();
  Produce(Submissions("b", static_cast<int>(kStations.size())));

  EXPECT_TRUE(ConvergesToReference()) << ServiceLog();
  // SIGTERM: finishes the batch in hand, commits, leaves the group, exits cleanly.
  EXPECT_EQ((*second)->Stop(), 0);
}

// Issue #14 item 3: several members of one group while a night streams. A member joins and another
// leaves while records are in flight (produced, not yet in Redis); every submission is applied
// exactly once (the versions lists hold each once) and the totals are exact.
TEST_F(AggregatorTest, MembersJoiningAndLeavingMidStreamCountEachSubmissionOnce) {
  Produce(Submissions("a", 300));
  RunningAggregator first(NewAggregator("night", /*batch_size=*/3, /*session_timeout_ms=*/3000));
  ASSERT_TRUE(testing::Eventually([&] { return first.counts().applied >= 30; }, 60s, 5ms));

  Produce(Submissions("b", 300));
  const int64_t in_flight_at_join = InFlight();
  RunningAggregator second(NewAggregator("night", /*batch_size=*/3, /*session_timeout_ms=*/3000));
  // The group gives the newcomer partitions once it has joined, a few seconds later: records keep
  // coming until it applies some, since the first member may have applied all of "b" by then
  // (and then nothing would be left for the newcomer).
  int more = 0;
  ASSERT_TRUE(testing::Eventually(
      [&] {
        if (second.counts().applied > 0) return true;
        Produce(Submissions("b" + std::to_string(++more), 6));
        return false;
      },
      60s, 100ms));

  Produce(Submissions("c", 300));
  const int64_t in_flight_at_leave = InFlight();
  const int64_t second_before_leave = second.counts().applied;
  ASSERT_TRUE(first.Leave().ok());  // The other member takes its partitions.
  Produce(Submissions("d", 60));

  EXPECT_TRUE(ConvergesToReference());
  // The rebalances happened while the log held records not yet applied, and the remaining member
  // applied records after the other left.
  EXPECT_GT(in_flight_at_join, 0);
  EXPECT_GT(in_flight_at_leave, 0);
  EXPECT_GT(second.counts().applied, second_before_leave);
  EXPECT_GT(first.counts().applied, 0);
  EXPECT_TRUE(second.Stop().ok());
}

// Two members that both believe they own every partition (a zombie that missed a rebalance, here
// two groups on one Redis) write the same partitions at the same time: each write step is a
// compare-and-set on the partition's position, so neither applies a record the other applied and
// neither writes from a state the other changed.
TEST_F(AggregatorTest, TwoMembersWritingThePartitionsAtOnceLeaveExactTotals) {
  Produce(Submissions("a", 200));
  RunningAggregator member(NewAggregator("group-1", /*batch_size=*/5));
  RunningAggregator zombie(NewAggregator("group-2", /*batch_size=*/3));
  Produce(Submissions("b", 200));

  EXPECT_TRUE(ConvergesToReference());
  EXPECT_GT(member.counts().applied, 0);
  EXPECT_GT(zombie.counts().applied, 0);
}

// Redis lost what it held (a failover to a replica that had not received the tail, here FLUSHALL)
// while a member kept running: its next write finds the position moved, it reads the log again
// from the position Redis holds, and Redis converges to the whole log.
TEST_F(AggregatorTest, RedisThatLostItsTailIsReplayedFromItsPosition) {
  Produce(Submissions("a", 40));
  RunningAggregator running(NewAggregator("group-1"));
  ASSERT_TRUE(ConvergesToReference());
  ASSERT_TRUE(redis_->Run({"FLUSHALL"}).ok());

  Produce(Submissions("b", 12));

  EXPECT_TRUE(ConvergesToReference());
}

}  // namespace
}  // namespace hattama::aggregation
