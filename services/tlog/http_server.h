// hattama-tlog's HTTP side, on its own address (--http-listen):
//
//   GET  /tlog/checkpoint              the signed checkpoint (text/plain), Cache-Control max-age=1
//   GET  /tlog/checkpoint.cosigned     the newest checkpoint witnesses cosigned, with their lines
//                                      (witnesses.h; 404 before the first), max-age=1
//   GET  /tlog/tile/<L>/<N>[.p/<W>]    hash tiles, and
//   GET  /tlog/tile/entries/<N>[.p/<W>] entry bundles (application/octet-stream): full ones
//                                      "immutable" for a year, partial ones for 60 s
//   GET|POST /v1/<Method>              TransparencyService as JSON: GET with the request's fields
//                                      as query parameters (?submission_id=s-1&tree_size=120), or
//                                      POST the request as JSON; answers in protobuf's JSON mapping
//                                      with the proto field names, bytes in base64
//   POST /v1/AddCosignature            the one write: {"cosigned_note":"..."} (POST only)
//
// The /tlog/ files are the tiles directory as it stands (tile_store.h): the same bytes any static
// file server would serve from it. Every answer allows any origin to read it (CORS), since all of
// it is public. Failures answer {"code":"<gRPC code name>","message":"..."} with
// the HTTP status of that code (common/base/status_grpc.h); overload is 503 with Retry-After,
// never 404.
//
// Every connection is bounded (HttpLimits, each a flag): connections open at once, in all and
// per client address (beyond: 503 naming the limit, then closed); the bytes of one request and
// the time from its first byte to its end (a slower or larger request drops the connection; a
// body announced larger is answered 413 first); the wait for the next request on a kept-alive
// connection; requests per connection. Worker threads are a fixed pool: connections beyond them
// wait their turn. The bounds are common/http/guarded_server.h's, shared with publication.
//
// Thread-safety: Start and the destructor from one thread; requests are answered on the server's
// own threads, reading the api and the tiles directory, both safe to read concurrently.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "common/base/result.h"
#include "common/http/guarded_server.h"
#include "services/tlog/tile_store.h"
#include "services/tlog/transparency_api.h"

namespace hattama::transparency {

struct HttpLimits {
  std::size_t workers = 16;
  // The connection bounds, each a flag (common/http/limit_flags.h, --http-max-request-bytes).
  http::ConnectionLimits connections{.max_connections = 256,
                                     .max_connections_per_address = 64,
                                     .request_timeout = std::chrono::milliseconds(10000),
                                     .keep_alive_timeout = std::chrono::milliseconds(5000),
                                     .keep_alive_max_requests = 100,
                                     .max_request_bytes = 16 * 1024};
};

class TlogHttpServer {
 public:
  // Binds `listen` ("host:port"; port 0 picks a free one) and serves until destroyed; an error
  // naming the address when it cannot be bound.
  static Result<std::unique_ptr<TlogHttpServer>> Start(const std::string& listen,
                                                       const TransparencyApi& api,
                                                       const TileStore& tiles, HttpLimits limits);
  ~TlogHttpServer();  // Stops accepting and finishes the requests in flight.

  int port() const { return port_; }

 private:
  TlogHttpServer() = default;
  std::unique_ptr<http::GuardedServer> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace hattama::transparency
