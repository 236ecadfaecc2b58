// The Client a service is given for one Redis server (ConnectClient without cluster seeds), against
// a real redis-server; the cluster kind is held by redis_cluster_test and the services' cluster
// tests.
#include "common/redis/client.h"

#include <gtest/gtest.h>

#include "tests/testing/redis_server_test.h"

namespace hattama::redis {
namespace {

TEST(SplitSeedsTest, SplitsOnCommasAndTrimsSpaces) {
  EXPECT_EQ(SplitSeeds("a:1,b:2"), (std::vector<std::string>{"a:1", "b:2"}));
  EXPECT_EQ(SplitSeeds(" a:1 , b:2 ,"), (std::vector<std::string>{"a:1", "b:2"}));
  EXPECT_TRUE(SplitSeeds("").empty());
}

class ServerClientTest : public testing::RedisServerTest {
 protected:
  std::unique_ptr<Client> ConnectToServer() {
    ClientOptions options;
    options.address = server_->address();
    auto client = ConnectClient(options);
    EXPECT_TRUE(client.ok()) << client.status().message();
    return client.ok() ? std::move(client).value() : nullptr;
  }
};

TEST_F(ServerClientTest, RunsCommandsAndPipelinesOnTheServer) {
  auto client = ConnectToServer();
  ASSERT_NE(client, nullptr);
  EXPECT_EQ(client->Describe(), "redis " + server_->address());
  auto set = client->Run({"SET", "k", "v"});
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set->str, "OK");
  auto replies = client->Pipeline({{"INCR", "n"}, {"INCR", "n"}, {"GET", "k"}});
  ASSERT_TRUE(replies.ok());
  ASSERT_EQ(replies->size(), 3u);
  EXPECT_EQ((*replies)[1].integer, 2);
  EXPECT_EQ((*replies)[2].str, "v");
}

// Commands are sent a chunk at a time as they are queued (redis.cc): a pipeline many chunks long,
// with values longer than a chunk, binary bytes and empty arguments, arrives whole and in order.
TEST_F(ServerClientTest, APipelineOfManyChunksWithValuesLongerThanAChunkArrivesWhole) {
  auto client = ConnectToServer();
  ASSERT_NE(client, nullptr);
  std::string big(3 * 1024 * 1024 + 7, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 131 % 256);
  std::vector<Command> commands = {{"SET", "big", big}, {"SET", "empty", ""}};
  constexpr int kIncrements = 200000;  // About 5 MB of commands.
  for (int i = 0; i < kIncrements; ++i) commands.push_back({"INCRBY", "n", std::to_string(i % 7)});
  commands.push_back({"GET", "big"});
  commands.push_back({"GET", "empty"});
  auto replies = client->Pipeline(commands);
  ASSERT_TRUE(replies.ok()) << replies.status().message();
  ASSERT_EQ(replies->size(), commands.size());
  int64_t expected = 0;
  for (int i = 0; i < kIncrements; ++i) {
    expected += i % 7;
    ASSERT_EQ((*replies)[2 + i].integer, expected) << "reply " << 2 + i;
  }
  EXPECT_TRUE((*replies)[kIncrements + 2].str == big) << "the big value came back changed";
  EXPECT_EQ((*replies)[kIncrements + 3].type, Reply::Type::kString);
  EXPECT_EQ((*replies)[kIncrements + 3].str, "");
  // The connection is still in step: the next command gets its own reply.
  auto after = client->Run({"GET", "n"});
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->str, std::to_string(expected));
}

TEST_F(ServerClientTest, RunsAScriptTheServerHasNotLoaded) {
  auto client = ConnectToServer();
  ASSERT_NE(client, nullptr);
  Script script("return redis.call('INCRBY', KEYS[1], ARGV[1])");
  ASSERT_TRUE(redis_->Run({"SCRIPT", "FLUSH"}).ok());
  auto replies = client->RunScript(script, {script.Call({"n"}, {"5"}), script.Call({"n"}, {"2"})});
  ASSERT_TRUE(replies.ok()) << replies.status().message();
  ASSERT_EQ(replies->size(), 2u);
  EXPECT_EQ((*replies)[0].integer, 5);
  EXPECT_EQ((*replies)[1].integer, 7);
  ASSERT_TRUE(client->LoadScript(script).ok());
  auto exists = redis_->Run({"SCRIPT", "EXISTS", script.sha()});
  ASSERT_TRUE(exists.ok());
  ASSERT_EQ(exists->elements.size(), 1u);
  EXPECT_EQ(exists->elements[0].integer, 1);
}

// One guard: its key, what it must hold, its commands.
std::vector<Client::Guard> One(const std::string& key, const std::string& expected,
                               std::vector<Command> commands) {
  std::vector<Client::Guard> guards;
  guards.push_back({key, expected, std::move(commands)});
  return guards;
}

TEST_F(ServerClientTest, AGuardedTransactionRunsOnlyWhileItsKeyHoldsWhatWasExpected) {
  auto client = ConnectToServer();
  ASSERT_NE(client, nullptr);
  // Absent reads as "0".
  auto first = client->RunGuarded(One("pos", "0", {{"SET", "a", "1"}, {"SET", "pos", "5"}}));
  ASSERT_TRUE(first.ok()) << first.status().message();
  ASSERT_EQ(first->size(), 1u);
  EXPECT_TRUE((*first)[0].applied);
  ASSERT_EQ((*first)[0].replies.size(), 2u);
  EXPECT_EQ((*first)[0].replies[1].str, "OK");

  // Another writer moved the key: nothing runs, and what it holds is said.
  auto stale = client->RunGuarded(One("pos", "0", {{"SET", "a", "2"}, {"SET", "pos", "6"}}));
  ASSERT_TRUE(stale.ok());
  EXPECT_FALSE((*stale)[0].applied);
  EXPECT_EQ((*stale)[0].found, "5");
  EXPECT_EQ(redis_->Run({"GET", "a"})->str, "1");

  auto next = client->RunGuarded(One("pos", "5", {{"INCR", "a"}, {"SET", "pos", "6"}}));
  ASSERT_TRUE(next.ok());
  EXPECT_TRUE((*next)[0].applied);
  EXPECT_EQ((*next)[0].replies[0].integer, 2);
  // The connection is left without a WATCH: a plain transaction after it runs.
  auto after = client->Pipeline({{"MULTI"}, {"SET", "pos", "9"}, {"EXEC"}});
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->back().elements.size(), 1u);

  // A command Redis cannot queue aborts the whole transaction: an error, nothing written.
  auto refused = client->RunGuarded(One("pos", "9", {{"SET", "a"}, {"SET", "pos", "10"}}));
  EXPECT_FALSE(refused.ok());
  EXPECT_EQ(redis_->Run({"GET", "pos"})->str, "9");
}

TEST_F(ServerClientTest, GuardsThatHoldRunTogetherAndTheOthersSayWhatTheyFound) {
  auto client = ConnectToServer();
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(redis_->Run({"SET", "p2", "4"}).ok());
  std::vector<Client::Guard> guards;
  guards.push_back({"p1", "0", {{"SET", "x1", "a"}, {"SET", "p1", "3"}}});
  guards.push_back({"p2", "0", {{"SET", "x2", "b"}, {"SET", "p2", "3"}}});  // p2 holds 4.
  guards.push_back({"p3", "0", {{"RPUSH", "x3", "c"}, {"SET", "p3", "1"}}});

  auto outcomes = client->RunGuarded(std::move(guards));

  ASSERT_TRUE(outcomes.ok()) << outcomes.status().message();
  ASSERT_EQ(outcomes->size(), 3u);
  EXPECT_TRUE((*outcomes)[0].applied);
  EXPECT_FALSE((*outcomes)[1].applied);
  EXPECT_EQ((*outcomes)[1].found, "4");
  EXPECT_TRUE((*outcomes)[2].applied);
  ASSERT_EQ((*outcomes)[2].replies.size(), 2u);
  EXPECT_EQ((*outcomes)[2].replies[0].integer, 1);  // RPUSH's length: each guard its own replies.
  EXPECT_EQ(redis_->Run({"GET", "x1"})->str, "a");
  EXPECT_EQ(redis_->Run({"EXISTS", "x2"})->integer, 0);
  EXPECT_EQ(redis_->Run({"GET", "p3"})->str, "1");
}

TEST(ConnectClientTest, RefusesReplicaAcknowledgementsOfOneServer) {
  ClientOptions options;
  options.replica_acks = 1;
  auto client = ConnectClient(options);
  ASSERT_FALSE(client.ok());
  EXPECT_NE(client.status().message().find("--redis-cluster-seeds"), std::string::npos);
}

TEST(ConnectClientTest, NamesTheServerItCannotReach) {
  ClientOptions options;
  options.address = "127.0.0.1:1";
  options.timeout = std::chrono::milliseconds(500);
  auto client = ConnectClient(options);
  ASSERT_FALSE(client.ok());
  EXPECT_NE(client.status().message().find("127.0.0.1:1"), std::string::npos)
      << client.status().message();
}

}  // namespace
}  // namespace hattama::redis
