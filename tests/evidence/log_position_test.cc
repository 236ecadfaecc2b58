// Every published total states where in the transparency log it was computed (issue #13 item 4):
// a synthetic night through the whole stack with hattama-tlog, after which the national totals
// state the end of every partition of hattama.submissions.v1 and the size of a signed checkpoint
// that holds all of them, and GetLogCheckpoint (gRPC and HTTP) serves that checkpoint, the log's
// URL and its verifier key.
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <vector>

#include "common/kafka/topics.h"
#include "common/tlog/checkpoint.h"
#include "hattama/v1/publication.grpc.pb.h"
#include "tests/testing/eventually.h"
#include "tests/tlog/tlog_stack_fixture.h"
#include "tools/hub/simulator/verify.h"

namespace hattama {
namespace {

using namespace std::chrono_literals;

std::vector<int64_t> PartitionEnds(const v1::LogPosition& position) {
  return {position.partition_ends().begin(), position.partition_ends().end()};
}

// The transparency log's whole-stack fixture (four partitions, a night with confirmations,
// disputes, revisions, resends and official results), with a client of publication.
class LogPositionNight : public transparency::testing::TlogStack {
 protected:
  void SetUp() override {
    StartStack(300);
    if (HasFatalFailure()) return;
    stub_ = v1::PublicationService::NewStub(
        grpc::CreateChannel(stack_->publication_address(), grpc::InsecureChannelCredentials()));
  }

  // The end of every partition of the submissions topic now, one entry a partition.
  std::vector<int64_t> LogEnds() {
    std::vector<int64_t> ends;
    for (const auto& [partition, end] : Ends(kafka::kSubmissionsTopic)) {
      EXPECT_EQ(static_cast<size_t>(partition), ends.size());
      ends.push_back(end);
    }
    return ends;
  }

  grpc::Status NationalTotals(bool official, v1::AreaTotals& totals) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 10s);
    if (official) {
      v1::GetOfficialTotalsRequest request;
      request.set_area_id(hub::kNationId);
      request.set_contest_id(hub::kMazhilis);
      return stub_->GetOfficialTotals(&context, request, &totals);
    }
    v1::GetAreaTotalsRequest request;
    request.set_area_id(hub::kNationId);
    request.set_contest_id(hub::kMazhilis);
    return stub_->GetAreaTotals(&context, request, &totals);
  }

  std::unique_ptr<v1::PublicationService::Stub> stub_;
};

TEST_F(LogPositionNight, TotalsStateTheEndOfEveryPartitionAndASignedTreeHoldingThem) {
  auto report =
      hub::StreamSubmissions(plan_.submissions, {.ingestion_address = stack_->ingestion_address()});
  ASSERT_TRUE(report.ok()) << report.status().message();
  auto verified = hub::VerifyPublication(
      *registry_, plan_.truth,
      {.publication_address = stack_->publication_address(), .timeout = std::chrono::seconds(60)});
  ASSERT_TRUE(verified.reporting_complete);
  ASSERT_EQ(verified.mismatch_count, 0);
  const std::vector<int64_t> ends = LogEnds();
  ASSERT_EQ(ends.size(), 4u);
  int64_t records = 0;
  for (int64_t end : ends) records += end;

  // Aggregation has applied every record of the night, and the log has signed a tree of them all
  // (every record is one leaf): the smallest checkpoint that holds the totals is that tree.
  v1::AreaTotals totals;
  ASSERT_TRUE(testing::Eventually(
      [&] {
        return NationalTotals(false, totals).ok() && PartitionEnds(totals.log_position()) == ends &&
               totals.log_position().tree_size() == records;
      },
      60s, 100ms))
      << "partition ends " << totals.log_position().ShortDebugString() << ", log ends "
      << ::testing::PrintToString(ends) << ", " << records << " records";
  v1::AreaTotals official;
  ASSERT_TRUE(NationalTotals(true, official).ok());
  EXPECT_GT(official.stations_reporting(), 0);
  EXPECT_EQ(PartitionEnds(official.log_position()), ends);
  EXPECT_EQ(official.log_position().tree_size(), records);

  // GetLogCheckpoint: the log's checkpoint of that size, signed by the log's key, whose partition
  // ends are the topic's, with the log's URL and key.
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + 10s);
  v1::LogCheckpoint answer;
  ASSERT_TRUE(stub_->GetLogCheckpoint(&context, v1::GetLogCheckpointRequest(), &answer).ok());
  const v1::SignedCheckpoint& checkpoint = answer.checkpoint();
  EXPECT_EQ(checkpoint.tree_size(), records);
  EXPECT_EQ(
      std::vector<int64_t>(checkpoint.partition_ends().begin(), checkpoint.partition_ends().end()),
      ends);
  auto log_key = tlog::NoteVerifier::FromVerifierKey(stack_->tlog_verifier_key());
  ASSERT_TRUE(log_key.ok()) << log_key.status().message();
  auto opened = tlog::OpenCheckpoint(checkpoint.signed_note(), log_key->name(), *log_key);
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  EXPECT_EQ(opened->size, records);
  EXPECT_EQ(answer.log_url(), "http://" + stack_->tlog_http_address());
  EXPECT_EQ(answer.verifier_key(), stack_->tlog_verifier_key());

  // The same over HTTP, in the JSON mapping of every other method.
  httplib::Client http("http://" + stack_->publication_http_address());
  auto response = http.Get("/v1/GetLogCheckpoint");
  ASSERT_TRUE(response) << "no HTTP answer";
  ASSERT_EQ(response->status, 200) << response->body;
  v1::LogCheckpoint from_http;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(response->body, &from_http).ok());
  EXPECT_EQ(from_http.checkpoint().signed_note(), checkpoint.signed_note());
  EXPECT_EQ(from_http.log_url(), answer.log_url());
  EXPECT_EQ(from_http.verifier_key(), answer.verifier_key());
}

}  // namespace
}  // namespace hattama
