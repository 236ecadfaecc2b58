// The Redis flags every service declares through redis::AddClientFlags, parsed as a service parses
// them (config::Parse), from the command line and from the environment.
#include "common/redis/client_flags.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <string>
#include <vector>

#include "common/config/config.h"

namespace hattama::redis {
namespace {

// The options after parsing `args` (after the program name) with the three flags declared.
ClientOptions Parse(std::vector<std::string> args) {
  CLI::App app("test");
  ClientOptions options;
  AddClientFlags(app, options, "the test's keys");
  args.insert(args.begin(), "service");
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  EXPECT_EQ(config::Parse(app, static_cast<int>(argv.size()), argv.data()), std::nullopt);
  return options;
}

TEST(ClientFlags, WithoutFlagsTheServiceTalksToOneLocalServer) {
  const ClientOptions options = Parse({});
  EXPECT_FALSE(options.cluster());
  EXPECT_EQ(options.address, "127.0.0.1:6379");
  EXPECT_EQ(options.replica_acks, 0);
  EXPECT_TRUE(ValidateClientOptions(options).ok());
}

TEST(ClientFlags, ClusterSeedsAndReplicaAcksComeFromTheFlags) {
  const ClientOptions options =
      Parse({"--redis-cluster-seeds", "10.0.0.1:6379, 10.0.0.2:6379", "--redis-replica-acks", "1"});
  EXPECT_TRUE(options.cluster());
  EXPECT_EQ(options.cluster_seeds, (std::vector<std::string>{"10.0.0.1:6379", "10.0.0.2:6379"}));
  EXPECT_EQ(options.replica_acks, 1);
  EXPECT_TRUE(ValidateClientOptions(options).ok());
}

TEST(ClientFlags, ClusterSeedsAndReplicaAcksComeFromTheEnvironment) {
  setenv("HATTAMA_REDIS_CLUSTER_SEEDS", "redis-0:6379,redis-1:6379,redis-2:6379", 1);
  setenv("HATTAMA_REDIS_REPLICA_ACKS", "1", 1);
  const ClientOptions options = Parse({});
  unsetenv("HATTAMA_REDIS_CLUSTER_SEEDS");
  unsetenv("HATTAMA_REDIS_REPLICA_ACKS");
  EXPECT_EQ(options.cluster_seeds,
            (std::vector<std::string>{"redis-0:6379", "redis-1:6379", "redis-2:6379"}));
  EXPECT_EQ(options.replica_acks, 1);
}

TEST(ClientFlags, ReplicaAcksWithoutAClusterAreRefusedNamingBothFlags) {
  const Status valid = ValidateClientOptions(Parse({"--redis-replica-acks", "1"}));
  EXPECT_EQ(valid.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(valid.message().find("--redis-replica-acks"), std::string::npos) << valid.message();
  EXPECT_NE(valid.message().find("--redis-cluster-seeds"), std::string::npos) << valid.message();
}

}  // namespace
}  // namespace hattama::redis
