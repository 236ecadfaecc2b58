#include "bench/raw_grpc.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "bench/echo.grpc.pb.h"
#include "bench/hammer.h"
#include "bench/load.h"

namespace hattama::bench {
namespace {

class StreamEchoReactor
    : public grpc::ServerBidiReactor<v1::StreamSubmissionsRequest, v1::SubmissionAck> {
 public:
  StreamEchoReactor() { StartRead(&request_); }
  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status::OK);
      return;
    }
    ack_.set_submission_id(request_.submission().submission_id());
    ack_.set_outcome(v1::OUTCOME_ACCEPTED);
    StartWrite(&ack_);
  }
  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status::CANCELLED);
      return;
    }
    StartRead(&request_);
  }
  void OnDone() override { delete this; }

 private:
  v1::StreamSubmissionsRequest request_;
  v1::SubmissionAck ack_;
};

// The stream on gRPC's callback API, as ingestion's StreamSubmissions; the unary call on the
// synchronous API: publication answers GetAreaTotals on the callback API, a process of its own,
// but this echo, whose server shares the bench's process with its clients, answered 10,200-11,700
// calls a second on the callback API against 17,100-21,100 on this one (4 threads, 2 cores).
class EchoService final
    : public echo::v1::EchoService::WithCallbackMethod_Echo<echo::v1::EchoService::Service> {
  grpc::ServerBidiReactor<v1::StreamSubmissionsRequest, v1::SubmissionAck>* Echo(
      grpc::CallbackServerContext*) override {
    return new StreamEchoReactor();  // deletes itself in OnDone, as gRPC's callback API expects
  }
  grpc::Status Unary(grpc::ServerContext*, const v1::GetAreaTotalsRequest* request,
                     v1::AreaTotals* reply) override {
    reply->set_contest_id(request->contest_id());
    return grpc::Status::OK;
  }
};

// The echo service on a free loopback port, for one benchmark.
class EchoServer {
 public:
  static Result<std::unique_ptr<EchoServer>> Start() {
    auto server = std::unique_ptr<EchoServer>(new EchoServer());
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &server->port_);
    builder.RegisterService(&server->service_);
    server->server_ = builder.BuildAndStart();
    if (!server->server_ || server->port_ == 0) {
      return Status::Error("cannot start the echo server");
    }
    return server;
  }
  ~EchoServer() { server_->Shutdown(); }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  EchoServer() = default;
  EchoService service_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace

Result<double> GrpcStreamEchoRate(std::span<const v1::Submission> submissions, int streams,
                                  int64_t window) {
  auto server = EchoServer::Start();
  if (!server.ok()) return server.status();
  auto stub = echo::v1::EchoService::NewStub(
      grpc::CreateChannel((*server)->address(), grpc::InsecureChannelCredentials()));
  LoadOptions options{.open = [&](grpc::ClientContext* context) { return stub->Echo(context); },
                      .streams = streams,
                      .window = window};
  auto result = RunLoad(submissions, options);
  if (!result.ok()) return result.status();
  return result->answered_per_second();
}

Result<double> GrpcUnaryEchoRate(int clients, std::chrono::milliseconds duration) {
  auto server = EchoServer::Start();
  if (!server.ok()) return server.status();
  std::vector<std::unique_ptr<echo::v1::EchoService::Stub>> stubs;
  for (int c = 0; c < clients; ++c) {
    // A channel per client: separate HTTP/2 connections, as the read benchmark's clients have.
    grpc::ChannelArguments arguments;
    arguments.SetInt("bench_client", c);
    stubs.push_back(echo::v1::EchoService::NewStub(grpc::CreateCustomChannel(
        (*server)->address(), grpc::InsecureChannelCredentials(), arguments)));
  }
  std::atomic<int64_t> errors{0};
  const double rate = Hammer(clients, duration, 1, errors, [&](int c, size_t) {
    v1::GetAreaTotalsRequest request;
    request.set_area_id("nation");
    request.set_contest_id("contest");
    v1::AreaTotals reply;
    grpc::ClientContext context;
    return stubs[static_cast<size_t>(c)]->Unary(&context, request, &reply).ok();
  });
  if (errors > 0) return Status::Error(std::to_string(errors.load()) + " unary echo calls failed");
  return rate;
}

}  // namespace hattama::bench
