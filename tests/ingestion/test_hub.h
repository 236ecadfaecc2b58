// A hub as the ingestion suites play it against a real ingestion over gRPC on loopback: its
// channel and token, streams written whole and then read to their end, and the test election's
// clean protocol from hub-almaty. One copy for ingestion_test.cc and stream_limits_test.cc.
#pragma once

#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "hattama/v1/ingestion.grpc.pb.h"
#include "services/ingestion/acking_stream.h"
#include "tests/testing/election.h"
#include "tests/testing/stream_exchange.h"

namespace hattama::ingestion {

// hub-almaty's token in the suites' hub registries.
inline constexpr char kAlmatyToken[] = "almaty-token";

// The test election's clean protocol, from hub-almaty (the hub of kz-a in the suites' registries).
inline v1::Submission CleanSubmission(const std::string& id, const std::string& station = "S1") {
  v1::Submission submission = testing::CleanSubmission(id, station);
  submission.set_hub_id("hub-almaty");
  return submission;
}

inline v1::StreamSubmissionsRequest SubmissionRequest(const v1::Submission& submission) {
  v1::StreamSubmissionsRequest request;
  *request.mutable_submission() = submission;
  return request;
}

// `submission` as one line of a hub's JSON Lines file.
inline std::string JsonLine(const v1::Submission& submission) {
  std::string json;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(submission, &json).ok());
  return json + "\n";
}

struct StreamResult {
  std::vector<v1::SubmissionAck> acks;
  grpc::Status status;
  std::string unreadable;  // The trailing kUnreadableMessageHeader, if any.
};

class Hub {
 public:
  struct Channel {
    std::string token;  // Sent as "authorization: Bearer <token>" unless empty.
    std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
    std::string host = "127.0.0.1";
    // The hub's HTTP/2 receive window stays small, so that answers it does not read are not taken
    // off ingestion's hands by its transport.
    bool small_window = false;
  };

  explicit Hub(int port, std::string token = "") : Hub(port, Channel{.token = std::move(token)}) {}
  Hub(int port, Channel channel) : token_(std::move(channel.token)) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    if (channel.small_window) {
      args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
      args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 1);
    }
    stub_ = v1::IngestionService::NewStub(grpc::CreateCustomChannel(
        channel.host + ":" + std::to_string(port), std::move(channel.credentials), args));
  }

  // A minute's deadline and the hub's token.
  void Prepare(grpc::ClientContext& context) const {
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    if (!token_.empty()) context.AddMetadata("authorization", "Bearer " + token_);
  }

  // Writes every submission on one stream, half-closes, and reads every answer until the end.
  StreamResult Send(const std::vector<v1::Submission>& submissions) {
    grpc::ClientContext context;
    Prepare(context);
    auto stream = stub_->StreamSubmissions(&context);
    StreamResult result;
    std::tie(result.acks, result.status) = hattama::testing::WriteAllThenReadAll<v1::SubmissionAck>(
        *stream, submissions, SubmissionRequest);
    const auto& trailers = context.GetServerTrailingMetadata();
    if (auto it = trailers.find(kUnreadableMessageHeader); it != trailers.end()) {
      result.unreadable.assign(it->second.data(), it->second.size());
    }
    return result;
  }

  v1::SubmissionAck SendOne(const v1::Submission& submission) {
    StreamResult result = Send({submission});
    EXPECT_TRUE(result.status.ok()) << result.status.error_message();
    EXPECT_EQ(result.acks.size(), 1u);
    return result.acks.empty() ? v1::SubmissionAck() : result.acks.front();
  }

  // The deployment-event method, the same way as Send.
  std::pair<std::vector<v1::DeploymentEventAck>, grpc::Status> SendEvents(
      const std::vector<v1::DeploymentEvent>& events) {
    grpc::ClientContext context;
    Prepare(context);
    auto stream = stub_->StreamDeploymentEvents(&context);
    return hattama::testing::WriteAllThenReadAll<v1::DeploymentEventAck>(
        *stream, events, [](const v1::DeploymentEvent& event) {
          v1::StreamDeploymentEventsRequest request;
          *request.mutable_event() = event;
          return request;
        });
  }

  v1::IngestionService::Stub& stub() { return *stub_; }

 private:
  std::string token_;
  std::unique_ptr<v1::IngestionService::Stub> stub_;
};

}  // namespace hattama::ingestion
