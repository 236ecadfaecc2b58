// The HTTP/JSON mirror of the publication gRPC API. Every unary method of the services publication
// hosts (PublicationService, DeploymentService, AnalysisService) is served at /v1/<Method>: GET with the request's fields as query
// parameters (?area_id=kz&contest_id=mazhilis), or POST with the request as a JSON body. Requests
// and responses use protobuf's JSON mapping with the proto field names, so the HTTP API is the gRPC
// API, field for field. Calls go through an in-process gRPC channel to the same service, so the
// mirror needs no code of its own per method and cannot drift from it.
//
// GET /v1/Watch?contest_id=...&area_id=...&area_id=...&official=true mirrors the server-streaming
// Watch as Server-Sent Events (text/event-stream): each AreaTotals is one event named "totals"
// whose data is the same JSON as /v1/GetAreaTotals; a comment line every 15 s keeps proxies from
// closing an idle stream; when the gRPC stream ends, an "end" event carries its {code, message}.
// Each event stream holds one HTTP worker thread for its life, so their number is capped: beyond
// the cap the answer is 503 with a JSON error.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "common/base/result.h"

namespace httplib {
class Server;
}

namespace hattama::publication {

// Static files served beside the API: path ("/index.html") -> (content type, bytes).
using StaticFiles = std::map<std::string, std::pair<std::string, std::string>>;

// Open-data export of one contest: (contest_id, csv) -> the file (CSV, or JSON Lines when !csv).
using ExportFunction = std::function<Result<std::string>(const std::string& contest_id, bool csv)>;

class HttpGateway {
 public:
  // Binds `listen` ("host:port") and serves until destroyed. `channel` reaches the gRPC service
  // (e.g. grpc::Server::InProcessChannel). "/" serves "/index.html" of `files` when there is one.
  // With `export_contest`, /export/<contest_id>.csv and .jsonl serve the open-data files.
  // At most `max_event_streams` /v1/Watch streams are open at once.
  static Result<std::unique_ptr<HttpGateway>> Start(const std::string& listen,
                                                    std::shared_ptr<grpc::Channel> channel,
                                                    StaticFiles files = {},
                                                    ExportFunction export_contest = nullptr,
                                                    size_t max_event_streams = 256);
  ~HttpGateway();  // Stops accepting, finishes the requests in flight.

  int port() const { return port_; }

 private:
  HttpGateway() = default;
  std::unique_ptr<httplib::Server> server_;
  // Set first on destruction: open event streams end within a quarter second.
  std::shared_ptr<std::atomic<bool>> stopping_ = std::make_shared<std::atomic<bool>>(false);
  std::thread thread_;
  int port_ = 0;
};

// The HTTP status that stands for a gRPC status code (NOT_FOUND -> 404, UNAVAILABLE -> 503, ...).
int HttpStatusOf(grpc::StatusCode code);

}  // namespace hattama::publication
