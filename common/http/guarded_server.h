// cpp-httplib's server with its connection loop replaced by one that holds every connection to
// ConnectionLimits, so that slow or hostile sockets cannot starve real readers of worker threads:
// admission by the count of open connections, in all and per client address (beyond: 503 naming
// the flag, then closed); a deadline and a byte budget for each request from its first byte (a
// client that trickles its request a byte at a time, slowloris, is dropped however often it
// sends); a bounded wait for the next request; a bounded number of requests a connection; and a
// lingering close, so that a client still sending reads the answer (a 413, a 503) rather than a
// reset. Requests are still parsed, routed and answered by httplib (process_request), so routes
// are installed as on any httplib::Server.
//
// Thread-safety: as httplib::Server; the admission counts are guarded by a mutex. The static
// functions act on the connection of the calling worker thread (from a handler or a content
// provider).
#pragma once

#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace hattama::http {

// Each is a flag of the services (limit_flags.h declares them).
struct ConnectionLimits {
  // Connections open at once (--http-max-connections); 0: no cap.
  std::size_t max_connections = 0;
  // Connections open at once from one client address (--http-max-connections-per-address); 0: no
  // cap. Behind a reverse proxy every client has the proxy's address: set 0, let the proxy limit.
  std::size_t max_connections_per_address = 64;
  // Time from the first byte of a request to its end (--http-request-timeout).
  std::chrono::milliseconds request_timeout{10000};
  // How long a connection may wait for its first or next request (--http-keep-alive-timeout).
  std::chrono::milliseconds keep_alive_timeout{5000};
  // Requests served on one connection before it is closed (--http-keep-alive-max-requests).
  std::size_t keep_alive_max_requests = 100;
  // Bytes of one request: line, headers and body; more drops the connection. It is also httplib's
  // payload limit (a body announced larger is answered 413), which a server may lower after.
  std::size_t max_request_bytes = 16 * 1024;
};

class Lingerer;

class GuardedServer final : public httplib::Server {
 public:
  explicit GuardedServer(const ConnectionLimits& limits);
  ~GuardedServer() override;

  // Binds host:port (port 0: a free one) with a backlog wide enough for a burst of connections;
  // the port bound, or -1.
  int Bind(const std::string& host, int port);

  // Connections refused by a cap since start.
  uint64_t refused() const;

  // From a handler: the connection ends after this answer (a 413 whose body was never read).
  static void CloseAfterAnswer();
  // From a handler or content provider: the client of this connection closed (or reset) its
  // side, so an event stream, which expects nothing more from it, may end.
  static bool ClientClosed();

 private:
  bool process_and_close_socket(socket_t sock) override;
  // Empty when `address` may open one more connection; else why not, for the 503.
  std::string Admit(const std::string& address);
  void Leave(const std::string& address);
  bool stopping() const { return svr_sock_ == INVALID_SOCKET; }

  const ConnectionLimits limits_;
  std::unique_ptr<Lingerer> linger_;
  mutable std::mutex mutex_;
  std::size_t open_ = 0;                           // guarded by mutex_
  std::map<std::string, std::size_t> by_address_;  // guarded by mutex_
  uint64_t refused_ = 0;                           // guarded by mutex_
};

}  // namespace hattama::http
