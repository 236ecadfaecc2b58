// The desk's web side: its page (web/, compiled in) and its JSON API (desk.proto's messages in
// protobuf's JSON mapping), over cpp-httplib: plain HTTP with every connection bounded
// (GuardedServer), or HTTPS (httplib's SSLServer over Debian's OpenSSL, bounded by httplib's own
// timeouts and payload limit) when given a certificate. An operator signs in with a name and token
// (POST /api/login) and gets a session cookie; every other /api/ call needs it, and answers 401
// once the session is signed out or was idle too long (Desk::SessionOperator). A request with the
// header X-Desk-Background: 1 (the page asking again by itself) does not count as use.
//
//   POST /api/login                  LoginRequest -> Operator (+ cookie)
//   POST /api/logout                 -> {} (the session ends, the cookie is cleared)
//   GET  /api/me                     -> Operator
//   POST /api/photos?station_id=&contest_id=&observer_id=   body: the JPEG or PNG -> Photo
//   GET  /api/photos                 -> PhotoList (newest first)
//   GET  /api/photo?sha256=          -> Photo;  GET /api/photo/image?sha256= -> the image
//   GET  /api/next                   -> NextPhoto
//   GET  /api/form?sha256=           -> Form
//   POST /api/check                  FiguresRequest -> CheckResult (Validate, ingestion's code)
//   POST /api/entries                FiguresRequest -> Photo  (422 + CheckResult when rejected)
//   POST /api/decisions              FiguresRequest -> Photo  (settles a conflict)
//   POST /api/corrections?sha256=    -> Photo  (the next revision of a rejected or flagged one)
//   GET  /api/progress               -> Progress
// Errors answer {"message": ...} with the HTTP status of their kind (common/base/status_grpc.h).
//
// Thread-safety: Start returns a running server; handlers run on its worker threads and call Desk,
// which is thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "common/base/result.h"
#include "common/http/guarded_server.h"
#include "tools/hub/desk/desk.h"

namespace hattama::desk {

class DeskServer {
 public:
  // PEM files of the page's certificate (its chain) and key: both or neither (plain HTTP).
  struct Tls {
    std::string cert_path;
    std::string key_path;
  };

  // `sender_error` says why the queue is not getting through (shown in the progress), may be null.
  static Result<std::unique_ptr<DeskServer>> Start(const std::string& listen, Desk& desk,
                                                   http::ConnectionLimits limits, const Tls& tls,
                                                   std::function<std::string()> sender_error);
  ~DeskServer();
  int port() const { return port_; }

 private:
  DeskServer() = default;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace hattama::desk
