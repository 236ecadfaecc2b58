#include "services/tlog/guarded_http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>

namespace hattama::transparency {
namespace {

using Clock = std::chrono::steady_clock;

// How often a blocked read looks at the server stopping.
constexpr int kStopCheckMs = 100;
// How long one write may wait for a client that does not read.
constexpr int kWriteTimeoutMs = 5000;
// How long a refused connection's unread request is drained before closing, so that the client
// reads the 503 instead of a reset.
constexpr int kDrainMs = 200;

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
// request's deadline and byte budget (BeginRequest), however the client spaces its bytes.
class BoundedStream final : public httplib::Stream {
 public:
  BoundedStream(int fd, std::size_t budget, std::function<bool()> stopping)
      : fd_(fd), budget_(budget), stopping_(std::move(stopping)) {}

  void BeginRequest(Clock::time_point deadline) {
    deadline_ = deadline;
    used_ = 0;
  }
  bool failed() const { return failed_; }

  // Waits up to `timeout` for the first byte of the next request; false when none came, the
  // client closed, or the server stops.
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
        char byte;
        return recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT) > 0;
      }
    }
    return false;
  }

  bool is_readable() const override {
    if (buffered()) return true;
    pollfd p{fd_, POLLIN, 0};
    return poll(&p, 1, RemainingMs()) > 0;
  }

  bool is_writable() const override {
    pollfd p{fd_, POLLOUT, 0};
    return poll(&p, 1, kWriteTimeoutMs) > 0 && (p.revents & (POLLERR | POLLHUP)) == 0;
  }

  // httplib reads a request's line and headers a byte at a time: they come from a buffer filled
  // by one recv, not a system call a byte.
  ssize_t read(char* ptr, size_t size) override {
    if (failed_) return -1;
    if (!buffered()) {
      buffer_.resize(4096);
      buffer_from_ = 0;
      while (true) {
        const int wait = RemainingMs();
        if (wait <= 0 || stopping_()) return Fail();
        pollfd p{fd_, POLLIN, 0};
        const int ready = poll(&p, 1, std::min(wait, kStopCheckMs));
        if (ready == 0 || (ready < 0 && errno == EINTR)) continue;
        if (ready < 0) return Fail();
        const ssize_t got = recv(fd_, buffer_.data(), buffer_.size(), MSG_DONTWAIT);
        if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) continue;
        if (got <= 0) {
          buffer_.clear();
          return got;
        }
        buffer_.resize(static_cast<std::size_t>(got));
        break;
      }
    }
    const std::size_t n = std::min(size, buffer_.size() - buffer_from_);
    if (used_ + n > budget_) return Fail();
    std::memcpy(ptr, buffer_.data() + buffer_from_, n);
    buffer_from_ += n;
    used_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    std::size_t sent = 0;
    while (sent < size) {
      const ssize_t n = send(fd_, ptr + sent, size - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        sent += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && is_writable()) continue;
      return -1;
    }
    return static_cast<ssize_t>(sent);
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = AddressOf(fd_, true, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = AddressOf(fd_, false, port);
  }
  socket_t socket() const override { return fd_; }

 private:
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
};

// Answers a connection that is not let in, then closes it.
void Refuse(int fd, const std::string& why) {
  const std::string body = R"({"code":"UNAVAILABLE","message":")" + why + "; retry later\"}\n";
  const std::string answer =
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 5\r\n"
      "Connection: close\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  (void)send(fd, answer.data(), answer.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  shutdown(fd, SHUT_WR);
  const auto until = Clock::now() + std::chrono::milliseconds(kDrainMs);
  char scratch[4096];
  while (Clock::now() < until) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, kDrainMs) <= 0) break;
    if (recv(fd, scratch, sizeof(scratch), MSG_DONTWAIT) <= 0) break;
  }
  close(fd);
}

}  // namespace

GuardedHttpServer::GuardedHttpServer(const HttpLimits& limits) : limits_(limits) {
  set_payload_max_length(limits_.max_request_bytes);
}

std::string GuardedHttpServer::Admit(const std::string& address) {
  std::lock_guard lock(mutex_);
  if (open_ >= limits_.max_connections) {
    return "too many HTTP connections open (" + std::to_string(limits_.max_connections) +
           ", --http-max-connections)";
  }
  std::size_t& from_address = by_address_[address];
  if (limits_.max_connections_per_address > 0 &&
      from_address >= limits_.max_connections_per_address) {
    if (from_address == 0) by_address_.erase(address);
    return "too many HTTP connections from " + address + " (" +
           std::to_string(limits_.max_connections_per_address) +
           ", --http-max-connections-per-address)";
  }
  ++from_address;
  ++open_;
  return "";
}

void GuardedHttpServer::Leave(const std::string& address) {
  std::lock_guard lock(mutex_);
  --open_;
  auto it = by_address_.find(address);
  if (it != by_address_.end() && --it->second == 0) by_address_.erase(it);
}

bool GuardedHttpServer::process_and_close_socket(socket_t sock) {
  int port = 0;
  const std::string address = AddressOf(sock, true, port);
  if (std::string refused = Admit(address); !refused.empty()) {
    Refuse(sock, refused);
    return true;
  }
  BoundedStream stream(sock, limits_.max_request_bytes, [this] { return stopping(); });
  for (std::size_t served = 0; served < limits_.keep_alive_max_requests; ++served) {
    if (!stream.WaitForRequest(limits_.keep_alive_timeout)) break;
    stream.BeginRequest(Clock::now() + limits_.request_timeout);
    bool connection_closed = false;
    const bool last = served + 1 == limits_.keep_alive_max_requests;
    const bool ok = process_request(stream, last, connection_closed, nullptr);
    if (!ok || connection_closed || stream.failed()) break;
  }
  Leave(address);
  shutdown(sock, SHUT_RDWR);
  close(sock);
  return true;
}

}  // namespace hattama::transparency
