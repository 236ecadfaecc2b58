// The hattama-publication binary: flags, the standard health service, and a clean exit on
// SIGTERM.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <future>
#include <map>

#include "hattama/v1/publication.grpc.pb.h"
#include "tests/testing/election.h"
#include "tests/testing/eventually.h"
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

// Every port on a free one, so that tests running side by side never collide.
std::vector<std::string> PortFlags(const std::string& listen) {
  return {"--listen",         listen,
          "--http-listen",    "127.0.0.1:" + std::to_string(stack::FreePort()),
          "--metrics-listen", "127.0.0.1:" + std::to_string(stack::FreePort())};
}

// The services a server lists through gRPC server reflection (grpc.reflection.v1alpha), as
// grpcurl asks for them: one ServerReflectionRequest with list_services (field 7) = "". The
// answer's bytes carry the service names.
Result<std::string> ListServicesByReflection(const std::shared_ptr<grpc::Channel>& channel) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + 5s);
  grpc::CompletionQueue queue;
  auto call = stub.PrepareCall(
      &context, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &queue);
  auto step = [&queue](void* tag) {
    void* got = nullptr;
    bool ok = false;
    return queue.Next(&got, &ok) && ok && got == tag;
  };
  int tags[5];
  call->StartCall(&tags[0]);
  if (!step(&tags[0])) return Status::Error("the reflection call did not start");
  grpc::Slice request{std::string("\x3a\x00", 2)};
  grpc::ByteBuffer request_buffer(&request, 1);
  call->Write(request_buffer, &tags[1]);
  if (!step(&tags[1])) return Status::Error("cannot send the reflection request");
  grpc::ByteBuffer response;
  call->Read(&response, &tags[2]);
  if (!step(&tags[2])) return Status::Error("no reflection answer");
  call->WritesDone(&tags[3]);
  step(&tags[3]);
  grpc::Status status;
  call->Finish(&status, &tags[4]);
  step(&tags[4]);
  std::vector<grpc::Slice> slices;
  if (!response.Dump(&slices).ok()) return Status::Error("unreadable reflection answer");
  std::string bytes;
  for (const auto& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes;
}

// hattama-publication run against a redis-server of its own, every port a free one, its registry
// written to a temporary directory.
class PublicationMain : public ::testing::Test {
 protected:
  // Starts the binary with the election file, Redis and the ports as flags, and `args` and `env`
  // besides (the station registry is given in one or the other); waits until gRPC answers.
  void Start(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
    ASSERT_TRUE(testing::WriteRegistryFiles(dir_.path()).ok());
    auto redis = stack::RedisServer::Start();
    ASSERT_TRUE(redis.ok()) << redis.status().message();
    redis_ = std::move(redis).value();
    const std::string listen = "127.0.0.1:" + std::to_string(stack::FreePort());
    std::vector<std::string> argv = {stack::BinaryPath("hattama-publication"), "--election",
                                     dir_.path() + "/election.json", "--redis-address",
                                     redis_->address()};
    for (auto& flag : PortFlags(listen)) argv.push_back(flag);
    argv.insert(argv.end(), args.begin(), args.end());
    auto process = stack::Process::Start(
        {.argv = argv, .env = std::move(env), .log_path = dir_.path() + "/publication.log"});
    ASSERT_TRUE(process.ok()) << process.status().message();
    process_ = std::move(process).value();
    channel_ = grpc::CreateChannel(listen, grpc::InsecureChannelCredentials());
    ASSERT_TRUE(channel_->WaitForConnected(std::chrono::system_clock::now() + 30s));
  }

  stack::TempDir dir_{"hattama-publication-test"};
  std::unique_ptr<stack::RedisServer> redis_;
  std::unique_ptr<stack::Process> process_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(PublicationMain, ServesTheElectionAndHealthThenStopsCleanlyOnSigterm) {
  ASSERT_NO_FATAL_FAILURE(
      Start({"--log-format", "json"}, {{"HATTAMA_STATIONS", dir_.path() + "/stations.csv"}}));

  auto health = HealthCheck(channel_);
  grpc::ClientContext context;
  v1::Election election;
  auto status = v1::PublicationService::NewStub(channel_)->GetElection(
      &context, v1::GetElectionRequest(), &election);

  ASSERT_TRUE(health.ok()) << health.status().message();
  EXPECT_EQ(*health, std::string("\x08\x01", 2));
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(election.election_id(), "test-2021");
  EXPECT_EQ(process_->Stop(10s), 0);
}

TEST_F(PublicationMain, ListsItsServicesThroughServerReflection) {
  ASSERT_NO_FATAL_FAILURE(Start({"--stations", dir_.path() + "/stations.csv"}));

  auto services = ListServicesByReflection(channel_);

  ASSERT_TRUE(services.ok()) << services.status().message();
  for (const char* name : {"hattama.v1.PublicationService", "hattama.v1.DeploymentService",
                           "hattama.v1.AnalysisService", "grpc.health.v1.Health"}) {
    EXPECT_NE(services->find(name), std::string::npos) << name << " is not listed";
  }
}

TEST_F(PublicationMain, SamplesTheNightsProgressEveryProgressInterval) {
  ASSERT_NO_FATAL_FAILURE(
      Start({"--stations", dir_.path() + "/stations.csv", "--progress-interval", "0.2"}));

  // Nothing is counted: the first point, from the start, is the only one.
  v1::NightProgress progress;
  ASSERT_TRUE(testing::Eventually([&] {
    grpc::ClientContext context;
    v1::GetNightProgressRequest request;
    request.set_contest_id("mazhilis");
    return v1::PublicationService::NewStub(channel_)
               ->GetNightProgress(&context, request, &progress)
               .ok() &&
           progress.points_size() > 0;
  }));
  ASSERT_EQ(progress.points_size(), 1);
  EXPECT_EQ(progress.points(0).stations_reporting(), 0);
  EXPECT_EQ(progress.points(0).stations_total(), 6);
  EXPECT_EQ(progress.points(0).pvt().options_size(), 3);
}

TEST_F(PublicationMain, RefusesToStartWithoutARegistry) {
  auto process = stack::Process::Start(
      {.argv = {stack::BinaryPath("hattama-publication"), "--election", "/nonexistent.json",
                "--stations", "/nonexistent.csv", "--listen",
                "127.0.0.1:" + std::to_string(stack::FreePort()), "--http-listen",
                "127.0.0.1:" + std::to_string(stack::FreePort())}});
  ASSERT_TRUE(process.ok()) << process.status().message();

  auto code = (*process)->Wait(10s);

  ASSERT_TRUE(code.ok()) << code.status().message();
  EXPECT_EQ(*code, 1);
}

}  // namespace
}  // namespace hattama::publication
