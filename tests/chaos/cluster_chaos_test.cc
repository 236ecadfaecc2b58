// The whole stack on a real Redis Cluster of 3 masters and 3 replicas (tools/stack/redis_cluster.h,
// started once for the suite and flushed between cases): ingestion's id claims, aggregation's
// totals and deployment table and publication's reads all speak Redis Cluster
// (--redis-cluster-seeds). One night counted exactly on it; and one night during which a master is
// SIGKILLed while protocols stream, with --redis-replica-acks 1 so that every acknowledged write
// is on the master's replica too: the replica is promoted, the killed node comes back as its
// replica, and every published total and station result equals the ground truth.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "common/redis/cluster.h"
#include "common/redis/layout.h"
#include "common/redis/slots.h"
#include "tests/testing/eventually.h"
#include "tests/testing/injecting_stream.h"
#include "tests/testing/night.h"
#include "tests/testing/redis_cluster.h"
#include "tools/hub/client/client.h"
#include "tools/hub/simulator/verify.h"
#include "tools/stack/stack.h"

namespace hattama {
namespace {

using testing::RedisCluster;

constexpr int kStations = 800;
constexpr int kPartitions = 4;

void Say(const std::string& text) {
  std::printf("[cluster chaos] %s\n", text.c_str());
  std::fflush(stdout);
}

class ClusterNight : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto cluster = RedisCluster::Start();
    if (cluster.ok()) {
      cluster_ = std::move(cluster).value();
    } else {
      start_error_ = cluster.status().message();
    }
  }
  static void TearDownTestSuite() { cluster_.reset(); }

  // Each case starts from an empty, healthy cluster.
  void SetUp() override {
    ASSERT_NE(cluster_, nullptr) << "the Redis Cluster did not start: " << start_error_;
    ASSERT_TRUE(cluster_->WaitUntilHealthy(std::chrono::seconds(30)).ok());
    auto client = redis::ClusterConnection::Connect(cluster_->addresses());
    ASSERT_TRUE(client.ok()) << client.status().message();
    ASSERT_TRUE((*client)->RunOnEveryMaster({"FLUSHALL"}).ok());
  }

  void StartStack(int replica_acks) {
    auto night = testing::DrawNight(kStations, 23, dir_.path());
    ASSERT_TRUE(night.ok()) << night.status().message();
    registry_ = night->registry;
    plan_ = std::move(night->plan);
    auto stack = stack::Stack::Start({.registry_dir = dir_.path(),
                                      .partitions = kPartitions,
                                      .log_dir = testing::CaseLogDir(),
                                      .shared_redis_cluster = cluster_.get(),
                                      .redis_replica_acks = replica_acks,
                                      .aggregation_args = {"--batch-size", "100"}});
    ASSERT_TRUE(stack.ok()) << stack.status().message();
    stack_ = std::move(stack).value();
    // Faults are meant for a running system: stream once aggregation holds its partitions.
    ASSERT_TRUE(testing::Eventually([&] { return AggregationAssigned(); }, std::chrono::seconds(60),
                                    std::chrono::milliseconds(50)))
        << "aggregation never joined its group";
    Say(fmt::format(
        "{} stations, {} submissions ({} accepted expected), {} partitions, a Redis "
        "Cluster of 3 masters and 3 replicas, --redis-replica-acks {}",
        kStations, plan_.submissions.size(), plan_.expected.accepted, kPartitions, replica_acks));
  }

  bool AggregationAssigned() {
    std::ifstream in(stack_->log_dir() + "/aggregation.log");
    for (std::string line; std::getline(in, line);) {
      if (line.find("partitions assigned: ") != std::string::npos) return true;
    }
    return false;
  }

  // Every submission answered as planned (a lost answer resent after a reconnect may come back
  // DUPLICATE), and every published total and station result equal to the ground truth.
  void CheckNight(const hub::StreamReport& report) {
    ASSERT_EQ(report.acks.size(), plan_.submissions.size());
    int64_t unanswered = 0;
    for (const auto& ack : report.acks) unanswered += ack.answered ? 0 : 1;
    EXPECT_EQ(unanswered, 0);
    auto outcomes = hub::CheckOutcomes(plan_.submissions, report);
    EXPECT_EQ(outcomes.mismatch_count, 0);
    for (const auto& line : outcomes.mismatches) ADD_FAILURE() << line;
    auto verify = hub::VerifyPublication(*registry_, plan_.truth,
                                         {.publication_address = stack_->publication_address(),
                                          .timeout = std::chrono::seconds(90)});
    EXPECT_TRUE(verify.reporting_complete);
    EXPECT_EQ(verify.mismatch_count, 0);
    for (const auto& line : verify.mismatches) ADD_FAILURE() << line;
    Say(
        fmt::format("checked: {} answers ({} reconnects), {} area totals, {} stations: {} "
                    "mismatches",
                    report.acks.size(), report.reconnects, verify.areas_checked,
                    verify.stations_checked, verify.mismatch_count));
  }

  // Partition `p`'s log position (layout.h): the offset after the last record applied; 0 before.
  static int64_t Position(redis::ClusterConnection& client, int32_t p) {
    auto reply = client.Run({"GET", redis::layout::PositionKey(p)});
    return reply.ok() && reply->type == redis::Reply::Type::kString ? std::stoll(reply->str) : 0;
  }

  static inline std::unique_ptr<RedisCluster> cluster_;
  static inline std::string start_error_;
  stack::TempDir dir_{"hattama-cluster-chaos"};
  std::shared_ptr<const domain::Registry> registry_;
  hub::Plan plan_;
  std::unique_ptr<stack::Stack> stack_;
};

TEST_F(ClusterNight, EveryServiceSpeaksRedisClusterAndTheTotalsAreExact) {
  StartStack(/*replica_acks=*/0);
  auto report =
      hub::StreamSubmissions(plan_.submissions, {.ingestion_address = stack_->ingestion_address()});
  ASSERT_TRUE(report.ok()) << report.status().message();
  CheckNight(*report);
  // The keys are spread over the masters: each holds some of the night.
  auto client = redis::ClusterConnection::Connect(cluster_->addresses());
  ASSERT_TRUE(client.ok());
  auto sizes = (*client)->RunOnEveryMaster({"DBSIZE"});
  ASSERT_TRUE(sizes.ok());
  ASSERT_EQ(sizes->size(), 3u);
  std::string spread;
  for (const auto& size : *sizes) {
    EXPECT_GT(size.integer, 0);
    spread += (spread.empty() ? "" : ", ") + std::to_string(size.integer);
  }
  Say("keys per master: " + spread);
}

TEST_F(ClusterNight, MasterKilledMidStreamIsReplacedByItsReplicaAndTheTotalsAreExact) {
  StartStack(/*replica_acks=*/1);
  // The master of partition 0's keys: aggregation writes there whatever the night's order.
  auto client = redis::ClusterConnection::Connect(cluster_->addresses());
  ASSERT_TRUE(client.ok());
  const std::string victim = (*client)->MasterOf(redis::KeySlot(redis::layout::PartitionTag(0)));
  const std::string replica = RedisCluster::ReplicaOf(victim);
  ASSERT_FALSE(replica.empty()) << victim << " has no replica";
  int64_t at_kill = 0;
  auto report = testing::StreamInjecting(
      plan_.submissions,
      {.ingestion_address = stack_->ingestion_address(),
       .fractions = {0.4},
       .inject =
           [&](int) {
             at_kill = Position(**client, 0);
             cluster_->Kill(victim);
             Say(
                 fmt::format("injected: SIGKILL of master {} (its replica: {}) with partition 0 "
                             "applied up to offset {}",
                             victim, replica, at_kill));
           },
       // The killed node comes back only once its replica was promoted: back before, it would be
       // an empty master of its slots again. Until it is back the promoted master has no replica,
       // so with replica acks every write to its slots waits (and is retried).
       .after =
           [&](int) {
             const auto killed = std::chrono::steady_clock::now();
             ASSERT_TRUE(testing::Eventually([&] { return RedisCluster::IsMaster(replica); },
                                             std::chrono::seconds(30),
                                             std::chrono::milliseconds(20)))
                 << replica << " was never promoted";
             Say(fmt::format("{} promoted to master {} ms after the kill", replica,
                             std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::steady_clock::now() - killed)
                                 .count()));
             ASSERT_TRUE(cluster_->Restart(victim).ok());
             ASSERT_TRUE(cluster_->WaitUntilHealthy(std::chrono::seconds(30)).ok());
             Say(victim + " restarted: now a replica of " + replica);
           },
       .say = Say});
  CheckNight(report);
  EXPECT_TRUE(RedisCluster::IsMaster(replica));
  EXPECT_FALSE(RedisCluster::IsMaster(victim));
  // The killed master's own keys were written before the kill and after it (by then on its
  // promoted replica): the kill landed while aggregation was applying there.
  const int64_t at_end = Position(**client, 0);
  Say(fmt::format("partition 0 applied up to offset {} at the kill, {} at the end", at_kill,
                  at_end));
  EXPECT_GT(at_kill, 0);
  EXPECT_GT(at_end, at_kill);
}

}  // namespace
}  // namespace hattama
