// cpp-httplib's server with its connection loop replaced by one that holds every connection to
// HttpLimits (http_server.h): admission by the count of open connections, in all and per client
// address; a deadline and a byte budget for each request from its first byte; a bounded wait for
// the next request; a bounded number of requests. Requests are still parsed, routed and answered
// by httplib (process_request), so routes are installed as on any httplib::Server.
//
// Thread-safety: as httplib::Server; the admission counts are guarded by a mutex.
#pragma once

#include <httplib.h>

#include <map>
#include <mutex>
#include <string>

#include "services/tlog/http_server.h"

namespace hattama::transparency {

class GuardedHttpServer final : public httplib::Server {
 public:
  explicit GuardedHttpServer(const HttpLimits& limits);

 private:
  bool process_and_close_socket(socket_t sock) override;
  // Empty when `address` may open one more connection; else why not, for the 503.
  std::string Admit(const std::string& address);
  void Leave(const std::string& address);
  bool stopping() const { return svr_sock_ == INVALID_SOCKET; }

  const HttpLimits limits_;
  std::mutex mutex_;
  std::size_t open_ = 0;                           // guarded by mutex_
  std::map<std::string, std::size_t> by_address_;  // guarded by mutex_
};

}  // namespace hattama::transparency
