// The desk's web side: its page (web/, compiled in) and its JSON API (desk.proto's messages in
// protobuf's JSON mapping), over cpp-httplib with every connection bounded (GuardedServer). An
// operator signs in with a name and token (POST /api/login) and gets a session cookie; every other
// /api/ call needs it.
//
//   POST /api/login                  LoginRequest -> Operator (+ cookie)
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
  // `sender_error` says why the queue is not getting through (shown in the progress), may be null.
  static Result<std::unique_ptr<DeskServer>> Start(const std::string& listen, Desk& desk,
                                                   http::ConnectionLimits limits,
                                                   std::function<std::string()> sender_error);
  ~DeskServer();
  int port() const { return port_; }

 private:
  DeskServer() = default;
  std::unique_ptr<http::GuardedServer> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace hattama::desk
