#include "tools/hub/desk/desk_server.h"

#include <fmt/format.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <chrono>

#include "common/base/status_grpc.h"
#include "common/http/serve_thread.h"
#include "tools/hub/desk/progress.h"
#include "tools/hub/desk/web_files.h"

namespace hattama::desk {
namespace {

constexpr char kSessionCookie[] = "hattama_desk_session";
constexpr char kJson[] = "application/json; charset=utf-8";

template <size_t N>
std::string Bytes(const char (&text)[N]) {
  return std::string(text, N - 1);
}

std::string ToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

void Answer(httplib::Response& response, const google::protobuf::Message& message,
            int status = 200) {
  response.status = status;
  response.set_header("Cache-Control", "no-store");
  response.set_content(ToJson(message), kJson);
}

void Fail(httplib::Response& response, const Status& status) {
  Error error;
  error.set_message(status.message());
  int code = HttpStatusOf(status);
  if (status.code() == StatusCode::kPermissionDenied) code = 403;
  Answer(response, error, code);
}

template <typename Message>
Result<Message> Parse(const std::string& body) {
  Message message;
  auto parsed = google::protobuf::util::JsonStringToMessage(body, &message);
  if (!parsed.ok()) return Status::InvalidArgument(std::string(parsed.message()));
  return message;
}

std::string SessionOf(const httplib::Request& request) {
  const std::string cookies = request.get_header_value("Cookie");
  const std::string key = std::string(kSessionCookie) + "=";
  for (size_t at = 0; at < cookies.size();) {
    size_t end = cookies.find(';', at);
    if (end == std::string::npos) end = cookies.size();
    std::string_view cookie(cookies.data() + at, end - at);
    while (cookie.starts_with(' ')) cookie.remove_prefix(1);
    if (cookie.starts_with(key)) return std::string(cookie.substr(key.size()));
    at = end + 1;
  }
  return "";
}

using Handler =
    std::function<void(const OperatorRow&, const httplib::Request&, httplib::Response&)>;

// A handler for signed-in operators only (401 otherwise).
httplib::Server::Handler SignedIn(Desk& desk, Handler handler) {
  return [&desk, handler = std::move(handler)](const httplib::Request& request,
                                               httplib::Response& response) {
    const bool used = request.get_header_value("X-Desk-Background") != "1";
    auto by = desk.SessionOperator(SessionOf(request), used);
    if (!by.ok()) {
      Error error;
      error.set_message(by.status().message());
      return Answer(response, error,
                    by.status().code() == StatusCode::kPermissionDenied ? 401 : 503);
    }
    handler(*by, request, response);
  };
}

template <typename Message>
void Reply(httplib::Response& response, const Result<Message>& result) {
  if (result.ok()) return Answer(response, *result);
  Fail(response, result.status());
}

// Entries and decisions: a rejection answers 422 with Validate's reasons.
void ReplyFigures(httplib::Response& response, const Result<Photo>& result,
                  const Refused& refused) {
  if (!result.ok() && refused.check.rejections_size() > 0) {
    return Answer(response, refused.check, 422);
  }
  Reply(response, result);
}

void InstallPages(httplib::Server& server) {
  struct File {
    const char* path;
    const char* type;
    std::string bytes;
  };
  for (const File& file : {File{"/", "text/html; charset=utf-8", Bytes(web::kIndexHtml)},
                           File{"/index.html", "text/html; charset=utf-8", Bytes(web::kIndexHtml)},
                           File{"/desk.js", "text/javascript; charset=utf-8", Bytes(web::kDeskJs)},
                           File{"/desk.css", "text/css; charset=utf-8", Bytes(web::kDeskCss)}}) {
    server.Get(file.path, [file](const httplib::Request&, httplib::Response& response) {
      response.set_header("Cache-Control", "no-cache");
      response.set_content(file.bytes, file.type);
    });
  }
}

// `secure`: the page is served over TLS, and the cookie must never travel without it.
void InstallAccounts(httplib::Server& server, Desk& desk, bool secure) {
  const std::string attributes =
      std::string("; Path=/; HttpOnly; SameSite=Strict") + (secure ? "; Secure" : "");
  server.Post("/api/login",
              [&desk, attributes](const httplib::Request& request, httplib::Response& response) {
                auto login = Parse<LoginRequest>(request.body);
                if (!login.ok()) return Fail(response, login.status());
                auto signed_in = desk.Login(login->name(), login->token());
                if (!signed_in.ok()) return Fail(response, signed_in.status());
                response.set_header("Set-Cookie", fmt::format("{}={}{}", kSessionCookie,
                                                              signed_in->second, attributes));
                Operator op;
                op.set_name(signed_in->first.name);
                op.set_role(signed_in->first.role);
                Answer(response, op);
              });
  server.Post("/api/logout", [&desk, attributes](const httplib::Request& request,
                                                 httplib::Response& response) {
    if (Status s = desk.Logout(SessionOf(request)); !s.ok()) return Fail(response, s);
    response.set_header("Set-Cookie", fmt::format("{}={}; Max-Age=0", kSessionCookie, attributes));
    Answer(response, Error());
  });
  server.Get("/api/me", SignedIn(desk, [](const OperatorRow& by, const httplib::Request&,
                                          httplib::Response& response) {
               Operator op;
               op.set_name(by.name);
               op.set_role(by.role);
               Answer(response, op);
             }));
}

void InstallPhotos(httplib::Server& server, Desk& desk) {
  server.Post("/api/photos",
              SignedIn(desk, [&desk](const OperatorRow& by, const httplib::Request& request,
                                     httplib::Response& response) {
                Reply(response, desk.Receive(by, request.get_param_value("station_id"),
                                             request.get_param_value("contest_id"),
                                             request.get_param_value("observer_id"), request.body));
              }));
  server.Get("/api/photos", SignedIn(desk, [&desk](const OperatorRow& by, const httplib::Request&,
                                                   httplib::Response& response) {
               Reply(response, desk.List(by));
             }));
  server.Get("/api/photo",
             SignedIn(desk, [&desk](const OperatorRow& by, const httplib::Request& request,
                                    httplib::Response& response) {
               Reply(response, desk.View(by, request.get_param_value("sha256")));
             }));
  server.Get("/api/photo/image",
             SignedIn(desk, [&desk](const OperatorRow&, const httplib::Request& request,
                                    httplib::Response& response) {
               auto bytes = desk.PhotoBytes(request.get_param_value("sha256"));
               if (!bytes.ok()) return Fail(response, bytes.status());
               response.set_header("Cache-Control", "private, max-age=31536000, immutable");
               response.set_content(*bytes, PhotoStore::ContentType(*bytes));
             }));
  server.Get("/api/next", SignedIn(desk, [&desk](const OperatorRow& by, const httplib::Request&,
                                                 httplib::Response& response) {
               Reply(response, desk.Next(by));
             }));
}

void InstallTyping(httplib::Server& server, Desk& desk) {
  server.Get("/api/form",
             SignedIn(desk, [&desk](const OperatorRow&, const httplib::Request& request,
                                    httplib::Response& response) {
               Reply(response, desk.FormOf(request.get_param_value("sha256")));
             }));
  server.Post("/api/check",
              SignedIn(desk, [&desk](const OperatorRow&, const httplib::Request& request,
                                     httplib::Response& response) {
                auto figures = Parse<FiguresRequest>(request.body);
                if (!figures.ok()) return Fail(response, figures.status());
                Reply(response, desk.CheckFigures(figures->photo_sha256(), figures->figures()));
              }));
  server.Post(
      "/api/entries", SignedIn(desk, [&desk](const OperatorRow& by, const httplib::Request& request,
                                             httplib::Response& response) {
        auto figures = Parse<FiguresRequest>(request.body);
        if (!figures.ok()) return Fail(response, figures.status());
        Refused refused;
        ReplyFigures(response, desk.Type(by, figures->photo_sha256(), figures->figures(), &refused),
                     refused);
      }));
  server.Post("/api/decisions",
              SignedIn(desk, [&desk](const OperatorRow& by, const httplib::Request& request,
                                     httplib::Response& response) {
                auto figures = Parse<FiguresRequest>(request.body);
                if (!figures.ok()) return Fail(response, figures.status());
                Refused refused;
                ReplyFigures(response,
                             desk.Settle(by, figures->photo_sha256(), figures->figures(), &refused),
                             refused);
              }));
  server.Post("/api/corrections",
              SignedIn(desk, [&desk](const OperatorRow& by, const httplib::Request& request,
                                     httplib::Response& response) {
                Reply(response, desk.Correct(by, request.get_param_value("sha256")));
              }));
}

void InstallProgress(httplib::Server& server, Desk& desk,
                     std::function<std::string()> sender_error) {
  server.Get("/api/progress",
             SignedIn(desk, [&desk, sender_error](const OperatorRow&, const httplib::Request&,
                                                  httplib::Response& response) {
               const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count();
               auto progress = ComputeProgress(desk.store(), desk.registry(), now);
               if (progress.ok() && sender_error) progress->set_sender_error(sender_error());
               Reply(response, progress);
             }));
}

// httplib's HTTPS server with the certificate and key (both needed), bounded as far as httplib
// bounds it: GuardedServer's own connection loop is for plain sockets only.
Result<std::unique_ptr<httplib::Server>> MakeTlsServer(const DeskServer::Tls& tls,
                                                       const http::ConnectionLimits& limits) {
  if (tls.key_path.empty()) return Status::InvalidArgument("--web-tls-cert needs --web-tls-key");
  auto https = std::make_unique<httplib::SSLServer>(tls.cert_path.c_str(), tls.key_path.c_str());
  if (!https->is_valid()) {
    return Status::InvalidArgument(fmt::format(
        "cannot serve TLS with certificate {} and key {} (PEM files, the key the certificate's)",
        tls.cert_path, tls.key_path));
  }
  const auto seconds = [](std::chrono::milliseconds ms) {
    return std::max<time_t>(1, static_cast<time_t>(ms.count() / 1000));
  };
  https->set_payload_max_length(limits.max_request_bytes);
  https->set_read_timeout(seconds(limits.request_timeout), 0);
  https->set_keep_alive_timeout(seconds(limits.keep_alive_timeout));
  https->set_keep_alive_max_count(limits.keep_alive_max_requests);
  return std::unique_ptr<httplib::Server>(std::move(https));
}

}  // namespace

Result<std::unique_ptr<DeskServer>> DeskServer::Start(const std::string& listen, Desk& desk,
                                                      http::ConnectionLimits limits, const Tls& tls,
                                                      std::function<std::string()> sender_error) {
  if (tls.cert_path.empty() && !tls.key_path.empty()) {
    return Status::InvalidArgument("--web-tls-key needs --web-tls-cert");
  }
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return Status::InvalidArgument("--listen is host:port");
  const std::string host = listen.substr(0, colon);
  int port = 0;
  try {
    port = std::stoi(listen.substr(colon + 1));
  } catch (const std::exception&) {
    return Status::InvalidArgument("--listen is host:port, not " + listen);
  }
  std::unique_ptr<DeskServer> server(new DeskServer());
  const bool secure = !tls.cert_path.empty();
  if (secure) {
    auto https = MakeTlsServer(tls, limits);
    if (!https.ok()) return https.status();
    server->server_ = std::move(*https);
  } else {
    server->server_ = std::make_unique<http::GuardedServer>(limits);
  }
  auto& http = *server->server_;
  http.set_tcp_nodelay(true);
  InstallPages(http);
  InstallAccounts(http, desk, secure);
  InstallPhotos(http, desk);
  InstallTyping(http, desk);
  InstallProgress(http, desk, std::move(sender_error));
  if (!secure) {
    server->port_ = static_cast<http::GuardedServer&>(http).Bind(host, port);
  } else if (port == 0) {
    server->port_ = http.bind_to_any_port(host);
  } else {
    server->port_ = http.bind_to_port(host, port) ? port : -1;
  }
  if (server->port_ <= 0) return Status::Unavailable("cannot listen on " + listen);
  server->thread_ = hattama::http::ServeOnThread(http);
  return server;
}

DeskServer::~DeskServer() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace hattama::desk
