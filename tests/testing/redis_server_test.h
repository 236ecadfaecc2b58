// A test fixture with a redis-server of its own: started on a free port in SetUp, with a
// connection to it, and stopped (its directory removed) when the test ends. Header-only; link
// hattama_testing_redis and hattama_stack. Used by one test thread.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "common/redis/redis.h"
#include "tests/testing/redis_state.h"
#include "tools/stack/stack.h"

namespace hattama::testing {

class RedisServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = stack::RedisServer::Start();
    ASSERT_TRUE(server.ok()) << server.status().message();
    server_ = std::move(server).value();
    redis_ = Connect(server_->address());
    ASSERT_NE(redis_, nullptr);
  }

  std::unique_ptr<stack::RedisServer> server_;
  std::unique_ptr<redis::Connection> redis_;
};

}  // namespace hattama::testing
