#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <atomic>
#include <future>
#include <set>

#include "common/kafka/consumer.h"
#include "common/kafka/message.h"
#include "common/kafka/producer.h"
#include "common/kafka/properties.h"
#include "common/kafka/reader.h"

namespace hattama::kafka {
namespace {

using namespace std::chrono_literals;

// librdkafka's mock cluster in this process, with one topic; gone with the object.
class MockCluster {
 public:
  explicit MockCluster(int partitions) {
    char errstr[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr);
    host_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    cluster_ = rd_kafka_mock_cluster_new(host_, 1);
    rd_kafka_mock_topic_create(cluster_, kTopic, partitions, 1);
  }
  ~MockCluster() {
    rd_kafka_mock_cluster_destroy(cluster_);
    rd_kafka_destroy(host_);
  }
  std::string bootstrap() const { return rd_kafka_mock_cluster_bootstraps(cluster_); }
  // Takes the (only) broker down or brings it back: connections to it fail meanwhile.
  void SetBrokerUp(bool up) {
    if (up) {
      rd_kafka_mock_broker_set_up(cluster_, 1);
    } else {
      rd_kafka_mock_broker_set_down(cluster_, 1);
    }
  }

  static constexpr char kTopic[] = "hattama.test.v1";

 private:
  rd_kafka_t* host_;
  rd_kafka_mock_cluster_t* cluster_;
};

struct Delivery {
  bool ok;
  int32_t partition;
  int64_t offset;
};

// Produces and waits for the delivery report.
Delivery ProduceAndWait(Producer& producer, int32_t partition, const std::string& key,
                        const std::string& value) {
  std::promise<Delivery> delivered;
  Status queued = producer.Produce(MockCluster::kTopic, partition, key, value,
                                   [&](const Status& status, int32_t p, int64_t offset) {
                                     delivered.set_value({status.ok(), p, offset});
                                   });
  EXPECT_TRUE(queued.ok()) << queued.message();
  auto future = delivered.get_future();
  EXPECT_EQ(future.wait_for(20s), std::future_status::ready);
  return future.get();
}

// Polls a Consumer or a Reader until `count` messages arrived (or 20 s passed).
template <typename Source>
std::vector<Message> PollUntil(Source& consumer, size_t count) {
  std::vector<Message> messages;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (messages.size() < count && std::chrono::steady_clock::now() < deadline) {
    auto batch = consumer.Poll(count - messages.size(), 200ms);
    EXPECT_TRUE(batch.ok()) << batch.status().message();
    if (!batch.ok()) break;
    messages.insert(messages.end(), batch->begin(), batch->end());
  }
  return messages;
}

TEST(Kafka, DeliveredRecordIsReadBackWithItsKeyPartitionAndOffset) {
  MockCluster cluster(3);
  auto producer = Producer::Create(cluster.bootstrap());
  ASSERT_TRUE(producer.ok()) << producer.status().message();
  Delivery delivery = ProduceAndWait(**producer, 2, "s1|mazhilis", "figures");
  EXPECT_TRUE(delivery.ok);
  EXPECT_EQ(delivery.partition, 2);
  EXPECT_EQ(delivery.offset, 0);

  std::atomic<int> assigned{0};
  auto consumer = Consumer::Create(cluster.bootstrap(), "readers", {MockCluster::kTopic}, {},
                                   [&](const auto& in, const auto&) { assigned += in.size(); });
  ASSERT_TRUE(consumer.ok()) << consumer.status().message();
  auto messages = PollUntil(**consumer, 1);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].topic, MockCluster::kTopic);
  EXPECT_EQ(messages[0].partition, 2);
  EXPECT_EQ(messages[0].offset, 0);
  EXPECT_EQ(messages[0].key, "s1|mazhilis");
  EXPECT_EQ(messages[0].value, "figures");
  EXPECT_EQ(assigned.load(), 3);
  EXPECT_EQ((*consumer)->Assignment()[MockCluster::kTopic].size(), 3u);
}

TEST(Kafka, GroupResumesAfterTheLastCommittedMessage) {
  // The mock coordinator makes a group that had members wait session.timeout.ms - 1 s before a
  // new member's join completes (a real broker rebalances at once on LeaveGroup): keep it short.
  const Properties quick_rejoin = {{"session.timeout.ms", "3000"}};
  MockCluster cluster(1);
  auto producer = Producer::Create(cluster.bootstrap());
  ASSERT_TRUE(producer.ok());
  for (const char* value : {"one", "two", "three"}) {
    ASSERT_TRUE(ProduceAndWait(**producer, 0, "k", value).ok);
  }
  {
    auto consumer =
        Consumer::Create(cluster.bootstrap(), "appliers", {MockCluster::kTopic}, quick_rejoin);
    ASSERT_TRUE(consumer.ok());
    auto messages = PollUntil(**consumer, 3);
    ASSERT_EQ(messages.size(), 3u);
    // Only the first two were applied: the third must come again.
    Status committed = (*consumer)->Commit({messages[0], messages[1]});
    ASSERT_TRUE(committed.ok()) << committed.message();
  }
  auto consumer =
      Consumer::Create(cluster.bootstrap(), "appliers", {MockCluster::kTopic}, quick_rejoin);
  ASSERT_TRUE(consumer.ok());
  auto messages = PollUntil(**consumer, 1);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].value, "three");
  EXPECT_EQ(messages[0].offset, 2);
}

TEST(Kafka, LagCountsWhatTheMemberHasNotReadYet) {
  MockCluster cluster(1);
  auto producer = Producer::Create(cluster.bootstrap());
  ASSERT_TRUE(producer.ok());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(ProduceAndWait(**producer, 0, "k", "v").ok);
  auto consumer = Consumer::Create(cluster.bootstrap(), "laggards", {MockCluster::kTopic});
  ASSERT_TRUE(consumer.ok());
  ASSERT_EQ(PollUntil(**consumer, 2).size(), 2u);
  EXPECT_EQ((*consumer)->Lag(), 3);
  ASSERT_EQ(PollUntil(**consumer, 3).size(), 3u);
  EXPECT_EQ((*consumer)->Lag(), 0);
}

TEST(Kafka, PartitionCountComesFromTheBrokerAndAMissingTopicIsAnError) {
  MockCluster cluster(7);
  auto producer = Producer::Create(cluster.bootstrap());
  ASSERT_TRUE(producer.ok());
  auto count = (*producer)->PartitionCount(MockCluster::kTopic, 10s);
  ASSERT_TRUE(count.ok()) << count.status().message();
  EXPECT_EQ(*count, 7);
  auto missing = (*producer)->PartitionCount("hattama.nothing.v1", 10s);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("hattama.nothing.v1"), std::string::npos);
}

TEST(Kafka, RecordThatCannotBeDeliveredReportsFailureOnce) {
  // Nothing listens on port 1: the record times out.
  auto producer = Producer::Create("127.0.0.1:1", {{"message.timeout.ms", "300"}});
  ASSERT_TRUE(producer.ok());
  std::atomic<int> calls{0};
  std::promise<bool> delivered;
  ASSERT_TRUE((*producer)
                  ->Produce(MockCluster::kTopic, 0, "k", "v",
                            [&](const Status& status, int32_t, int64_t) {
                              if (calls++ == 0) delivered.set_value(status.ok());
                            })
                  .ok());
  auto future = delivered.get_future();
  ASSERT_EQ(future.wait_for(20s), std::future_status::ready);
  EXPECT_FALSE(future.get());
  producer->reset();  // Closing must not report it again.
  EXPECT_EQ(calls.load(), 1);
}

TEST(Kafka, ClosingTheProducerAnswersEveryQueuedRecord) {
  auto producer = Producer::Create("127.0.0.1:1");  // Would wait 30 s for a broker.
  ASSERT_TRUE(producer.ok());
  std::atomic<int> failed{0};
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE((*producer)
                    ->Produce(MockCluster::kTopic, 0, "k", "v",
                              [&](const Status& status, int32_t, int64_t) {
                                if (!status.ok()) ++failed;
                              })
                    .ok());
  }
  EXPECT_FALSE((*producer)->Flush(100ms).ok());
  producer->reset();
  EXPECT_EQ(failed.load(), 10);
}

TEST(Kafka, InvalidPropertyIsAnErrorNamingIt) {
  auto producer = Producer::Create("127.0.0.1:1", {{"linger.ms", "soon"}});
  ASSERT_FALSE(producer.ok());
  EXPECT_NE(producer.status().message().find("linger.ms"), std::string::npos);
}

TEST(KafkaReader, ReadsOnlyWhatIsProducedAfterItAssignedTheEnd) {
  MockCluster cluster(3);
  auto producer = Producer::Create(cluster.bootstrap());
  ASSERT_TRUE(producer.ok()) << producer.status().message();
  ProduceAndWait(**producer, 0, "old", "before-0");
  ProduceAndWait(**producer, 2, "old", "before-2");
  ProduceAndWait(**producer, 2, "old", "before-2b");

  auto reader = Reader::Create(cluster.bootstrap(), MockCluster::kTopic);
  ASSERT_TRUE(reader.ok()) << reader.status().message();
  ASSERT_TRUE((*reader)->AssignAtEnd(10s).ok());
  EXPECT_EQ((*reader)->Positions(), (std::map<int32_t, int64_t>{{0, 1}, {1, 0}, {2, 2}}));

  ProduceAndWait(**producer, 2, "new", "after-2");
  ProduceAndWait(**producer, 1, "new", "after-1");
  auto messages = PollUntil(**reader, 2);

  ASSERT_EQ(messages.size(), 2u);
  std::set<std::string> values;
  for (const auto& m : messages) values.insert(m.value);
  EXPECT_EQ(values, (std::set<std::string>{"after-1", "after-2"}));
  EXPECT_EQ((*reader)->Positions(), (std::map<int32_t, int64_t>{{0, 1}, {1, 1}, {2, 3}}));
  auto ends = (*reader)->EndOffsets(10s);
  ASSERT_TRUE(ends.ok()) << ends.status().message();
  EXPECT_EQ(*ends, (*reader)->Positions());
}

TEST(KafkaReader, CommitsNothingForAnyGroup) {
  MockCluster cluster(2);
  auto producer = Producer::Create(cluster.bootstrap());
  ASSERT_TRUE(producer.ok()) << producer.status().message();
  {
    auto reader = Reader::Create(cluster.bootstrap(), MockCluster::kTopic);
    ASSERT_TRUE(reader.ok()) << reader.status().message();
    ASSERT_TRUE((*reader)->AssignAtEnd(10s).ok());
    ProduceAndWait(**producer, 0, "k", "one");
    ProduceAndWait(**producer, 1, "k", "two");
    ASSERT_EQ(PollUntil(**reader, 2).size(), 2u);
  }
  // A group under the Reader's placeholder id finds no committed offset: it starts from the
  // beginning and reads both records again.
  auto consumer =
      Consumer::Create(cluster.bootstrap(), "hattama.reader.uncommitted", {MockCluster::kTopic});
  ASSERT_TRUE(consumer.ok()) << consumer.status().message();
  EXPECT_EQ(PollUntil(**consumer, 2).size(), 2u);
}

TEST(KafkaReader, EndOffsetsFailWhileTheBrokerIsDown) {
  MockCluster cluster(1);
  auto reader = Reader::Create(cluster.bootstrap(), MockCluster::kTopic);
  ASSERT_TRUE(reader.ok()) << reader.status().message();
  ASSERT_TRUE((*reader)->AssignAtEnd(10s).ok());

  cluster.SetBrokerUp(false);
  const auto asked = std::chrono::steady_clock::now();
  auto down = (*reader)->EndOffsets(1s);
  EXPECT_FALSE(down.ok());
  // The timeout holds even with the leader down (a health check must not hang on it).
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 5s);

  cluster.SetBrokerUp(true);
  Result<std::map<int32_t, int64_t>> up = Status::Error("not asked");
  for (int i = 0; i < 20 && !up.ok(); ++i) up = (*reader)->EndOffsets(1s);
  EXPECT_TRUE(up.ok()) << up.status().message();
}

TEST(KafkaReader, MissingTopicIsAnErrorNamingIt) {
  MockCluster cluster(1);
  auto reader = Reader::Create(cluster.bootstrap(), "hattama.nonexistent.v1");
  ASSERT_TRUE(reader.ok()) << reader.status().message();
  Status assigned = (*reader)->AssignAtEnd(5s);
  EXPECT_FALSE(assigned.ok());
  EXPECT_NE(assigned.message().find("hattama.nonexistent.v1"), std::string::npos);
}

}  // namespace
}  // namespace hattama::kafka
