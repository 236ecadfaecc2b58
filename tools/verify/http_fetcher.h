// Bounded HTTP requests to a log (hattama-tlog's HTTP side, or a static mirror of its /tlog/
// files): every answer is read into memory only up to a byte limit, and every request ends by a
// deadline, so a hostile or broken server can neither exhaust memory nor hold the checker forever.
//
// Thread-safety: one HttpFetcher per thread (it keeps one connection open between requests).
#pragma once

#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "common/base/result.h"

namespace hattama::verify {

struct HttpLimits {
  // Time to open a connection.
  std::chrono::milliseconds connect_timeout{10'000};
  // Time from sending a request to the last byte of its answer.
  std::chrono::milliseconds request_timeout{30'000};
};

struct HttpAnswer {
  int status = 0;
  std::string body;
};

class HttpFetcher {
 public:
  // `url` is "http://host[:port][/prefix]" or "https://…"; paths are appended to the prefix.
  // InvalidArgument for another shape.
  static Result<std::unique_ptr<HttpFetcher>> Create(std::string_view url, HttpLimits limits);

  // GET (or POST with a JSON body) `path` (starting with "/"), its answer of any status read up to
  // `max_bytes`. Unavailable when the server cannot be reached or the deadline passes,
  // ResourceExhausted (naming the limit) when the answer is larger than `max_bytes`.
  Result<HttpAnswer> Get(const std::string& path, std::size_t max_bytes);
  Result<HttpAnswer> PostJson(const std::string& path, const std::string& body,
                              std::size_t max_bytes);

  // The URL the fetcher was made for, without a final "/".
  const std::string& url() const { return url_; }

 private:
  HttpFetcher(std::string url, std::string prefix, std::unique_ptr<httplib::Client> client,
              HttpLimits limits)
      : url_(std::move(url)),
        prefix_(std::move(prefix)),
        client_(std::move(client)),
        limits_(limits) {}
  Result<HttpAnswer> Send(httplib::Request request, std::size_t max_bytes);

  std::string url_;
  std::string prefix_;
  std::unique_ptr<httplib::Client> client_;
  HttpLimits limits_;
};

// `text` percent-encoded for a URL's query (RFC 3986 unreserved characters kept).
std::string EncodeQueryValue(std::string_view text);

}  // namespace hattama::verify
