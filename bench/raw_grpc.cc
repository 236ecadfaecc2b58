#include "bench/raw_grpc.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "bench/echo.grpc.pb.h"
#include "bench/hammer.h"
#include "bench/load.h"
#include "common/base/stop_signals.h"
#include "tools/stack/process.h"

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

// Both on gRPC's callback API, in a process of its own: the stream as ingestion's
// StreamSubmissions, the unary call as publication's GetAreaTotals. (In the bench's own process,
// beside its clients, the callback unary echo answered fewer calls than the synchronous one; in
// a process of its own, 16,486-17,495 a second against the synchronous 9,230-10,465, and above
// publication's GetAreaTotals, which the synchronous one was not.)
class EchoService final : public echo::v1::EchoService::CallbackService {
  grpc::ServerBidiReactor<v1::StreamSubmissionsRequest, v1::SubmissionAck>* Echo(
      grpc::CallbackServerContext*) override {
    return new StreamEchoReactor();  // deletes itself in OnDone, as gRPC's callback API expects
  }
  grpc::ServerUnaryReactor* Unary(grpc::CallbackServerContext* context,
                                  const v1::GetAreaTotalsRequest* request,
                                  v1::AreaTotals* reply) override {
    reply->set_contest_id(request->contest_id());
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

// The echo service in a process of its own (`hattama-bench echo-server`), as ingestion and
// publication are, on a free loopback port, for one benchmark; stopped when this goes away.
class EchoServer {
 public:
  static Result<std::unique_ptr<EchoServer>> Start() {
    auto process = stack::Process::Start(
        {.argv = {std::filesystem::canonical("/proc/self/exe").string(), "echo-server"},
         .capture_stdout = true});
    if (!process.ok()) return process.status();
    auto port = (*process)->ReadLine(std::chrono::seconds(20));
    if (!port.ok() || port->empty()) {
      return Status::Error("the echo server did not start: " +
                           (port.ok() ? std::string("no port") : port.status().message()));
    }
    return std::unique_ptr<EchoServer>(new EchoServer(std::move(process).value(), *port));
  }
  std::string address() const { return "127.0.0.1:" + port_; }

 private:
  EchoServer(std::unique_ptr<stack::Process> process, std::string port)
      : process_(std::move(process)), port_(std::move(port)) {}
  std::unique_ptr<stack::Process> process_;
  std::string port_;
};

}  // namespace

int ServeEcho() {
  const sigset_t signals = BlockStopSignals();  // Before gRPC starts its threads.
  EchoService service;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || port == 0) {
    std::cerr << "cannot start the echo server\n";
    return 1;
  }
  std::cout << port << "\n" << std::flush;
  WaitForSignal(signals);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  return 0;
}

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
