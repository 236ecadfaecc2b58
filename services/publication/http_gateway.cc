#include "services/publication/http_gateway.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/generic/generic_stub.h>
#include <httplib.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>

#include "hattama/v1/analysis.pb.h"
#include "hattama/v1/publication.grpc.pb.h"

namespace hattama::publication {
namespace {

using google::protobuf::Message;

// The read-only services publication hosts; their unary methods are mirrored.
constexpr const char* kServices[] = {"hattama.v1.PublicationService",
                                     "hattama.v1.DeploymentService",
                                     "hattama.v1.AnalysisService"};
constexpr auto kCallDeadline = std::chrono::seconds(10);
// How long /v1/Watch waits for the gRPC stream to be accepted or refused.
constexpr auto kWatchStartTimeout = std::chrono::seconds(10);
constexpr auto kHeartbeat = std::chrono::seconds(15);
// How long an event stream waits for an event before it looks at the gateway stopping again.
constexpr auto kEventWait = std::chrono::milliseconds(250);
// Unary requests served beside the event streams (each holds a worker thread).
constexpr size_t kUnaryWorkers = 16;

const char* CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK: return "OK";
    case grpc::StatusCode::CANCELLED: return "CANCELLED";
    case grpc::StatusCode::INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED: return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND: return "NOT_FOUND";
    case grpc::StatusCode::FAILED_PRECONDITION: return "FAILED_PRECONDITION";
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::UNIMPLEMENTED: return "UNIMPLEMENTED";
    case grpc::StatusCode::UNAVAILABLE: return "UNAVAILABLE";
    case grpc::StatusCode::UNAUTHENTICATED: return "UNAUTHENTICATED";
    case grpc::StatusCode::PERMISSION_DENIED: return "PERMISSION_DENIED";
    default: return "INTERNAL";
  }
}

std::string JsonEscape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  return out;
}

void SendError(httplib::Response& response, grpc::StatusCode code, const std::string& message) {
  response.status = HttpStatusOf(code);
  response.set_content(std::string(R"({"code":")") + CodeName(code) + R"(","message":")" +
                           JsonEscape(message) + "\"}\n",
                       "application/json");
}

// The request as JSON: the body of a POST, or the query parameters of a GET as string fields
// (protobuf's JSON parser takes integers and enums given as strings too).
std::string RequestJson(const httplib::Request& request) {
  if (request.method == "POST" && !request.body.empty()) return request.body;
  std::string json = "{";
  for (const auto& [name, value] : request.params) {
    if (json.size() > 1) json += ',';
    json += "\"" + JsonEscape(name) + "\":\"" + JsonEscape(value) + "\"";
  }
  return json + "}";
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
  for (const auto& s : slices) response_bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return grpc::Status::OK;
}

// The JSON of a response: protobuf's mapping, proto field names, every field present.
std::string ToJson(const Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
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

  // Waits until the server accepted the stream (true) or ended it (false, `status` says why).
  bool WaitAccepted(grpc::Status& status) {
    std::unique_lock lock(mutex_);
    if (!changed_.wait_for(lock, kWatchStartTimeout, [this] { return accepted_ || done_; })) {
      status = grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "Watch did not start");
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
    accepted_ = ok;
    changed_.notify_all();
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // The stream ended: OnDone follows.
    std::string key = incoming_.area().area_id() + "|" + incoming_.contest_id();
    std::string json = ToJson(incoming_);
    {
      std::lock_guard lock(mutex_);
      auto same = std::find_if(events_.begin(), events_.end(),
                               [&key](const auto& event) { return event.first == key; });
      if (same != events_.end()) {
        same->second = std::move(json);
      } else {
        events_.emplace_back(std::move(key), std::move(json));
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

// The WatchRequest of GET /v1/Watch: contest_id, area_id (repeated, or area_ids comma-separated)
// and official ("true" or "1").
v1::WatchRequest WatchRequestOf(const httplib::Request& request) {
  v1::WatchRequest watch;
  watch.set_contest_id(request.get_param_value("contest_id"));
  for (size_t i = 0; i < request.get_param_value_count("area_id"); ++i) {
    watch.add_area_ids(request.get_param_value("area_id", i));
  }
  std::string list = request.get_param_value("area_ids");
  for (size_t start = 0; start < list.size();) {
    size_t comma = std::min(list.find(',', start), list.size());
    if (comma > start) watch.add_area_ids(list.substr(start, comma - start));
    start = comma + 1;
  }
  const std::string official = request.get_param_value("official");
  watch.set_official(official == "true" || official == "1");
  return watch;
}

}  // namespace

int HttpStatusOf(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK: return 200;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE: return 400;
    case grpc::StatusCode::UNAUTHENTICATED: return 401;
    case grpc::StatusCode::PERMISSION_DENIED: return 403;
    case grpc::StatusCode::NOT_FOUND: return 404;
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::ABORTED: return 409;
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return 429;
    case grpc::StatusCode::CANCELLED: return 499;
    case grpc::StatusCode::UNIMPLEMENTED: return 501;
    case grpc::StatusCode::UNAVAILABLE: return 503;
    case grpc::StatusCode::DEADLINE_EXCEEDED: return 504;
    default: return 500;
  }
}

Result<std::unique_ptr<HttpGateway>> HttpGateway::Start(const std::string& listen,
                                                        std::shared_ptr<grpc::Channel> channel,
                                                        StaticFiles files,
                                                        ExportFunction export_contest,
                                                        size_t max_event_streams) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) return Status::Error("--http-listen must be host:port: " + listen);
  const std::string host = listen.substr(0, colon);
  int port = 0;
  try {
    port = std::stoi(listen.substr(colon + 1));
  } catch (const std::exception&) {
    return Status::Error("--http-listen has no port number: " + listen);
  }
  // Touched so that the descriptors of every method are linked into the generated pool.
  (void)v1::GetElectionRequest::descriptor();
  (void)v1::GetSeatsRequest::descriptor();
  std::vector<const google::protobuf::ServiceDescriptor*> services;
  for (const char* name : kServices) {
    const auto* service = google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(name);
    if (service == nullptr) return Status::Error(std::string(name) + " is not linked in");
    services.push_back(service);
  }

  std::unique_ptr<HttpGateway> gateway(new HttpGateway());
  gateway->server_ = std::make_unique<httplib::Server>();
  auto watch_stub = std::shared_ptr<v1::PublicationService::Stub>(
      v1::PublicationService::NewStub(channel));
  auto stub = std::make_shared<grpc::GenericStub>(std::move(channel));
  auto& server = *gateway->server_;
  // Every event stream holds a worker for its life; the unary API keeps workers of its own.
  const size_t workers = max_event_streams + kUnaryWorkers;
  server.new_task_queue = [workers] { return new httplib::ThreadPool(workers); };
  // Without it every answer after the first on a kept-alive connection waits out the client's
  // delayed ACK (about 40 ms): 150 requests/s instead of thousands.
  server.set_tcp_nodelay(true);

  server.set_pre_routing_handler([](const httplib::Request&, httplib::Response& response) {
    // Open data: any page may read it.
    response.set_header("Access-Control-Allow-Origin", "*");
    return httplib::Server::HandlerResponse::Unhandled;
  });
  auto handle = [services, stub](const httplib::Request& request, httplib::Response& response) {
    const std::string name = request.matches[1];
    const google::protobuf::MethodDescriptor* method = nullptr;
    for (const auto* service : services) {
      if (method == nullptr) method = service->FindMethodByName(name);
    }
    if (method == nullptr || method->client_streaming() || method->server_streaming()) {
      SendError(response, grpc::StatusCode::NOT_FOUND, "no method " + name);
      return;
    }
    auto* factory = google::protobuf::MessageFactory::generated_factory();
    std::unique_ptr<Message> call(factory->GetPrototype(method->input_type())->New());
    auto parsed = google::protobuf::util::JsonStringToMessage(RequestJson(request), call.get());
    if (!parsed.ok()) {
      SendError(response, grpc::StatusCode::INVALID_ARGUMENT, std::string(parsed.message()));
      return;
    }
    std::string bytes;
    grpc::Status status =
        CallUnary(*stub, "/" + method->service()->full_name() + "/" + name, *call, bytes);
    if (!status.ok()) {
      SendError(response, status.error_code(), status.error_message());
      return;
    }
    std::unique_ptr<Message> answer(factory->GetPrototype(method->output_type())->New());
    answer->ParseFromString(bytes);
    response.set_content(ToJson(*answer) + "\n", "application/json");
  };
  // Registered before the generic /v1/<Method>, which answers NOT_FOUND for streaming methods.
  auto open_streams = std::make_shared<std::atomic<size_t>>(0);
  auto stopping = gateway->stopping_;
  server.Get("/v1/Watch", [watch_stub, open_streams, stopping, max_event_streams](
                              const httplib::Request& request, httplib::Response& response) {
    if (open_streams->fetch_add(1) >= max_event_streams) {
      open_streams->fetch_sub(1);
      response.set_header("Retry-After", "5");
      SendError(response, grpc::StatusCode::UNAVAILABLE,
                "too many open event streams (" + std::to_string(max_event_streams) +
                    "); retry later");
      return;
    }
    auto call = std::make_shared<WatchCall>(*watch_stub, WatchRequestOf(request));
    grpc::Status refused;
    if (!call->WaitAccepted(refused)) {
      call->Close();
      open_streams->fetch_sub(1);
      SendError(response, refused.error_code(), refused.error_message());
      return;
    }
    response.set_header("Cache-Control", "no-cache");
    response.set_header("X-Accel-Buffering", "no");  // nginx: pass events on at once.
    auto last_write = std::make_shared<std::chrono::steady_clock::time_point>(
        std::chrono::steady_clock::now());
    response.set_chunked_content_provider(
        "text/event-stream",
        [call, stopping, last_write](size_t, httplib::DataSink& sink) {
          auto write = [&sink, &last_write](const std::string& text) {
            *last_write = std::chrono::steady_clock::now();
            return sink.write(text.data(), text.size());
          };
          if (stopping->load()) {
            sink.done();
            return true;
          }
          std::string json;
          grpc::Status status;
          switch (call->Take(kEventWait, json, status)) {
            case WatchCall::Next::kEvent:
              return write("event: totals\ndata: " + json + "\n\n");
            case WatchCall::Next::kEnded: {
              bool ok = write(std::string("event: end\ndata: {\"code\":\"") +
                              CodeName(status.error_code()) + "\",\"message\":\"" +
                              JsonEscape(status.error_message()) + "\"}\n\n");
              sink.done();
              return ok;
            }
            case WatchCall::Next::kNothingYet:
              if (std::chrono::steady_clock::now() - *last_write >= kHeartbeat) {
                return write(": keep-alive\n\n");
              }
              return true;
          }
          return true;
        },
        [call, open_streams](bool) {
          call->Close();
          open_streams->fetch_sub(1);
        });
  });
  server.Get(R"(/v1/(\w+))", handle);
  server.Post(R"(/v1/(\w+))", handle);

  if (export_contest) {
    server.Get(R"(/export/([A-Za-z0-9_.-]+)\.(csv|jsonl))",
               [export_contest](const httplib::Request& request, httplib::Response& response) {
                 const std::string contest = request.matches[1];
                 const bool csv = request.matches[2] == "csv";
                 auto file = export_contest(contest, csv);
                 if (!file.ok()) {
                   SendError(response, grpc::StatusCode::NOT_FOUND, file.status().message());
                   return;
                 }
                 response.set_header("Content-Disposition",
                                     "attachment; filename=\"" + contest + (csv ? ".csv" : ".jsonl") +
                                         "\"");
                 response.set_content(*file, csv ? "text/csv; charset=utf-8"
                                                 : "application/x-ndjson; charset=utf-8");
               });
  }
  auto shared_files = std::make_shared<StaticFiles>(std::move(files));
  server.Get(R"(/(.*))", [shared_files](const httplib::Request& request,
                                        httplib::Response& response) {
    std::string path = request.path == "/" ? "/index.html" : request.path;
    auto it = shared_files->find(path);
    if (it == shared_files->end()) {
      response.status = 404;
      response.set_content("not found\n", "text/plain");
      return;
    }
    response.set_content(it->second.second, it->second.first.c_str());
  });

  if (port == 0) {
    gateway->port_ = server.bind_to_any_port(host);
  } else {
    gateway->port_ = server.bind_to_port(host, port) ? port : -1;
  }
  if (gateway->port_ <= 0) return Status::Error("cannot bind HTTP to " + listen);
  gateway->thread_ = std::thread([&server] { server.listen_after_bind(); });
  return gateway;
}

HttpGateway::~HttpGateway() {
  stopping_->store(true);
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace hattama::publication
