// The hattama-publication binary: flags, the standard health service, and a clean exit on
// SIGTERM.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <future>

#include "hattama/v1/publication.grpc.pb.h"
#include "tests/aggregation/fixture.h"
#include "tools/stack/stack.h"

namespace hattama::publication {
namespace {

using namespace std::chrono_literals;

// grpc.health.v1.Health/Check with an empty HealthCheckRequest (the whole server), through the
// generic stub: the health proto is not part of our contract. The answer's bytes: field 1
// (status) = 1 (SERVING) encodes as 0x08 0x01.
Result<std::string> HealthCheck(const std::shared_ptr<grpc::Channel>& channel) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + 5s);
  grpc::Slice empty{std::string()};
  grpc::ByteBuffer request(&empty, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request, &response,
                 [&](grpc::Status status) { done.set_value(status); });
  grpc::Status status = done.get_future().get();
  if (!status.ok()) return Status::Error(status.error_message());
  std::vector<grpc::Slice> slices;
  if (!response.Dump(&slices).ok()) return Status::Error("unreadable health answer");
  std::string bytes;
  for (const auto& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes;
}

TEST(PublicationMain, ServesTheElectionAndHealthThenStopsCleanlyOnSigterm) {
  stack::TempDir dir("hattama-publication-test");
  testing::WriteRegistryFiles(dir.path());
  auto redis = stack::RedisServer::Start();
  ASSERT_TRUE(redis.ok()) << redis.status().message();
  std::string listen = "127.0.0.1:" + std::to_string(stack::FreePort());
  auto process = stack::Process::Start(
      {.argv = {stack::BinaryPath("hattama-publication"), "--election",
                dir.path() + "/election.json", "--redis-address", (*redis)->address(), "--listen",
                listen, "--log-format", "json"},
       .env = {{"HATTAMA_STATIONS", dir.path() + "/stations.csv"}},
       .log_path = dir.path() + "/publication.log"});
  ASSERT_TRUE(process.ok()) << process.status().message();
  auto channel = grpc::CreateChannel(listen, grpc::InsecureChannelCredentials());
  ASSERT_TRUE(channel->WaitForConnected(std::chrono::system_clock::now() + 30s));

  auto health = HealthCheck(channel);
  grpc::ClientContext context;
  v1::Election election;
  auto status = v1::PublicationService::NewStub(channel)->GetElection(
      &context, v1::GetElectionRequest(), &election);

  ASSERT_TRUE(health.ok()) << health.status().message();
  EXPECT_EQ(*health, std::string("\x08\x01", 2));
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(election.election_id(), "test-2021");
  EXPECT_EQ((*process)->Stop(10s), 0);
}

TEST(PublicationMain, RefusesToStartWithoutARegistry) {
  auto process = stack::Process::Start(
      {.argv = {stack::BinaryPath("hattama-publication"), "--election", "/nonexistent.json",
                "--stations", "/nonexistent.csv", "--listen",
                "127.0.0.1:" + std::to_string(stack::FreePort())}});
  ASSERT_TRUE(process.ok()) << process.status().message();

  auto code = (*process)->Wait(10s);

  ASSERT_TRUE(code.ok()) << code.status().message();
  EXPECT_EQ(*code, 1);
}

}  // namespace
}  // namespace hattama::publication
