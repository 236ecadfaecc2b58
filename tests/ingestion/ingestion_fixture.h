// What the ingestion suites that run against real parts share: one embedded Kafka
// (hattama-devkafka) and one redis-server for the whole suite, started once, and ingestion
// instances each test starts on free ports (instances of one test share the Redis of the id claims,
// as replicas do).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <string>
#include <utility>

#include "services/ingestion/ingestion_server.h"
#include "tests/testing/election.h"
#include "tools/stack/stack.h"

namespace hattama::ingestion {

// Partitions of every topic of the suite's Kafka.
inline constexpr int kSuitePartitions = 4;

// `name` made unique to this call and process, so that tests sharing one Kafka (and one Redis)
// never read each other's records or claim each other's ids.
inline std::string Unique(const std::string& name) {
  static std::atomic<int> counter{0};
  return name + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

class IngestionSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto kafka = stack::DevKafka::Start(kSuitePartitions);
    ASSERT_TRUE(kafka.ok()) << kafka.status().message();
    kafka_ = std::move(kafka).value();
    auto redis = stack::RedisServer::Start();
    ASSERT_TRUE(redis.ok()) << redis.status().message();
    redis_ = std::move(redis).value();
  }
  static void TearDownTestSuite() {
    kafka_.reset();
    redis_.reset();
  }

  void SetUp() override {
    ASSERT_NE(kafka_, nullptr);
    ASSERT_NE(redis_, nullptr);
  }

  // An ingestion instance of the two-region test election on the suite's Kafka and Redis,
  // listening on a free loopback port; nullptr (with a test failure) when it cannot start.
  static std::unique_ptr<IngestionServer> StartServer(ServiceOptions options = {},
                                                      ServerConfig config = {}) {
    config.kafka_bootstrap = bootstrap();
    config.redis.address = redis_->address();
    config.listen = "127.0.0.1:0";
    config.service = std::move(options);
    auto server = IngestionServer::Start(testing::TinyRegistry(), config);
    EXPECT_TRUE(server.ok()) << server.status().message();
    return server.ok() ? std::move(server).value() : nullptr;
  }

  static const std::string& bootstrap() { return kafka_->bootstrap(); }

  static inline std::unique_ptr<stack::DevKafka> kafka_;
  static inline std::unique_ptr<stack::RedisServer> redis_;
};

}  // namespace hattama::ingestion
