#include "tools/verify/http_fetcher.h"

#include <fmt/format.h>

#include <cctype>

namespace hattama::verify {
namespace {

// "scheme://host[:port]" and the path prefix of `url` (empty or starting with "/", no final "/").
struct SplitUrl {
  std::string origin;
  std::string prefix;
};

Result<SplitUrl> Split(std::string_view url) {
  while (!url.empty() && url.back() == '/') url.remove_suffix(1);
  const bool http = url.starts_with("http://");
  const bool https = url.starts_with("https://");
  if (!http && !https) {
    return Status::InvalidArgument("a log URL starts with http:// or https://, not \"" +
                                   std::string(url) + "\"");
  }
  const std::size_t host_start = http ? 7 : 8;
  const std::size_t path_start = url.find('/', host_start);
  SplitUrl split{.origin = std::string(url.substr(0, path_start)), .prefix = ""};
  if (path_start != std::string_view::npos) split.prefix = std::string(url.substr(path_start));
  if (split.origin.size() == host_start) {
    return Status::InvalidArgument("the log URL \"" + std::string(url) + "\" names no host");
  }
  if (split.prefix.find_first_of("?#") != std::string::npos) {
    return Status::InvalidArgument("a log URL has no query or fragment: \"" + std::string(url) +
                                   "\"");
  }
  return split;
}

}  // namespace

Result<std::unique_ptr<HttpFetcher>> HttpFetcher::Create(std::string_view url, HttpLimits limits) {
  auto split = Split(url);
  if (!split.ok()) return split.status();
  auto client = std::make_unique<httplib::Client>(split->origin);
  if (!client->is_valid()) {
    return Status::InvalidArgument("cannot make an HTTP client for " + split->origin);
  }
  client->set_connection_timeout(limits.connect_timeout);
  client->set_read_timeout(limits.request_timeout);
  client->set_write_timeout(limits.request_timeout);
  client->set_keep_alive(true);
  client->set_follow_location(false);
  std::string full = split->origin + split->prefix;
  return std::unique_ptr<HttpFetcher>(
      new HttpFetcher(std::move(full), std::move(split->prefix), std::move(client), limits));
}

Result<HttpAnswer> HttpFetcher::Get(const std::string& path, std::size_t max_bytes) {
  httplib::Request request;
  request.method = "GET";
  request.path = prefix_ + path;
  return Send(std::move(request), max_bytes);
}

Result<HttpAnswer> HttpFetcher::PostJson(const std::string& path, const std::string& body,
                                         std::size_t max_bytes) {
  httplib::Request request;
  request.method = "POST";
  request.path = prefix_ + path;
  request.body = body;
  request.set_header("Content-Type", "application/json");
  return Send(std::move(request), max_bytes);
}

Result<HttpAnswer> HttpFetcher::Send(httplib::Request request, std::size_t max_bytes) {
  const auto deadline = std::chrono::steady_clock::now() + limits_.request_timeout;
  const std::string what = request.method + " " + url_ + request.path.substr(prefix_.size());
  HttpAnswer answer;
  bool too_large = false;
  bool too_slow = false;
  // Reads the body in pieces as it arrives, so that a limit stops the transfer rather than being
  // checked after the whole answer sits in memory.
  request.content_receiver = [&](const char* data, std::size_t length, std::uint64_t,
                                 std::uint64_t) {
    if (answer.body.size() + length > max_bytes) {
      too_large = true;
      return false;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      too_slow = true;
      return false;
    }
    answer.body.append(data, length);
    return true;
  };
  httplib::Response response;
  httplib::Error error = httplib::Error::Success;
  const bool sent = client_->send(request, response, error);
  if (too_large) {
    return Status::ResourceExhausted(
        fmt::format("{}: the answer is larger than the limit of {} bytes", what, max_bytes));
  }
  if (too_slow) {
    return Status::Unavailable(
        fmt::format("{}: no complete answer within {} ms", what, limits_.request_timeout.count()));
  }
  if (!sent) {
    return Status::Unavailable(fmt::format("{}: {}", what, httplib::to_string(error)));
  }
  answer.status = response.status;
  return answer;
}

std::string EncodeQueryValue(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      out += fmt::format("%{:02X}", byte);
    }
  }
  return out;
}

}  // namespace hattama::verify
