// Aggregation's change feed against the embedded Kafka (devkafka): what it leaves unacknowledged
// is what the write steps keep in feed-pending, and a batch the broker refused reaches the feed
// once the broker is back.
#include "services/aggregation/change_feed.h"

#include <gtest/gtest.h>

#include <csignal>

#include "common/kafka/reader.h"
#include "common/kafka/topics.h"
#include "tests/testing/eventually.h"
#include "tools/stack/stack.h"

namespace hattama::aggregation {
namespace {

using namespace std::chrono_literals;

constexpr int kPartitions = 2;

v1::TotalsChange Change(int32_t partition, const std::string& area, int64_t version,
                        bool official = false) {
  v1::TotalsChange change;
  change.set_area_id(area);
  change.set_contest_id("mazhilis");
  change.set_partition(partition);
  change.set_official(official);
  change.set_version(version);
  change.set_stations_reporting(version * 10);
  return change;
}

class ChangeFeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto kafka = stack::DevKafka::Start(kPartitions);
    ASSERT_TRUE(kafka.ok()) << kafka.status().message();
    kafka_ = std::move(kafka).value();
    // Deliveries fail after a second without the broker, as they would after 30 s in production.
    auto producer = kafka::Producer::Create(kafka_->bootstrap(), {{"message.timeout.ms", "1000"}});
    ASSERT_TRUE(producer.ok()) << producer.status().message();
    producer_ = std::move(producer).value();
  }

  void TearDown() override {
    if (kafka_ != nullptr) kafka_->process().Signal(SIGCONT);
  }

  // Every change in the totals topic, read from its beginning until `count` arrived or 20 s.
  std::vector<v1::TotalsChange> ReadFeed(size_t count) {
    std::vector<v1::TotalsChange> changes;
    auto reader = kafka::Reader::Create(kafka_->bootstrap(), kafka::kTotalsTopic);
    EXPECT_TRUE(reader.ok());
    if (!reader.ok()) return changes;
    std::map<int32_t, int64_t> from;
    for (int32_t p = 0; p < kPartitions; ++p) from[p] = 0;
    EXPECT_TRUE((*reader)->Assign(from).ok());
    testing::Eventually(
        [&] {
          auto polled = (*reader)->Poll(100, 100ms);
          if (polled.ok()) {
            for (const auto& message : *polled) {
              changes.emplace_back().ParseFromString(message.value);
            }
          }
          return changes.size() >= count;
        },
        20s, 1ms);
    return changes;
  }

  const std::atomic<bool> never_{false};
  std::unique_ptr<stack::DevKafka> kafka_;
  std::unique_ptr<kafka::Producer> producer_;
};

TEST_F(ChangeFeedTest, TotalsStayUnacknowledgedUntilTheBrokerTakesThemAndOnlyTheNewestIsSent) {
  ChangeFeed feed(*producer_);
  kafka_->process().Signal(SIGSTOP);  // Nothing is acknowledged while the broker is stopped.
  ASSERT_TRUE(feed.Publish(
      {Change(0, "kz", 1), Change(0, "kz", 2), Change(0, "r1", 1, true), Change(1, "d7", 4)},
      never_));
  EXPECT_EQ(feed.Unacknowledged(0),
            (std::set<std::string>{"kz|mazhilis|observer", "r1|mazhilis|official"}));
  EXPECT_EQ(feed.Unacknowledged(1), (std::set<std::string>{"d7|mazhilis|observer"}));
  ASSERT_TRUE(feed.Publish({Change(1, "d8", 1)}, never_));
  // The union of both batches: a write step of partition 1 now names both districts.
  EXPECT_EQ(feed.Unacknowledged(1),
            (std::set<std::string>{"d7|mazhilis|observer", "d8|mazhilis|observer"}));

  kafka_->process().Signal(SIGCONT);
  ASSERT_TRUE(feed.Drain(20s, never_));
  EXPECT_TRUE(feed.Unacknowledged(0).empty());
  EXPECT_TRUE(feed.Unacknowledged(1).empty());

  // kz's version 1 was superseded within its batch: four changes, not five.
  std::vector<v1::TotalsChange> sent = ReadFeed(4);
  ASSERT_EQ(sent.size(), 4u);
  std::map<std::string, int64_t> versions;
  for (const auto& change : sent) versions[change.area_id()] = change.version();
  EXPECT_EQ(versions, (std::map<std::string, int64_t>{{"d7", 4}, {"d8", 1}, {"kz", 2}, {"r1", 1}}));
}

TEST_F(ChangeFeedTest, ABatchTheBrokerRefusedIsSentAgainOnceItIsBack) {
  ChangeFeed feed(*producer_);
  kafka_->process().Signal(SIGSTOP);
  ASSERT_TRUE(feed.Publish({Change(0, "kz", 7)}, never_));
  // The delivery times out (message.timeout.ms) while the broker is stopped: the fault landed
  // with the batch in flight, and the batch stays unacknowledged.
  ASSERT_TRUE(
      testing::Eventually([&] { return !feed.Drain(50ms, never_) && feed.requeued() > 0; }, 20s));
  EXPECT_EQ(feed.Unacknowledged(0), (std::set<std::string>{"kz|mazhilis|observer"}));

  kafka_->process().Signal(SIGCONT);
  ASSERT_TRUE(feed.Drain(20s, never_));
  EXPECT_TRUE(feed.Unacknowledged(0).empty());
  std::vector<v1::TotalsChange> sent = ReadFeed(1);
  ASSERT_FALSE(sent.empty());
  EXPECT_EQ(sent.back().area_id(), "kz");
  EXPECT_EQ(sent.back().version(), 7);
}

TEST_F(ChangeFeedTest, PublishWaitsWhileTooManyBatchesAreUnacknowledgedUnlessStopped) {
  ChangeFeed feed(*producer_, /*max_in_flight=*/1);
  kafka_->process().Signal(SIGSTOP);
  ASSERT_TRUE(feed.Publish({Change(0, "kz", 1)}, never_));
  const std::atomic<bool> stop{true};
  // A second batch does not fit: with stop set, Publish gives up instead of waiting.
  EXPECT_FALSE(feed.Publish({Change(0, "kz", 2)}, stop));
  EXPECT_EQ(feed.Unacknowledged(0), (std::set<std::string>{"kz|mazhilis|observer"}));
  kafka_->process().Signal(SIGCONT);
  EXPECT_TRUE(feed.Publish({Change(0, "kz", 3)}, never_));
  EXPECT_TRUE(feed.Drain(20s, never_));
}

}  // namespace
}  // namespace hattama::aggregation
