#include "common/http/guarded_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace hattama::http {
namespace {

using Clock = std::chrono::steady_clock;

// How often a blocked read looks at the server stopping, so that a slow request does not hold up
// the server's shutdown.
constexpr int kStopCheckMs = 100;
// How long one write may wait for a client that does not read.
constexpr int kWriteTimeoutMs = 5000;
// After the last answer on a connection, how long unread input is drained before closing, so
// that the client reads the answer (e.g. a 413 or a 503) instead of a reset.
constexpr auto kLingerTime = std::chrono::milliseconds(2000);

// "ip" of a socket's peer, or of its own end.
std::string AddressOf(int fd, bool peer, int& port) {
  sockaddr_storage address{};
  socklen_t length = sizeof(address);
  auto* raw = reinterpret_cast<sockaddr*>(&address);
  port = 0;
  if ((peer ? getpeername(fd, raw, &length) : getsockname(fd, raw, &length)) != 0) return "";
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
  return text;
}

// One connection as httplib reads and writes it: every read of a request counts against the
// request's deadline and byte budget (BeginRequest), however the client spaces its bytes. Used by
// one worker thread.
class BoundedStream final : public httplib::Stream {
 public:
  BoundedStream(int fd, std::size_t budget, std::function<bool()> stopping)
      : fd_(fd), budget_(budget), stopping_(std::move(stopping)) {
    remote_ip_ = AddressOf(fd_, true, remote_port_);
  }

  // The client's address, "ip".
  const std::string& remote_ip() const { return remote_ip_; }

  void BeginRequest(Clock::time_point deadline) {
    deadline_ = deadline;
    used_ = 0;
    hold_next_write_ = true;
  }
  // The request could not be read in time or within its budget: the connection ends.
  bool failed() const { return failed_; }

  // Waits up to `timeout` for the first bytes of the next request and receives them; false when
  // none came, the client closed, or the server stops.
  bool WaitForRequest(std::chrono::milliseconds timeout) {
    if (buffered()) return true;
    const auto until = Clock::now() + timeout;
    while (!stopping_()) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
      if (left <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      const int ready = poll(&p, 1, static_cast<int>(std::min<int64_t>(left, kStopCheckMs)));
      if (ready < 0 && errno != EINTR) return false;
      if (ready > 0) {
        const Received got = Receive();
        if (got != Received::kNothingYet) return got == Received::kBytes;
      }
    }
    return false;
  }

  // The client closed or reset its side. (An answer to an ordinary request is still written to a
  // client that only half-closed.)
  bool PeerClosed() const {
    char byte;
    const ssize_t peeked = recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (peeked == 0) return true;
    return peeked < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
  }

  bool is_readable() const override {
    if (buffered()) return true;
    pollfd p{fd_, POLLIN, 0};
    return poll(&p, 1, RemainingMs()) > 0;
  }

  // Flushes a held answer head first (see write): httplib writes only once the answer is whole,
  // or asks before each piece of a content provider.
  bool is_writable() const override { return Flush() && WaitWritable(); }

  // httplib reads a request's line and headers a byte at a time: they come from a buffer filled
  // by one recv, not a system call a byte. The recv is tried before any poll: in the middle of a
  // request the bytes are usually there already.
  ssize_t read(char* ptr, size_t size) override {
    if (failed_ || !Flush()) return Fail();
    while (!buffered()) {
      const Received got = Receive();
      if (got == Received::kBytes) break;
      if (got == Received::kClosed) return -1;
      const int wait = RemainingMs();
      if (wait <= 0 || stopping_()) return Fail();
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, std::min(wait, kStopCheckMs)) < 0 && errno != EINTR) return Fail();
    }
    const std::size_t n = std::min(size, buffer_.size() - buffer_from_);
    if (used_ + n > budget_) return Fail();
    std::memcpy(ptr, buffer_.data() + buffer_from_, n);
    buffer_from_ += n;
    used_ += n;
    return static_cast<ssize_t>(n);
  }

  // httplib writes an answer's status line and headers, then its body, by two writes: with
  // TCP_NODELAY two segments, and a client that wakes for each (measured: see README, What limits
  // it). So the head of an answer with a Content-Length is held and sent with the next write; it
  // goes alone when the stream is read, asked whether it is writable (before each piece of a
  // content provider) or the answer ends (FinishAnswer).
  ssize_t write(const char* ptr, size_t size) override {
    if (hold_next_write_) {
      hold_next_write_ = false;
      // Only a head whose body follows at once; an event stream's (chunked) goes now.
      if (std::string_view(ptr, size).find("\r\nContent-Length: ") != std::string_view::npos) {
        held_.assign(ptr, size);
        return static_cast<ssize_t>(size);
      }
    }
    if (!held_.empty() && size <= kMaxCoalesced) {
      held_.append(ptr, size);
      return Flush() ? static_cast<ssize_t>(size) : -1;
    }
    if (!Flush()) return -1;
    return SendAll(ptr, size) ? static_cast<ssize_t>(size) : -1;
  }

  // The answer is complete: what is held goes out. False when the connection failed.
  bool FinishAnswer() {
    hold_next_write_ = false;
    return Flush();
  }

  // httplib asks for both ends at every request: each is looked up once a connection (they were
  // two system calls a request, 3 % of publication's CPU answering cached totals).
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = remote_ip_;
    port = remote_port_;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    if (local_ip_.empty()) local_ip_ = AddressOf(fd_, false, local_port_);
    ip = local_ip_;
    port = local_port_;
  }
  socket_t socket() const override { return fd_; }

 private:
  // Most body bytes copied behind a held head to send both at once; a larger body goes apart.
  static constexpr std::size_t kMaxCoalesced = 64 * 1024;
  enum class Received { kBytes, kNothingYet, kClosed };

  // One recv into the empty buffer, without waiting.
  Received Receive() {
    buffer_.resize(4096);
    buffer_from_ = 0;
    const ssize_t got = recv(fd_, buffer_.data(), buffer_.size(), MSG_DONTWAIT);
    buffer_.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
    if (got > 0) return Received::kBytes;
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      return Received::kNothingYet;
    }
    return Received::kClosed;
  }

  bool WaitWritable() const {
    pollfd p{fd_, POLLOUT, 0};
    return poll(&p, 1, kWriteTimeoutMs) > 0 && (p.revents & (POLLERR | POLLHUP)) == 0;
  }

  bool SendAll(const char* ptr, std::size_t size) const {
    std::size_t sent = 0;
    while (sent < size) {
      const ssize_t n = send(fd_, ptr + sent, size - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        sent += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && WaitWritable()) continue;
      return false;
    }
    return true;
  }

  // Sends the held head (and what was added to it); const because is_writable is.
  bool Flush() const {
    if (held_.empty()) return true;
    const bool sent = SendAll(held_.data(), held_.size());
    held_.clear();
    return sent;
  }

  int RemainingMs() const {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now()).count();
    return static_cast<int>(std::max<int64_t>(0, left));
  }
  ssize_t Fail() {
    failed_ = true;
    return -1;
  }
  bool buffered() const { return buffer_from_ < buffer_.size(); }

  const int fd_;
  const std::size_t budget_;
  const std::function<bool()> stopping_;
  Clock::time_point deadline_ = Clock::now();
  std::size_t used_ = 0;
  bool failed_ = false;
  std::string buffer_;  // received, not yet handed to httplib from buffer_from_ on
  std::size_t buffer_from_ = 0;
  bool hold_next_write_ = false;  // the next write is an answer's head
  mutable std::string held_;      // written by httplib, not sent yet
  std::string remote_ip_;
  int remote_port_ = 0;
  mutable std::string local_ip_;  // looked up at the first request that asks
  mutable int local_port_ = 0;
};

// Set by a handler that answered so that the connection must not serve another request: the
// worker's connection loop closes it after the answer.
thread_local bool close_after_answer = false;
// The connection the worker thread is serving (handlers and content providers run on it).
thread_local const BoundedStream* current_connection = nullptr;

// The 503 of a connection not let in.
std::string RefusalAnswer(const std::string& why) {
  const std::string body = R"({"code":"UNAVAILABLE","message":")" + why + "; retry later\"}\n";
  return "HTTP/1.1 503 Service Unavailable\r\n"
         "Content-Type: application/json\r\nRetry-After: 5\r\n"
         "Connection: close\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

}  // namespace

// Closes finished connections gently on one thread of its own: half-closes each, then reads and
// drops what the client still sends for kLingerTime (or until it closes), so that closing with
// unread input does not reset the connection before the client read the answer. Worker threads
// hand their sockets over and move on. Thread-safe.
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
  static constexpr std::size_t kMaxLingering = 4096;
  using Lingering = std::vector<std::pair<int, Clock::time_point>>;

  void Run() {
    while (true) {
      Lingering sockets;
      {
        std::lock_guard lock(mutex_);
        if (quit_) return;
        sockets.swap(sockets_);
      }
      Lingering keep = DrainOnce(sockets);
      std::lock_guard lock(mutex_);
      sockets_.insert(sockets_.end(), keep.begin(), keep.end());
    }
  }

  // One turn: waits up to 20 ms for input, drops it, closes the sockets done; the rest.
  static Lingering DrainOnce(const Lingering& sockets) {
    std::vector<pollfd> polls;
    for (const auto& [fd, until] : sockets) polls.push_back({fd, POLLIN, 0});
    if (!polls.empty()) {
      poll(polls.data(), polls.size(), 20);
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    char scratch[4096];
    Lingering keep;
    const auto now = Clock::now();
    for (std::size_t i = 0; i < sockets.size(); ++i) {
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
    return keep;
  }

  std::mutex mutex_;
  Lingering sockets_;  // guarded by mutex_
  bool quit_ = false;  // guarded by mutex_
  std::thread thread_;
};

GuardedServer::GuardedServer(const ConnectionLimits& limits)
    : limits_(limits), linger_(std::make_unique<Lingerer>()) {
  set_payload_max_length(limits_.max_request_bytes);
  // httplib's default adds SO_REUSEPORT, which would let another process bind the same port and
  // take part of the connections (a port handed out twice in a test run went to gRPC and to an
  // HTTP server at once); only SO_REUSEADDR (restart over TIME_WAIT) is wanted.
  set_socket_options([](socket_t socket) {
    int yes = 1;
    ::setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
}

GuardedServer::~GuardedServer() = default;

int GuardedServer::Bind(const std::string& host, int port) {
  int bound = -1;
  if (port == 0) {
    bound = bind_to_any_port(host);
  } else if (bind_to_port(host, port)) {
    bound = port;
  }
  // httplib listens with a backlog of 5: a burst of connections (a crowd, or slow sockets that
  // arrive together) would wait out SYN retransmits of a second or more. Listening again on the
  // bound socket widens it.
  if (bound > 0 && svr_sock_ != INVALID_SOCKET) ::listen(svr_sock_, SOMAXCONN);
  return bound > 0 ? bound : -1;
}

uint64_t GuardedServer::refused() const {
  std::lock_guard lock(mutex_);
  return refused_;
}

void GuardedServer::CloseAfterAnswer() { close_after_answer = true; }

bool GuardedServer::ClientClosed() {
  return current_connection != nullptr && current_connection->PeerClosed();
}

std::string GuardedServer::Admit(const std::string& address) {
  std::lock_guard lock(mutex_);
  if (limits_.max_connections > 0 && open_ >= limits_.max_connections) {
    ++refused_;
    return "too many HTTP connections open (" + std::to_string(limits_.max_connections) +
           ", --http-max-connections)";
  }
  std::size_t& from_address = by_address_[address];
  if (limits_.max_connections_per_address > 0 &&
      from_address >= limits_.max_connections_per_address) {
    if (from_address == 0) by_address_.erase(address);
    ++refused_;
    return "too many HTTP connections from " + address + " (" +
           std::to_string(limits_.max_connections_per_address) +
           ", --http-max-connections-per-address)";
  }
  ++from_address;
  ++open_;
  return "";
}

void GuardedServer::Leave(const std::string& address) {
  std::lock_guard lock(mutex_);
  --open_;
  auto it = by_address_.find(address);
  if (it != by_address_.end() && --it->second == 0) by_address_.erase(it);
}

bool GuardedServer::process_and_close_socket(socket_t sock) {
  BoundedStream stream(sock, limits_.max_request_bytes, [this] { return stopping(); });
  const std::string address = stream.remote_ip();
  if (std::string refused = Admit(address); !refused.empty()) {
    const std::string answer = RefusalAnswer(refused);
    stream.write(answer.data(), answer.size());
    linger_->Add(sock);
    return true;
  }
  current_connection = &stream;
  const std::size_t most = std::max<std::size_t>(1, limits_.keep_alive_max_requests);
  for (std::size_t served = 0; served < most; ++served) {
    if (!stream.WaitForRequest(limits_.keep_alive_timeout)) break;
    stream.BeginRequest(Clock::now() + limits_.request_timeout);
    close_after_answer = false;
    bool connection_closed = false;
    const bool ok = process_request(stream, served + 1 == most, connection_closed, nullptr);
    if (!stream.FinishAnswer()) break;
    if (!ok || connection_closed || stream.failed() || close_after_answer) break;
  }
  current_connection = nullptr;
  Leave(address);
  linger_->Add(sock);
  return true;
}

}  // namespace hattama::http
