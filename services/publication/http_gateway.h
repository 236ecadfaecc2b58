// The HTTP/JSON mirror of the publication gRPC API. Every unary method of the services publication
// hosts (PublicationService, DeploymentService, AnalysisService) is served at /v1/<Method>: GET
// with the request's fields as query parameters (?area_id=kz&contest_id=mazhilis), or POST with the
// request as a JSON body. Requests and responses use protobuf's JSON mapping with the proto field
// names, so the HTTP API is the gRPC API, field for field. Calls go through an in-process gRPC
// channel to the same service, so the mirror needs no code of its own per method and cannot drift
// from it.
//
// GET /v1/Watch?contest_id=...&area_id=...&area_id=...&official=true mirrors the server-streaming
// Watch as Server-Sent Events (text/event-stream): each AreaTotals is one event named "totals"
// whose data is the same JSON as /v1/GetAreaTotals; a comment line every 15 s keeps proxies from
// closing an idle stream; when the gRPC stream ends, an "end" event carries its {code, message}.
// Each event stream holds one HTTP worker thread for its life, so their number is capped: beyond
// the cap the answer is 503 with a JSON error.
// Every connection is bounded (HttpLimits): the request line, headers and body must arrive within
// a deadline and a byte budget, bodies beyond a size are refused with 413 before they are read,
// an idle kept-alive connection is closed, and one client address holds at most so many
// connections, so that slow or hostile sockets cannot starve real readers of worker threads
// (common/http/guarded_server.h, shared with hattama-tlog).
// With a totals function, GET /v1/GetAreaTotals and /v1/GetOfficialTotals of an area and contest
// answer the JSON the store keeps encoded for GetAreaTotals' cached answer (the same message,
// printed once per change), without a call through the channel; anything else about them goes
// the generic way.
// Failures answer {"code":"<gRPC code name>","message":...} with the HTTP status of that code
// (common/base/status_grpc.h): overload is 503 (or 429), never 404.
#pragma once

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "common/base/result.h"
#include "common/http/guarded_server.h"
#include "services/publication/http_request.h"
#include "services/publication/totals_cache.h"

namespace hattama::publication {

// Static files served beside the API: path ("/index.html") -> (content type, bytes).
using StaticFiles = std::map<std::string, std::pair<std::string, std::string>>;

// Open-data export of one contest: (contest_id, csv) -> the file (CSV, or JSON Lines when !csv),
// shared (see ExportCache). kNotFound answers 404, kUnavailable 503.
using ExportFunction = std::function<Result<std::shared_ptr<const std::string>>(
    const std::string& contest_id, bool csv)>;

// The limits of the HTTP side; each is a flag of hattama-publication (see main.cc, README).
struct HttpLimits {
  // Most /v1/Watch event streams open at once (each holds a worker thread); beyond: 503.
  size_t max_event_streams = 256;
  // Worker threads for everything but event streams (unary API, export, portal files).
  size_t workers = 64;
  // Most connections open at once from one client address (0: no cap); beyond, a connection is
  // answered 503 and closed. Behind a reverse proxy every client has the proxy's address: set 0
  // and let the proxy limit.
  size_t max_connections_per_address = 64;
  // Time from the first byte of a request to the end of its body; a slower request is dropped.
  std::chrono::milliseconds request_timeout{10000};
  // How long a connection may wait for its (next) request before it is closed.
  std::chrono::milliseconds keep_alive_timeout{5000};
  // Requests served on one connection before it is closed.
  size_t keep_alive_max_requests = 100;
  // Largest request body (a POST's JSON); larger: 413 before the body is read. Chunked request
  // bodies are refused with 411.
  size_t max_body_bytes = 64 * 1024;
  // Most bytes of request line and headers of one request; more: the connection is dropped.
  size_t max_header_bytes = 32 * 1024;

  // The bounds every connection is held to, as the guarded server takes them: one request's
  // budget is its headers and its body.
  http::ConnectionLimits connections() const;
  // Takes the bounds of the shared flags (common/http/limit_flags.h); the byte limits stay.
  void SetConnections(const http::ConnectionLimits& limits);
};

// The JSON of a total, as PublishedStore::ReadTotalsJson answers it.
using TotalsJsonFunction =
    std::function<Result<std::shared_ptr<const CachedTotals::Encoding>>(const TotalsKey& key)>;

// The body GET (or, with `body`, POST) /v1/<method_name> answers with 200, made as the gateway
// makes it: the request parsed by ParseHttpCall, the call through `stub` (the in-process channel),
// the answer printed by ToJson with a final newline; or the gRPC status of the failure the gateway
// answers instead. The snapshot files (snapshot_publisher.h) are made by it, so that a file is the
// mirror's answer byte for byte. Safe from any thread.
grpc::Status MirrorJson(grpc::GenericStub& stub, std::string_view method_name,
                        const QueryParams& params, std::string_view body, std::string& json);

class HttpGateway {
 public:
  // Binds `listen` ("host:port") and serves until destroyed. `channel` reaches the gRPC service
  // (e.g. grpc::Server::InProcessChannel). "/" serves "/index.html" of `files` when there is one.
  // With `export_contest`, /export/<contest_id>.csv and .jsonl serve the open-data files. With
  // `totals_json`, a total's JSON comes from it (see above) rather than through the channel.
  static Result<std::unique_ptr<HttpGateway>> Start(const std::string& listen,
                                                    std::shared_ptr<grpc::Channel> channel,
                                                    StaticFiles files = {},
                                                    ExportFunction export_contest = nullptr,
                                                    HttpLimits limits = {},
                                                    TotalsJsonFunction totals_json = nullptr);
  ~HttpGateway();  // Stops accepting, finishes the requests in flight.

  int port() const { return port_; }
  // Connections refused for the per-address cap since start.
  uint64_t refused_connections() const;

 private:
  HttpGateway() = default;
  std::unique_ptr<http::GuardedServer> server_;
  // Set first on destruction: open event streams end within a quarter second.
  std::shared_ptr<std::atomic<bool>> stopping_ = std::make_shared<std::atomic<bool>>(false);
  std::thread thread_;
  int port_ = 0;
};

}  // namespace hattama::publication
