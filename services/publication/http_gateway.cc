#include "services/publication/http_gateway.h"

#include <google/protobuf/dynamic_message.h>
#include <grpcpp/generic/generic_stub.h>
#include <httplib.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>

#include "common/base/json_string.h"
#include "common/base/status_grpc.h"
#include "common/http/guarded_server.h"
#include "common/http/serve_thread.h"
#include "hattama/v1/publication.grpc.pb.h"
#include "services/publication/http_request.h"
#include "services/publication/watch.h"

namespace hattama::publication {
namespace {

using google::protobuf::Message;
using Clock = std::chrono::steady_clock;

constexpr auto kCallDeadline = std::chrono::seconds(10);
// How long /v1/Watch waits for the gRPC stream to be accepted or refused.
constexpr auto kWatchStartTimeout = std::chrono::seconds(10);
constexpr auto kHeartbeat = std::chrono::seconds(15);
// How long an event stream waits for an event before it looks at the gateway stopping and at its
// client having gone again: a closed client's slot is free within about this long.
constexpr auto kEventWait = std::chrono::milliseconds(250);
// Bytes an export answer writes per call of its content provider.
constexpr size_t kExportChunk = 64 * 1024;

std::string ErrorJson(grpc::StatusCode code, const std::string& message) {
  return std::string(R"({"code":")") + CodeName(code) + R"(","message":")" + JsonEscape(message) +
         "\"}\n";
}

void SendError(httplib::Response& response, grpc::StatusCode code, const std::string& message) {
  response.status = HttpStatusOf(code);
  if (code == grpc::StatusCode::UNAVAILABLE || code == grpc::StatusCode::RESOURCE_EXHAUSTED) {
    response.set_header("Retry-After", "5");
  }
  response.set_content(ErrorJson(code, message), "application/json");
}

void SendError(httplib::Response& response, const Status& status) {
  const grpc::Status mapped = ToGrpc(status);
  SendError(response, mapped.error_code(), mapped.error_message());
}

// The Content-Length a request announces; 0 without one. One that is not a number counts as too
// large, so that it is refused rather than guessed at.
uint64_t ContentLength(const httplib::Request& request) {
  if (!request.has_header("Content-Length")) return 0;
  const std::string text = request.get_header_value("Content-Length");
  uint64_t length = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), length);
  if (error != std::errc() || end != text.data() + text.size()) return UINT64_MAX;
  return length;
}

// Calls `method` over `channel` with the serialized request; the serialized response or a status.
grpc::Status CallUnary(grpc::GenericStub& stub, const std::string& method, const Message& request,
                       std::string& response_bytes) {
  std::string request_bytes = request.SerializeAsString();
  grpc::Slice slice(request_bytes);
  grpc::ByteBuffer request_buffer(&slice, 1);
  grpc::ByteBuffer response_buffer;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kCallDeadline);
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, method, grpc::StubOptions(), &request_buffer, &response_buffer,
                 [&done](grpc::Status status) { done.set_value(std::move(status)); });
  grpc::Status status = done.get_future().get();
  if (!status.ok()) return status;
  std::vector<grpc::Slice> slices;
  if (!response_buffer.Dump(&slices).ok()) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "unreadable response");
  }
  response_bytes.clear();
  for (const auto& s : slices)
    response_bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return grpc::Status::OK;
}

// One Watch call over the in-process channel, feeding one event stream. Events wait in a queue
// that keeps one entry per total (a newer one replaces it), so a slow HTTP client costs bounded
// memory.
class WatchCall : public grpc::ClientReadReactor<v1::AreaTotals> {
 public:
  enum class Next { kEvent, kNothingYet, kEnded };

  WatchCall(v1::PublicationService::Stub& stub, const v1::WatchRequest& request) {
    stub.async()->Watch(&context_, &request, this);
    StartRead(&incoming_);
    StartCall();
  }

  // Waits until the server accepted the stream (true) or ended it (false, `status` says why). An
  // accepted stream's initial metadata carries WatchHub::kAcceptedMetadata; a refusal has none
  // (its status comes with it), so a refusal is never mistaken for a stream that ended at once.
  bool WaitAccepted(grpc::Status& status) {
    std::unique_lock lock(mutex_);
    if (!changed_.wait_for(lock, kWatchStartTimeout, [this] { return accepted_ || done_; })) {
      status = grpc::Status(grpc::StatusCode::UNAVAILABLE, "Watch did not start in time");
      return false;
    }
    if (accepted_) return true;
    status = status_;
    return false;
  }

  // The next event's JSON, waiting at most `wait`; kEnded (with `status`) once the stream ended
  // and every event was taken.
  Next Take(std::chrono::milliseconds wait, std::string& json, grpc::Status& status) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, wait, [this] { return !events_.empty() || done_; });
    if (!events_.empty()) {
      json = std::move(events_.front().second);
      events_.pop_front();
      return Next::kEvent;
    }
    if (done_) {
      status = status_;
      return Next::kEnded;
    }
    return Next::kNothingYet;
  }

  // Cancels the call and waits until gRPC is done with it: then it may be destroyed.
  void Close() {
    context_.TryCancel();
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return done_; });
  }

  void OnReadInitialMetadataDone(bool ok) override {
    std::lock_guard lock(mutex_);
    accepted_ = ok && context_.GetServerInitialMetadata().count(WatchHub::kAcceptedMetadata) > 0;
    changed_.notify_all();
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // The stream ended: OnDone follows.
    std::string key = incoming_.area().area_id() + "|" + incoming_.contest_id();
    auto json = ToJson(incoming_);
    if (!json.ok()) {
      spdlog::error("/v1/Watch: {}", json.status().message());
    } else {
      std::lock_guard lock(mutex_);
      auto same = std::find_if(events_.begin(), events_.end(),
                               [&key](const auto& event) { return event.first == key; });
      if (same != events_.end()) {
        same->second = std::move(json).value();
      } else {
        events_.emplace_back(std::move(key), std::move(json).value());
      }
      changed_.notify_all();
    }
    StartRead(&incoming_);
  }

  void OnDone(const grpc::Status& status) override {
    std::lock_guard lock(mutex_);
    done_ = true;
    status_ = status;
    changed_.notify_all();
  }

 private:
  grpc::ClientContext context_;
  v1::AreaTotals incoming_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::pair<std::string, std::string>> events_;  // (area|contest, JSON)
  bool accepted_ = false;
  bool done_ = false;
  grpc::Status status_;
};

// The routes, by topic. httplib tries them in the order installed: /v1/Watch before the generic
// /v1/<Method> (which answers NOT_FOUND for streaming methods), the catch-all files last.

// Before any route, after the headers and before any of the body is read: bodies too large are
// refused with 413 (at once when the client asks with Expect: 100-continue), chunked bodies with
// 411; every answer may be read by any page (open data).
void InstallRequestChecks(httplib::Server& server, size_t max_body) {
  // A second line behind the checks below: httplib never reads more body than this.
  server.set_payload_max_length(max_body);
  server.set_expect_100_continue_handler(
      [max_body](const httplib::Request& request, httplib::Response& response) {
        if (ContentLength(request) > max_body) {
          SendError(response, grpc::StatusCode::INVALID_ARGUMENT,
                    "request body larger than " + std::to_string(max_body) + " bytes");
          response.status = 413;
          http::GuardedServer::CloseAfterAnswer();
          return 413;
        }
        return 100;
      });
  server.set_pre_routing_handler(
      [max_body](const httplib::Request& request, httplib::Response& response) {
        response.set_header("Access-Control-Allow-Origin", "*");
        if (request.has_header("Transfer-Encoding")) {
          SendError(response, grpc::StatusCode::INVALID_ARGUMENT,
                    "chunked request bodies are not accepted; send Content-Length");
          response.status = 411;
          http::GuardedServer::CloseAfterAnswer();
          return httplib::Server::HandlerResponse::Handled;
        }
        if (ContentLength(request) > max_body) {
          SendError(response, grpc::StatusCode::INVALID_ARGUMENT,
                    "request body larger than " + std::to_string(max_body) + " bytes");
          response.status = 413;
          response.set_header("Connection", "close");
          http::GuardedServer::CloseAfterAnswer();
          return httplib::Server::HandlerResponse::Handled;
        }
        return httplib::Server::HandlerResponse::Unhandled;
      });
}

// One /v1/<Method> request: answered with MirrorJson's JSON, or its error.
void AnswerUnary(grpc::GenericStub& stub, const httplib::Request& request,
                 httplib::Response& response) {
  std::string json;
  grpc::Status status = MirrorJson(stub, request.matches[1].str(), request.params,
                                   request.method == "POST" ? request.body : std::string(), json);
  if (!status.ok()) {
    SendError(response, status.error_code(), status.error_message());
    return;
  }
  response.set_content(json, "application/json");
}

// The unary API, GET and POST /v1/<Method>: totals, stations, discrepancies, the deployment
// table and the analyses, each by the method of its service (http_request.h finds it), so that
// a method added to a service is served without a route of its own.
void InstallUnaryApi(httplib::Server& server, std::shared_ptr<grpc::GenericStub> stub) {
  auto handle = [stub](const httplib::Request& request, httplib::Response& response) {
    AnswerUnary(*stub, request, response);
  };
  server.Get(R"(/v1/(\w+))", handle);
  server.Post(R"(/v1/(\w+))", handle);
}

// GET /v1/GetAreaTotals and /v1/GetOfficialTotals naming exactly an area_id and a contest_id:
// the JSON the store encoded once for the read that GetAreaTotals answers from (the same message,
// printed by the same ToJson), without a call through the in-process channel and without printing
// JSON per request. Everything else (another parameter, a POST, any failure) is answered the
// generic way, so that an answer, error or not, is always the mirror's.
void InstallTotals(httplib::Server& server, TotalsJsonFunction totals_json,
                   std::shared_ptr<grpc::GenericStub> stub) {
  server.Get(R"(/v1/(GetAreaTotals|GetOfficialTotals))", [totals_json = std::move(totals_json),
                                                          stub](const httplib::Request& request,
                                                                httplib::Response& response) {
    const auto& params = request.params;
    if (params.size() == 2 && params.count("area_id") == 1 && params.count("contest_id") == 1) {
      auto json = totals_json({params.find("area_id")->second, params.find("contest_id")->second,
                               /*official=*/request.matches[1] == "GetOfficialTotals"});
      if (json.ok() && (*json)->text.ok()) {
        response.set_content(*(*json)->text + "\n", "application/json");
        return;
      }
    }
    AnswerUnary(*stub, request, response);
  });
}

// One turn of an event stream: the next event of `call` written to `sink`, or, with none within
// kEventWait, a keep-alive comment when one is due. False ends the stream (the client is gone).
bool PumpEvents(WatchCall& call, const std::atomic<bool>& stopping, Clock::time_point& last_write,
                httplib::DataSink& sink) {
  auto write = [&sink, &last_write](const std::string& text) {
    last_write = Clock::now();
    return sink.write(text.data(), text.size());
  };
  if (stopping.load()) {
    sink.done();
    return true;
  }
  std::string json;
  grpc::Status status;
  switch (call.Take(kEventWait, json, status)) {
    case WatchCall::Next::kEvent:
      return write("event: totals\ndata: " + json + "\n\n");
    case WatchCall::Next::kEnded: {
      bool ok =
          write(std::string("event: end\ndata: {\"code\":\"") + CodeName(status.error_code()) +
                "\",\"message\":\"" + JsonEscape(status.error_message()) + "\"}\n\n");
      sink.done();
      return ok;
    }
    case WatchCall::Next::kNothingYet:
      // A client that went away frees its slot now, not at the next keep-alive.
      if (http::GuardedServer::ClientClosed()) return false;
      if (!sink.is_writable()) return false;
      if (Clock::now() - last_write >= kHeartbeat) return write(": keep-alive\n\n");
      return true;
  }
  return true;
}

// GET /v1/Watch: the Watch stream as Server-Sent Events, at most `max_event_streams` at once
// (each holds a worker thread); they end within kEventWait once `stopping` is set.
void InstallWatch(httplib::Server& server, std::shared_ptr<v1::PublicationService::Stub> stub,
                  std::shared_ptr<std::atomic<bool>> stopping, size_t max_event_streams) {
  auto open_streams = std::make_shared<std::atomic<size_t>>(0);
  server.Get("/v1/Watch", [stub, open_streams, stopping, max_event_streams](
                              const httplib::Request& request, httplib::Response& response) {
    auto watch_request = ParseWatchRequest(request.params);
    if (!watch_request.ok()) {
      SendError(response, watch_request.status());
      return;
    }
    if (open_streams->fetch_add(1) >= max_event_streams) {
      open_streams->fetch_sub(1);
      SendError(
          response, grpc::StatusCode::UNAVAILABLE,
          "too many open event streams (" + std::to_string(max_event_streams) + "); retry later");
      return;
    }
    auto call = std::make_shared<WatchCall>(*stub, *watch_request);
    grpc::Status refused;
    if (!call->WaitAccepted(refused)) {
      call->Close();
      open_streams->fetch_sub(1);
      SendError(response, refused.error_code(), refused.error_message());
      return;
    }
    response.set_header("Cache-Control", "no-cache");
    response.set_header("X-Accel-Buffering", "no");  // nginx: pass events on at once.
    auto last_write = std::make_shared<Clock::time_point>(Clock::now());
    response.set_chunked_content_provider(
        "text/event-stream",
        [call, stopping, last_write](size_t, httplib::DataSink& sink) {
          return PumpEvents(*call, *stopping, *last_write, sink);
        },
        [call, open_streams](bool) {
          call->Close();
          open_streams->fetch_sub(1);
        });
  });
}

// GET /export/<contest_id>.csv and .jsonl: the open-data files, served from the shared bytes.
void InstallExport(httplib::Server& server, ExportFunction export_contest) {
  server.Get(R"(/export/([A-Za-z0-9_.-]+)\.(csv|jsonl))",
             [export_contest](const httplib::Request& request, httplib::Response& response) {
               const std::string contest = request.matches[1];
               const bool csv = request.matches[2] == "csv";
               auto file = export_contest(contest, csv);
               if (!file.ok()) {
                 SendError(response, file.status());
                 return;
               }
               response.set_header("Content-Disposition", "attachment; filename=\"" + contest +
                                                              (csv ? ".csv" : ".jsonl") + "\"");
               // Served from the shared file: no copy per download.
               std::shared_ptr<const std::string> bytes = std::move(file).value();
               response.set_content_provider(
                   bytes->size(),
                   csv ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
                   [bytes](size_t offset, size_t length, httplib::DataSink& sink) {
                     return sink.write(bytes->data() + offset, std::min(length, kExportChunk));
                   });
             });
}

// The NOT_FOUND of a path no route serves, saying what the paths of its kind look like, so that
// a client that wrote /v1/GetAreaTotals/ or /export/a b.csv sees what to fix.
Status PathNotFound(const std::string& path) {
  if (path.starts_with("/v1/")) {
    return Status::NotFound("no API method at " + path +
                            ": the API is /v1/<Method>, the method's name (letters, digits and _) "
                            "with no slash after it, and the request in the query or body");
  }
  if (path.starts_with("/export/")) {
    return Status::NotFound("no export at " + path +
                            ": the open data is /export/<contest_id>.csv or "
                            "/export/<contest_id>.jsonl, the contest id of letters, digits and "
                            "_ . - only");
  }
  return Status::NotFound("no such file: " + path);
}

// Every other GET: the static files (the portal), "/" being "/index.html"; for the rest, and for
// any other request no route serves (a POST to /v1/GetAreaTotals/), the JSON NOT_FOUND every
// error of the gateway is, never a body of another shape.
void InstallStaticFiles(httplib::Server& server, StaticFiles files) {
  auto shared_files = std::make_shared<StaticFiles>(std::move(files));
  server.Get(R"(/(.*))",
             [shared_files](const httplib::Request& request, httplib::Response& response) {
               std::string path = request.path == "/" ? "/index.html" : request.path;
               auto it = shared_files->find(path);
               if (it == shared_files->end()) {
                 SendError(response, PathNotFound(request.path));
                 return;
               }
               response.set_content(it->second.second, it->second.first.c_str());
             });
  // httplib's own 404 (no route for the method and path) comes without a body.
  server.set_error_handler([](const httplib::Request& request, httplib::Response& response) {
    if (response.status == 404 && response.body.empty()) {
      SendError(response, PathNotFound(request.path));
    }
  });
}

// "host:port" split; the error names the flag, as a person typed it.
Result<std::pair<std::string, int>> SplitListen(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return Status::Error("--http-listen must be host:port: " + listen);
  }
  try {
    return std::make_pair(listen.substr(0, colon), std::stoi(listen.substr(colon + 1)));
  } catch (const std::exception&) {
    return Status::Error("--http-listen has no port number: " + listen);
  }
}

}  // namespace

grpc::Status MirrorJson(grpc::GenericStub& stub, std::string_view method_name,
                        const QueryParams& params, std::string_view body, std::string& json) {
  auto call = ParseHttpCall(method_name, params, body);
  if (!call.ok()) return ToGrpc(call.status());
  std::string bytes;
  grpc::Status status =
      CallUnary(stub, "/" + call->method->service()->full_name() + "/" + call->method->name(),
                *call->request, bytes);
  if (!status.ok()) return status;
  auto* factory = google::protobuf::MessageFactory::generated_factory();
  std::unique_ptr<Message> answer(factory->GetPrototype(call->method->output_type())->New());
  if (!answer->ParseFromString(bytes)) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "unreadable response");
  }
  // Never an empty 200: an answer that has no JSON form is reported as the error it is.
  auto printed = ToJson(*answer);
  if (!printed.ok()) {
    spdlog::error("/v1/{}: {}", call->method->name(), printed.status().message());
    return ToGrpc(printed.status());
  }
  json = std::move(printed).value() + "\n";
  return grpc::Status::OK;
}

http::ConnectionLimits HttpLimits::connections() const {
  return {.max_connections = 0,
          .max_connections_per_address = max_connections_per_address,
          .request_timeout = request_timeout,
          .keep_alive_timeout = keep_alive_timeout,
          .keep_alive_max_requests = keep_alive_max_requests,
          .max_request_bytes = max_header_bytes + max_body_bytes};
}

void HttpLimits::SetConnections(const http::ConnectionLimits& limits) {
  max_connections_per_address = limits.max_connections_per_address;
  request_timeout = limits.request_timeout;
  keep_alive_timeout = limits.keep_alive_timeout;
  keep_alive_max_requests = limits.keep_alive_max_requests;
}

Result<std::unique_ptr<HttpGateway>> HttpGateway::Start(
    const std::string& listen, std::shared_ptr<grpc::Channel> channel, StaticFiles files,
    ExportFunction export_contest, HttpLimits limits, TotalsJsonFunction totals_json) {
  auto address = SplitListen(listen);
  if (!address.ok()) return address.status();
  const auto& [host, port] = *address;
  limits.max_event_streams = std::max<size_t>(1, limits.max_event_streams);
  limits.workers = std::max<size_t>(1, limits.workers);
  limits.keep_alive_max_requests = std::max<size_t>(1, limits.keep_alive_max_requests);

  std::unique_ptr<HttpGateway> gateway(new HttpGateway());
  gateway->server_ = std::make_unique<http::GuardedServer>(limits.connections());
  auto& server = *gateway->server_;
  // Every event stream holds a worker for its life; the rest keeps workers of its own.
  const size_t workers = limits.max_event_streams + limits.workers;
  server.new_task_queue = [workers] { return new httplib::ThreadPool(workers); };
  // Without it every answer after the first on a kept-alive connection waits out the client's
  // delayed ACK (about 40 ms): 150 requests/s instead of thousands.
  server.set_tcp_nodelay(true);

  InstallRequestChecks(server, limits.max_body_bytes);
  InstallWatch(server, v1::PublicationService::NewStub(channel), gateway->stopping_,
               limits.max_event_streams);
  auto stub = std::make_shared<grpc::GenericStub>(std::move(channel));
  if (totals_json) InstallTotals(server, std::move(totals_json), stub);
  InstallUnaryApi(server, std::move(stub));
  if (export_contest) InstallExport(server, std::move(export_contest));
  InstallStaticFiles(server, std::move(files));

  gateway->port_ = server.Bind(host, port);
  if (gateway->port_ <= 0) return Status::Error("cannot bind HTTP to " + listen);
  gateway->thread_ = hattama::http::ServeOnThread(server);
  return gateway;
}

uint64_t HttpGateway::refused_connections() const { return server_->refused(); }

HttpGateway::~HttpGateway() {
  stopping_->store(true);
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace hattama::publication
