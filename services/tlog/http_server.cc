#include "services/tlog/http_server.h"

#include <google/protobuf/util/json_util.h>
#include <spdlog/spdlog.h>

#include <functional>

#include "common/base/json_string.h"
#include "common/base/status_grpc.h"
#include "common/http/serve_thread.h"
#include "common/tlog/tile.h"

namespace hattama::transparency {
namespace {

using google::protobuf::Message;

constexpr char kCheckpointCache[] = "public, max-age=1";
constexpr char kFullTileCache[] = "public, max-age=31536000, immutable";
constexpr char kPartialTileCache[] = "public, max-age=60";

void SendError(httplib::Response& response, const Status& status) {
  const grpc::Status mapped = ToGrpc(status);
  response.status = HttpStatusOf(mapped.error_code());
  if (mapped.error_code() == grpc::StatusCode::UNAVAILABLE ||
      mapped.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
    response.set_header("Retry-After", "5");
  }
  response.set_content("{\"code\":" + JsonString(CodeName(mapped.error_code())) +
                           ",\"message\":" + JsonString(mapped.error_message()) + "}\n",
                       "application/json");
}

// The request of /v1/<Method>: the POSTed JSON body, or the query parameters as a JSON object of
// strings (protobuf's JSON parser takes numbers given as strings). InvalidArgument naming what is
// wrong: a parameter given twice, an unknown field, a value that does not parse.
Status ParseRequest(const httplib::Request& http, Message& request) {
  std::string json = http.body;
  if (http.method != "POST" || json.empty()) {
    json = "{";
    for (auto it = http.params.begin(); it != http.params.end(); ++it) {
      if (http.params.count(it->first) > 1) {
        return Status::InvalidArgument("parameter " + it->first + " is given more than once");
      }
      if (json.size() > 1) json += ",";
      json += JsonString(it->first) + ":" + JsonString(it->second);
    }
    json += "}";
  }
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto parsed = google::protobuf::util::JsonStringToMessage(json, &request, options);
  if (!parsed.ok()) {
    return Status::InvalidArgument("the request does not parse as " +
                                   request.GetDescriptor()->full_name() + ": " +
                                   std::string(parsed.message()));
  }
  return Status::Ok();
}

void SendJson(httplib::Response& response, const Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string json;
  auto printed = google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!printed.ok()) {
    SendError(response,
              Status::Internal("the answer has no JSON form: " + std::string(printed.message())));
    return;
  }
  response.set_header("Cache-Control", "no-store");
  response.set_content(json + "\n", "application/json");
}

// Installs /v1/<name> for a method of the api taking `Request` and answering Result<Response>:
// GET and POST for a read, POST only for a write.
enum class Verbs { kGetAndPost, kPostOnly };
template <typename Request, typename Response>
void InstallMethod(httplib::Server& server, const std::string& name,
                   std::function<Result<Response>(const Request&)> method,
                   Verbs verbs = Verbs::kGetAndPost) {
  auto handler = [method](const httplib::Request& http, httplib::Response& response) {
    Request request;
    if (Status parsed = ParseRequest(http, request); !parsed.ok()) {
      SendError(response, parsed);
      return;
    }
    Result<Response> answer = method(request);
    if (!answer.ok()) {
      SendError(response, answer.status());
      return;
    }
    SendJson(response, *answer);
  };
  if (verbs == Verbs::kGetAndPost) server.Get("/v1/" + name, handler);
  server.Post("/v1/" + name, handler);
}

void InstallApi(httplib::Server& server, const TransparencyApi& api) {
  InstallMethod<v1::GetCheckpointRequest, v1::SignedCheckpoint>(
      server, "GetCheckpoint", [&api](const auto&) { return api.GetCheckpoint(); });
  InstallMethod<v1::GetInclusionProofRequest, v1::InclusionProof>(
      server, "GetInclusionProof",
      [&api](const auto& request) { return api.GetInclusionProof(request); });
  InstallMethod<v1::GetConsistencyProofRequest, v1::ConsistencyProof>(
      server, "GetConsistencyProof",
      [&api](const auto& request) { return api.GetConsistencyProof(request); });
  InstallMethod<v1::GetEntryRequest, v1::LogEntry>(
      server, "GetEntry", [&api](const auto& request) { return api.GetEntry(request); });
  InstallMethod<v1::AddCosignatureRequest, v1::AddCosignatureResponse>(
      server, "AddCosignature", [&api](const auto& request) { return api.AddCosignature(request); },
      Verbs::kPostOnly);
}

void SendFile(httplib::Response& response, const TileStore& tiles, const std::string& path,
              const char* content_type, const char* cache_control) {
  auto bytes = tiles.Read(path);
  if (!bytes.ok()) {
    SendError(response, bytes.status());
    return;
  }
  response.set_header("Cache-Control", cache_control);
  response.set_content(std::move(bytes).value(), content_type);
}

void InstallTiles(httplib::Server& server, const TileStore& tiles) {
  server.Get("/tlog/checkpoint", [&tiles](const httplib::Request&, httplib::Response& response) {
    SendFile(response, tiles, "checkpoint", "text/plain; charset=utf-8", kCheckpointCache);
  });
  server.Get("/tlog/checkpoint.cosigned", [&tiles](const httplib::Request&,
                                                   httplib::Response& response) {
    SendFile(response, tiles, "checkpoint.cosigned", "text/plain; charset=utf-8", kCheckpointCache);
  });
  server.Get(
      R"(/tlog/(tile/.+))", [&tiles](const httplib::Request& request, httplib::Response& response) {
        const std::string path = request.matches[1];
        // Only the canonical spelling of a tile path, which never leaves the directory.
        auto parsed = tlog::ParseTilePath(path);
        if (!parsed.ok()) {
          SendError(response, Status::NotFound("no such tile path: " + parsed.status().message()));
          return;
        }
        const bool full = parsed->tile.width == tlog::kTileWidth;
        SendFile(response, tiles, path, "application/octet-stream",
                 full ? kFullTileCache : kPartialTileCache);
      });
}

Result<std::pair<std::string, int>> SplitHostPort(const std::string& listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return Status::InvalidArgument("HTTP listen address " + listen + " is not host:port");
  }
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  try {
    return std::make_pair(host, std::stoi(listen.substr(colon + 1)));
  } catch (const std::exception&) {
    return Status::InvalidArgument("HTTP listen address " + listen + " has no port number");
  }
}

}  // namespace

Result<std::unique_ptr<TlogHttpServer>> TlogHttpServer::Start(const std::string& listen,
                                                              const TransparencyApi& api,
                                                              const TileStore& tiles,
                                                              HttpLimits limits) {
  auto address = SplitHostPort(listen);
  if (!address.ok()) return address.status();
  std::unique_ptr<TlogHttpServer> server(new TlogHttpServer());
  server->server_ = std::make_unique<http::GuardedServer>(limits.connections);
  http::GuardedServer& http = *server->server_;
  const std::size_t workers = std::max<std::size_t>(1, limits.workers);
  http.new_task_queue = [workers] { return new httplib::ThreadPool(workers); };
  http.set_tcp_nodelay(true);
  // Public, read-only data: a page of another origin (a portal checking a proof in the browser)
  // may read it.
  http.set_default_headers({{"Access-Control-Allow-Origin", "*"}});
  InstallApi(http, api);
  InstallTiles(http, tiles);
  http.set_error_handler([](const httplib::Request& request, httplib::Response& response) {
    if (response.status == 404 && response.body.empty()) {
      SendError(response, Status::NotFound("no such path: " + request.path));
    }
  });
  const auto& [host, port] = *address;
  server->port_ = http.Bind(host, port);
  if (server->port_ <= 0) return Status::Unavailable("cannot listen for HTTP on " + listen);
  server->thread_ = hattama::http::ServeOnThread(http);
  return server;
}

TlogHttpServer::~TlogHttpServer() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace hattama::transparency
