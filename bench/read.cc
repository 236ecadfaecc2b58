#include "bench/read.h"

#include <grpcpp/grpcpp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <string_view>
#include <utility>
#include <vector>

#include "bench/hammer.h"
#include "bench/load.h"
#include "hattama/v1/publication.grpc.pb.h"

namespace hattama::bench {
namespace {

// (area, contest) pairs with at least one station of the contest, nation to districts.
std::vector<std::pair<std::string, std::string>> Targets(const domain::Registry& registry) {
  std::vector<std::pair<std::string, std::string>> targets;
  std::vector<std::string> areas = {registry.nation_id()};
  for (size_t i = 0; i < areas.size(); ++i) {
    for (const v1::Area* child : registry.Children(areas[i])) areas.push_back(child->area_id());
  }
  for (const auto& area : areas) {
    for (const auto& contest : registry.election().contests()) {
      if (registry.StationsRegistered(area, contest.contest_id()) > 0) {
        targets.emplace_back(area, contest.contest_id());
      }
    }
  }
  return targets;
}

// An HTTP/1.1 keep-alive client as plain as hiredis is for Redis, so that the HTTP row and its
// Redis GET ceiling pay comparable clients: one blocking socket, a request written by one send,
// the head read up to its blank line, then Content-Length bytes of body. (cpp-httplib's client
// cost ~23 us of CPU a request, several times hiredis' GET, and its share of the two cores was
// taken from the server it measured.) It reconnects when the server closes the connection, as
// publication does after --http-keep-alive-max-requests. Used by one thread.
class PlainHttpClient {
 public:
  PlainHttpClient(std::string host, int port) : host_(std::move(host)), port_(port) {}
  ~PlainHttpClient() { Disconnect(); }
  PlainHttpClient(const PlainHttpClient&) = delete;
  PlainHttpClient& operator=(const PlainHttpClient&) = delete;

  // GET `target`: true when the answer is a 200 whose body is a JSON object. A kept-alive
  // connection the server closed while idle is reopened once for the same request.
  bool GetJson(const std::string& target) {
    const std::string request =
        "GET " + target + " HTTP/1.1\r\nHost: " + host_ + ":" + std::to_string(port_) + "\r\n\r\n";
    for (int attempt = 0; attempt < 2; ++attempt) {
      const bool reused = fd_ >= 0;
      if (!reused && !Connect()) return false;
      bool ok = false;
      if (Exchange(request, ok)) return ok;
      Disconnect();
      if (!reused) return false;
    }
    return false;
  }

 private:
  bool Connect() {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (getaddrinfo(host_.c_str(), std::to_string(port_).c_str(), &hints, &found) != 0) {
      return false;
    }
    for (addrinfo* a = found; a != nullptr && fd_ < 0; a = a->ai_next) {
      fd_ = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
      if (fd_ < 0) continue;
      if (connect(fd_, a->ai_addr, a->ai_addrlen) != 0) Disconnect();
    }
    freeaddrinfo(found);
    if (fd_ < 0) return false;
    // Without it Nagle's algorithm holds the request's last segment for the server's delayed ACK.
    int yes = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    return true;
  }

  void Disconnect() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
    buffer_.clear();
  }

  // Writes `request` and reads its answer; `ok` when it is a 200 whose body is a JSON object (a
  // newline after it, as publication ends its answers). False when the connection failed or the
  // answer is not HTTP. Closes the connection the server said it closes.
  bool Exchange(const std::string& request, bool& ok) {
    for (size_t sent = 0; sent < request.size();) {
      const ssize_t n = send(fd_, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<size_t>(n);
    }
    buffer_.clear();
    size_t head_end;
    while ((head_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!Receive()) return false;
    }
    const std::string_view head(buffer_.data(), head_end + 2);
    if (!head.starts_with("HTTP/1.1 ") || head.size() < 12) return false;
    int status = 0;
    std::from_chars(head.data() + 9, head.data() + 12, status);
    size_t length = 0;
    if (!HeaderNumber(head, "content-length", length)) return false;
    const size_t body_from = head_end + 4;
    while (buffer_.size() < body_from + length) {
      if (!Receive()) return false;
    }
    const bool closes = HasHeaderValue(head, "connection", "close");
    const std::string_view body(buffer_.data() + body_from, length);
    ok = status == 200 && body.starts_with('{') && body.ends_with("}\n");
    if (closes) Disconnect();
    return true;
  }

  // Appends what one recv brings; false when the server closed or the connection failed.
  bool Receive() {
    char chunk[4096];
    const ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  // The value of header `name` (lowercase) in `head`, or "" without one.
  static std::string_view HeaderValue(std::string_view head, std::string_view name) {
    for (size_t line = head.find("\r\n"); line != std::string_view::npos;) {
      const size_t from = line + 2;
      const size_t to = head.find("\r\n", from);
      if (to == std::string_view::npos) break;
      const std::string_view text = head.substr(from, to - from);
      const size_t colon = text.find(':');
      if (colon == name.size() && strncasecmp(text.data(), name.data(), name.size()) == 0) {
        std::string_view value = text.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        return value;
      }
      line = to;
    }
    return {};
  }
  static bool HeaderNumber(std::string_view head, std::string_view name, size_t& number) {
    const std::string_view value = HeaderValue(head, name);
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), number);
    return !value.empty() && error == std::errc() && end == value.data() + value.size();
  }
  static bool HasHeaderValue(std::string_view head, std::string_view name, std::string_view value) {
    const std::string_view found = HeaderValue(head, name);
    return found.size() == value.size() &&
           strncasecmp(found.data(), value.data(), value.size()) == 0;
  }

  const std::string host_;
  const int port_;
  int fd_ = -1;
  std::string buffer_;  // the answer being read
};

}  // namespace

Result<ReadRates> ReadRate(const domain::Registry& registry, const ReadOptions& options) {
  const auto targets = Targets(registry);
  if (targets.empty()) return Status::Error("no area has stations");
  ReadRates rates;
  std::atomic<int64_t> errors{0};

  std::vector<std::unique_ptr<v1::PublicationService::Stub>> stubs;
  for (int c = 0; c < options.clients; ++c) {
    // A channel per client: separate HTTP/2 connections, as separate portal servers would have.
    grpc::ChannelArguments arguments;
    arguments.SetInt("bench_client", c);
    stubs.push_back(v1::PublicationService::NewStub(grpc::CreateCustomChannel(
        options.grpc_address, grpc::InsecureChannelCredentials(), arguments)));
  }
  rates.grpc_per_second =
      Hammer(options.clients, options.duration, targets.size(), errors, [&](int c, size_t t) {
        v1::GetAreaTotalsRequest request;
        request.set_area_id(targets[t].first);
        request.set_contest_id(targets[t].second);
        v1::AreaTotals reply;
        grpc::ClientContext context;
        return stubs[c]->GetAreaTotals(&context, request, &reply).ok();
      });

  const auto colon = options.http_address.rfind(':');
  const std::string host = options.http_address.substr(0, colon);
  const int port = std::stoi(options.http_address.substr(colon + 1));
  std::vector<std::string> paths;
  for (const auto& [area, contest] : targets) {
    paths.push_back("/v1/GetAreaTotals?area_id=" + area + "&contest_id=" + contest);
  }
  std::vector<std::unique_ptr<PlainHttpClient>> http;
  for (int c = 0; c < options.clients; ++c) {
    http.push_back(std::make_unique<PlainHttpClient>(host, port));
  }
  rates.http_per_second = Hammer(options.clients, options.duration, targets.size(), errors,
                                 [&](int c, size_t t) { return http[c]->GetJson(paths[t]); });

  // One client, a call every 20 ms, for the same duration.
  std::vector<double> took_ms;
  Hammer(
      1, options.duration, 1, errors,
      [&](int, size_t) {
        grpc::ClientContext context;
        v1::Election election;
        return stubs[0]->GetElection(&context, v1::GetElectionRequest(), &election).ok();
      },
      &took_ms, std::chrono::milliseconds(20));
  if (!took_ms.empty()) {
    rates.sync_p50_ms = Quantile(took_ms, 0.50);
    rates.sync_p99_ms = Quantile(took_ms, 0.99);
    rates.sync_max_ms = Quantile(took_ms, 1.0);
  }
  rates.errors = errors.load();
  return rates;
}

}  // namespace hattama::bench
