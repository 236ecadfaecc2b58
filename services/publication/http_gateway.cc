#include "services/publication/http_gateway.h"

#include <arpa/inet.h>
#include <google/protobuf/dynamic_message.h>
#include <grpcpp/generic/generic_stub.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <future>
#include <mutex>

#include "common/base/status_grpc.h"
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
// How long one write may wait for a client that does not read.
constexpr int kWriteTimeoutMs = 5000;
// After the last answer on a connection, how long unread input is drained before closing, so
// that the client reads the answer (e.g. a 413 or a 503) instead of a reset.
constexpr auto kLingerTime = std::chrono::milliseconds(2000);
// How often a connection waiting for its next request looks at the server stopping.
constexpr int kStopCheckMs = 100;
// Bytes an export answer writes per call of its content provider.
constexpr size_t kExportChunk = 64 * 1024;

std::string JsonEscape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  return out;
}

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

// One accepted connection, read and written with deadlines. httplib reads a request through
// read(); BeginRequest starts each request's deadline and byte budget, so that a client that
// trickles its request line, headers or body (slowloris) is dropped after
// HttpLimits::request_timeout however often it sends a byte. Used by one worker thread.
class ConnectionStream final : public httplib::Stream {
 public:
  // `stopping` is looked at every kStopCheckMs while a read waits, so that a slow request does
  // not hold up the server's shutdown.
  ConnectionStream(int fd, size_t budget, std::function<bool()> stopping)
      : fd_(fd), budget_(budget), stopping_(std::move(stopping)) {}

  void BeginRequest(Clock::time_point deadline) {
    deadline_ = deadline;
    used_ = 0;
  }
  // The request could not be read in time or within its budget: the connection ends.
  bool failed() const { return failed_; }
  // Unread bytes already received (a pipelined next request).
  bool has_buffered() const { return buffered_from_ < buffered_.size(); }
  // Waits up to `timeout` for the next request's first byte; false when none came or the client
  // closed. `stopping` is looked at every kStopCheckMs.
  bool WaitForRequest(std::chrono::milliseconds timeout, const std::function<bool()>& stopping) {
    if (has_buffered()) return true;
    const auto until = Clock::now() + timeout;
    while (!stopping()) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      int ready = poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), kStopCheckMs)));
      if (ready < 0 && errno != EINTR) return false;
      if (ready > 0) return true;
    }
    return false;
  }

  bool is_readable() const override {
    if (has_buffered()) return true;
    pollfd p{fd_, POLLIN, 0};
    return poll(&p, 1, RemainingMs()) > 0;
  }

  bool is_writable() const override {
    pollfd p{fd_, POLLOUT, 0};
    return poll(&p, 1, kWriteTimeoutMs) > 0 && (p.revents & (POLLERR | POLLHUP)) == 0;
  }

  // The client closed (or reset) its side: an event stream, which expects nothing more from
  // its client, takes that as the client having gone away. (An answer to an ordinary request is
  // still written to a client that only half-closed.)
  bool PeerClosed() const {
    char byte;
    ssize_t peeked = recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (peeked == 0) return true;
    return peeked < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
  }

  ssize_t read(char* ptr, size_t size) override {
    if (failed_) return -1;
    if (!has_buffered()) {
      buffered_.resize(4096);
      buffered_from_ = 0;
      while (true) {
        const int wait = RemainingMs();
        if (wait <= 0 || stopping_()) return Fail();
        pollfd p{fd_, POLLIN, 0};
        int ready = poll(&p, 1, std::min(wait, kStopCheckMs));
        if (ready < 0 && errno == EINTR) continue;
        if (ready == 0) continue;
        if (ready < 0) return Fail();
        ssize_t got = recv(fd_, buffered_.data(), buffered_.size(), MSG_DONTWAIT);
        if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) continue;
        if (got <= 0) {
          buffered_.clear();
          return got;
        }
        buffered_.resize(static_cast<size_t>(got));
        break;
      }
    }
    size_t n = std::min(size, buffered_.size() - buffered_from_);
    if (used_ + n > budget_) return Fail();
    std::memcpy(ptr, buffered_.data() + buffered_from_, n);
    buffered_from_ += n;
    used_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    size_t sent = 0;
    while (sent < size) {
      ssize_t n = send(fd_, ptr + sent, size - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        sent += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        pollfd p{fd_, POLLOUT, 0};
        if (poll(&p, 1, kWriteTimeoutMs) > 0) continue;
      }
      return -1;
    }
    return static_cast<ssize_t>(sent);
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    Address(getpeername, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    Address(getsockname, ip, port);
  }
  socket_t socket() const override { return fd_; }

 private:
  int RemainingMs() const {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now()).count();
    return static_cast<int>(std::max<int64_t>(0, left));
  }
  ssize_t Fail() {
    failed_ = true;
    return -1;
  }
  template <typename Get>
  void Address(Get get, std::string& ip, int& port) const {
    sockaddr_storage address{};
    socklen_t length = sizeof(address);
    ip.clear();
    port = 0;
    if (get(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) return;
    char text[INET6_ADDRSTRLEN] = {};
    if (address.ss_family == AF_INET) {
      const auto* in = reinterpret_cast<const sockaddr_in*>(&address);
      inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text));
      port = ntohs(in->sin_port);
    } else if (address.ss_family == AF_INET6) {
      const auto* in = reinterpret_cast<const sockaddr_in6*>(&address);
      inet_ntop(AF_INET6, &in->sin6_addr, text, sizeof(text));
      port = ntohs(in->sin6_port);
    }
    ip = text;
  }

  const int fd_;
  const size_t budget_;
  const std::function<bool()> stopping_;
  Clock::time_point deadline_ = Clock::now();
  size_t used_ = 0;
  bool failed_ = false;
  std::string buffered_;
  size_t buffered_from_ = 0;
};

// Set by a handler that answered so that the connection must not serve another request (a 413
// whose body was never read): the worker's connection loop closes it after the answer.
thread_local bool close_after_answer = false;
// The connection the worker thread is serving (handlers and content providers run on it).
thread_local const ConnectionStream* current_connection = nullptr;

// Closes finished connections gently on one thread of its own: half-closes each, then reads and
// drops what the client still sends for kLingerTime (or until it closes), so that closing with
// unread input does not reset the connection before the client read the answer (a 413, a 503).
// Worker threads hand their sockets over and move on. Thread-safe.
class Lingerer {
 public:
  Lingerer() : thread_([this] { Run(); }) {}
  ~Lingerer() {
    {
      std::lock_guard lock(mutex_);
      quit_ = true;
    }
    thread_.join();
    for (const auto& [fd, until] : sockets_) close(fd);
  }

  void Add(int fd) {
    shutdown(fd, SHUT_WR);
    std::lock_guard lock(mutex_);
    // Bounded: beyond it a socket is closed at once (a reset at worst, never unbounded memory).
    if (quit_ || sockets_.size() >= kMaxLingering) {
      close(fd);
      return;
    }
    sockets_.emplace_back(fd, Clock::now() + kLingerTime);
  }

 private:
  static constexpr size_t kMaxLingering = 4096;

  void Run() {
    char scratch[4096];
    while (true) {
      std::vector<std::pair<int, Clock::time_point>> sockets;
      {
        std::lock_guard lock(mutex_);
        if (quit_) return;
        sockets.swap(sockets_);
      }
      std::vector<pollfd> polls;
      for (const auto& [fd, until] : sockets) polls.push_back({fd, POLLIN, 0});
      if (!polls.empty()) {
        poll(polls.data(), polls.size(), 20);
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      std::vector<std::pair<int, Clock::time_point>> keep;
      const auto now = Clock::now();
      for (size_t i = 0; i < sockets.size(); ++i) {
        bool done = now >= sockets[i].second;
        if (!done && (polls[i].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
          // A bounded read a turn: a client that keeps sending cannot keep this thread.
          ssize_t n = 1;
          for (int reads = 0; reads < 16 && n > 0; ++reads) {
            n = recv(sockets[i].first, scratch, sizeof(scratch), MSG_DONTWAIT);
          }
          done = n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
        }
        if (done) {
          close(sockets[i].first);
        } else {
          keep.push_back(sockets[i]);
        }
      }
      std::lock_guard lock(mutex_);
      sockets_.insert(sockets_.end(), keep.begin(), keep.end());
    }
  }

  std::mutex mutex_;
  std::vector<std::pair<int, Clock::time_point>> sockets_;
  bool quit_ = false;
  std::thread thread_;
};

// httplib's server with its connection loop replaced by one that enforces HttpLimits: the
// per-address cap, the keep-alive wait, each request's deadline and byte budget, and a lingering
// close. Requests are still parsed, routed and answered by httplib (process_request).
class GuardedServer final : public httplib::Server {
 public:
  explicit GuardedServer(const HttpLimits& limits) : limits_(limits) {}

  uint64_t refused() const {
    std::lock_guard lock(mutex_);
    return refused_;
  }

  // httplib listens with a backlog of 5: a burst of connections (a crowd, or slow sockets that
  // arrive together) would wait out SYN retransmits of a second or more. Listening again on the
  // bound socket widens it.
  void WidenBacklog() {
    if (svr_sock_ != INVALID_SOCKET) ::listen(svr_sock_, SOMAXCONN);
  }

 private:
  bool process_and_close_socket(socket_t sock) override {
    ConnectionStream stream(sock, limits_.max_header_bytes + limits_.max_body_bytes,
                            [this] { return svr_sock_ == INVALID_SOCKET; });
    std::string address;
    int port = 0;
    stream.get_remote_ip_and_port(address, port);
    if (Admit(address)) {
      Serve(stream);
      Leave(address);
    } else {
      const std::string body =
          ErrorJson(grpc::StatusCode::UNAVAILABLE,
                    "too many connections from " + address + " (" +
                        std::to_string(limits_.max_connections_per_address) + "); retry later");
      const std::string answer =
          "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
          "Retry-After: 5\r\nConnection: close\r\nContent-Length: " +
          std::to_string(body.size()) + "\r\n\r\n" + body;
      stream.write(answer.data(), answer.size());
    }
    linger_.Add(sock);
    return true;
  }

  void Serve(ConnectionStream& stream) {
    auto stopping = [this] { return svr_sock_ == INVALID_SOCKET; };
    current_connection = &stream;
    struct Reset {
      ~Reset() { current_connection = nullptr; }
    } reset;
    for (size_t served = 0; served < limits_.keep_alive_max_requests; ++served) {
      if (!stream.WaitForRequest(limits_.keep_alive_timeout, stopping)) return;
      stream.BeginRequest(Clock::now() + limits_.request_timeout);
      close_after_answer = false;
      bool connection_closed = false;
      const bool last = served + 1 == limits_.keep_alive_max_requests;
      const bool ok = process_request(stream, last, connection_closed, nullptr);
      if (!ok || connection_closed || stream.failed() || close_after_answer) return;
    }
  }

  bool Admit(const std::string& address) {
    std::lock_guard lock(mutex_);
    size_t& open = by_address_[address];
    if (limits_.max_connections_per_address > 0 && open >= limits_.max_connections_per_address) {
      ++refused_;
      return false;
    }
    ++open;
    return true;
  }

  void Leave(const std::string& address) {
    std::lock_guard lock(mutex_);
    auto it = by_address_.find(address);
    if (it != by_address_.end() && --it->second == 0) by_address_.erase(it);
  }

  const HttpLimits limits_;
  Lingerer linger_;
  mutable std::mutex mutex_;
  std::map<std::string, size_t> by_address_;  // Open connections by client address.
  uint64_t refused_ = 0;
};

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
          close_after_answer = true;
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
          close_after_answer = true;
          return httplib::Server::HandlerResponse::Handled;
        }
        if (ContentLength(request) > max_body) {
          SendError(response, grpc::StatusCode::INVALID_ARGUMENT,
                    "request body larger than " + std::to_string(max_body) + " bytes");
          response.status = 413;
          response.set_header("Connection", "close");
          close_after_answer = true;
          return httplib::Server::HandlerResponse::Handled;
        }
        return httplib::Server::HandlerResponse::Unhandled;
      });
}

// One /v1/<Method> request: parsed into the method's request message, called over the
// in-process channel, and the answer (or its error) written as JSON.
void AnswerUnary(grpc::GenericStub& stub, const httplib::Request& request,
                 httplib::Response& response) {
  auto call = ParseHttpCall(std::string(request.matches[1]), request.params,
                            request.method == "POST" ? request.body : std::string());
  if (!call.ok()) {
    SendError(response, call.status());
    return;
  }
  std::string bytes;
  grpc::Status status =
      CallUnary(stub, "/" + call->method->service()->full_name() + "/" + call->method->name(),
                *call->request, bytes);
  if (!status.ok()) {
    SendError(response, status.error_code(), status.error_message());
    return;
  }
  auto* factory = google::protobuf::MessageFactory::generated_factory();
  std::unique_ptr<Message> answer(factory->GetPrototype(call->method->output_type())->New());
  if (!answer->ParseFromString(bytes)) {
    SendError(response, grpc::StatusCode::INTERNAL, "unreadable response");
    return;
  }
  // Never an empty 200: an answer that has no JSON form is reported as the error it is.
  auto json = ToJson(*answer);
  if (!json.ok()) {
    spdlog::error("/v1/{}: {}", call->method->name(), json.status().message());
    SendError(response, json.status());
    return;
  }
  response.set_content(*json + "\n", "application/json");
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
      if (current_connection != nullptr && current_connection->PeerClosed()) return false;
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

// Every other GET: the static files (the portal), "/" being "/index.html"; 404 for the rest.
void InstallStaticFiles(httplib::Server& server, StaticFiles files) {
  auto shared_files = std::make_shared<StaticFiles>(std::move(files));
  server.Get(R"(/(.*))",
             [shared_files](const httplib::Request& request, httplib::Response& response) {
               std::string path = request.path == "/" ? "/index.html" : request.path;
               auto it = shared_files->find(path);
               if (it == shared_files->end()) {
                 response.status = 404;
                 response.set_content("not found\n", "text/plain");
                 return;
               }
               response.set_content(it->second.second, it->second.first.c_str());
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

Result<std::unique_ptr<HttpGateway>> HttpGateway::Start(const std::string& listen,
                                                        std::shared_ptr<grpc::Channel> channel,
                                                        StaticFiles files,
                                                        ExportFunction export_contest,
                                                        HttpLimits limits) {
  auto address = SplitListen(listen);
  if (!address.ok()) return address.status();
  const auto& [host, port] = *address;
  limits.max_event_streams = std::max<size_t>(1, limits.max_event_streams);
  limits.workers = std::max<size_t>(1, limits.workers);
  limits.keep_alive_max_requests = std::max<size_t>(1, limits.keep_alive_max_requests);

  std::unique_ptr<HttpGateway> gateway(new HttpGateway());
  gateway->server_ = std::make_unique<GuardedServer>(limits);
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
  InstallUnaryApi(server, std::make_shared<grpc::GenericStub>(std::move(channel)));
  if (export_contest) InstallExport(server, std::move(export_contest));
  InstallStaticFiles(server, std::move(files));

  if (port == 0) {
    gateway->port_ = server.bind_to_any_port(host);
  } else {
    gateway->port_ = server.bind_to_port(host, port) ? port : -1;
  }
  if (gateway->port_ <= 0) return Status::Error("cannot bind HTTP to " + listen);
  static_cast<GuardedServer&>(server).WidenBacklog();
  gateway->thread_ = std::thread([&server] { server.listen_after_bind(); });
  return gateway;
}

uint64_t HttpGateway::refused_connections() const {
  return static_cast<const GuardedServer&>(*server_).refused();
}

HttpGateway::~HttpGateway() {
  stopping_->store(true);
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace hattama::publication
