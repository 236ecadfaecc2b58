// SIGTERM to ingestion in the middle of a hub's stream, through the whole stack: every submission
// the hub saw acknowledged is in the published totals, and every one it did not is safe to
// resend elsewhere. Checked by resending only the unacknowledged ones and comparing every total
// with the simulator's ground truth: an acknowledged submission that was lost would show.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <csignal>
#include <future>
#include <set>

#include "hattama/v1/ingestion.grpc.pb.h"
#include "tests/testing/eventually.h"
#include "tools/hub/client/client.h"
#include "tools/hub/simulator/plan.h"
#include "tools/hub/simulator/synthetic.h"
#include "tools/hub/simulator/verify.h"
#include "tools/stack/stack.h"

namespace hattama {
namespace {

using namespace std::chrono_literals;

TEST(IngestionDrain, SigtermMidStreamLosesNothingAcknowledgedAndTheRestIsSafeToResend) {
  stack::TempDir dir("hattama-drain");
  auto registry = hub::GenerateRegistryFiles({.stations = 300, .seed = 11}, dir.path());
  ASSERT_TRUE(registry.ok());
  auto plan = hub::DrawPlan(**registry, {.seed = 11, .hubs = 1});
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  // Few in flight, so that the stream is still going when the signal comes.
  auto stack = stack::Stack::Start(
      {.registry_dir = dir.path(), .partitions = 4, .ingestion_flags = {"--max-in-flight", "10"}});
  ASSERT_TRUE(stack.ok()) << stack.status().message();

  // One hub stream with everything; SIGTERM once a share is acknowledged.
  auto stub = v1::IngestionService::NewStub(
      grpc::CreateChannel((*stack)->ingestion_address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + 120s);
  auto stream = stub->StreamSubmissions(&context);
  std::atomic<int> answered{0};
  auto reader = std::async(std::launch::async, [&] {
    std::set<std::string> acked;
    v1::SubmissionAck ack;
    while (stream->Read(&ack)) {
      acked.insert(ack.submission_id());
      ++answered;
    }
    return acked;
  });
  auto writer = std::async(std::launch::async, [&] {
    for (const auto& planned : plan->submissions) {
      v1::StreamSubmissionsRequest request;
      *request.mutable_submission() = planned.submission;
      if (!stream->Write(request)) return;
    }
    stream->WritesDone();
  });
  ASSERT_TRUE(testing::Eventually([&] { return answered >= 150; }, 60s, 1ms))
      << answered.load() << " of 150 answered";
  (*stack)->ingestion().Signal(SIGTERM);
  const std::set<std::string> acked = reader.get();
  writer.get();
  const grpc::Status status = stream->Finish();
  auto exit_code = (*stack)->ingestion().Wait(30s);
  ASSERT_TRUE(exit_code.ok()) << "ingestion did not exit after SIGTERM";
  EXPECT_EQ(*exit_code, 0);
  ASSERT_LT(acked.size(), plan->submissions.size()) << "SIGTERM came after the whole stream";
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();

  // Another ingestion instance takes the rest: only what the hub did not see acknowledged.
  const int port = stack::FreePort();
  auto other = stack::Process::Start(
      {.argv = {stack::BinaryPath("hattama-ingestion"), "--election", dir.path() + "/election.json",
                "--stations", dir.path() + "/stations.csv", "--kafka-bootstrap",
                (*stack)->kafka().bootstrap(), "--redis-address", (*stack)->redis().address(),
                "--listen", "127.0.0.1:" + std::to_string(port), "--allow-unauthenticated",
                "--log-format", "json"},
       .log_path = (*stack)->log_dir() + "/ingestion-2.log"});
  ASSERT_TRUE(other.ok()) << other.status().message();
  ASSERT_TRUE(stack::WaitUntilListening(**other, port, 30s).ok());
  std::vector<hub::PlannedSubmission> rest;
  for (const auto& planned : plan->submissions) {
    if (!acked.contains(planned.submission.submission_id())) rest.push_back(planned);
  }
  auto resent =
      hub::StreamSubmissions(rest, {.ingestion_address = "127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(resent.ok()) << resent.status().message();
  for (const auto& ack : resent->acks) EXPECT_TRUE(ack.answered);

  auto verify = hub::VerifyPublication(
      **registry, plan->truth,
      {.publication_address = (*stack)->publication_address(), .timeout = 60s});
  EXPECT_TRUE(verify.reporting_complete);
  EXPECT_EQ(verify.mismatch_count, 0) << (verify.mismatches.empty() ? "" : verify.mismatches[0]);
}

}  // namespace
}  // namespace hattama
