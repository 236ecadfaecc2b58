// Raw TCP clients for tests of the HTTP side's limits: sockets that send part of a request and
// stall (slowloris), from a chosen loopback source address, and the RSS of a process. Blocking
// sockets; every wait has a deadline.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <string>

namespace hattama::testing {

// A TCP connection to 127.0.0.1:`port`, from `source` (another loopback address such as
// "127.0.0.2", so that it counts as another client) when not empty; -1 when it fails, with errno
// saying why.
inline int ConnectFrom(int port, const std::string& source = "") {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  if (!source.empty()) {
    // The source port is chosen by connect(), which picks one whose whole four-tuple is free.
    // bind() alone would pick a port free on `source` only: one that a closed earlier connection
    // to a server since restarted on the same port still holds in TIME_WAIT, and the connection
    // fails (seen once in CI).
    const int no_port = 1;
    setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &no_port, sizeof(no_port));
    sockaddr_in local{};
    local.sin_family = AF_INET;
    inet_pton(AF_INET, source.c_str(), &local.sin_addr);
    if (bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0) {
      const int error = errno;
      close(fd);
      errno = error;
      return -1;
    }
  }
  sockaddr_in server{};
  server.sin_family = AF_INET;
  server.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &server.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&server), sizeof(server)) != 0) {
    const int error = errno;
    close(fd);
    errno = error;
    return -1;
  }
  return fd;
}

inline bool SendAll(int fd, const std::string& text) {
  size_t sent = 0;
  while (sent < text.size()) {
    ssize_t n = send(fd, text.data() + sent, text.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

// What the server sent within `timeout`, up to when it closed the connection or `until` appeared.
inline std::string ReadUntil(int fd, std::chrono::milliseconds timeout,
                             const std::string& until = "\r\n\r\n") {
  std::string got;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buffer[4096];
  while (got.find(until) == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() < 0) break;
    pollfd p{fd, POLLIN, 0};  // A timeout of 0 still takes what already arrived.
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    got.append(buffer, static_cast<size_t>(n));
  }
  return got;
}

// True once the server closed (or reset) the connection, within `timeout`; data is discarded.
inline bool ClosedWithin(int fd, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buffer[4096];
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    if (recv(fd, buffer, sizeof(buffer), 0) <= 0) return true;
  }
}

}  // namespace hattama::testing
