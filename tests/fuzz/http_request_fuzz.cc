// libFuzzer target: publication's HTTP/JSON request parsing (services/publication/http_request.h),
// what any visitor of /v1/<Method> and /v1/Watch controls. The input is
//   <method name>\n<query string>\n<body>
// with the query string split on '&' and '=' as the server's decoded parameters would be. Each
// input is parsed as a unary call and as a Watch request; a parsed request is printed back as
// JSON. Nothing may crash, hang or leak, and a refusal must carry a message.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "services/publication/http_request.h"

namespace {

hattama::publication::QueryParams SplitQuery(std::string_view query) {
  hattama::publication::QueryParams params;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    const size_t eq = pair.find('=');
    params.emplace(std::string(pair.substr(0, eq)),
                   eq == std::string_view::npos ? std::string() : std::string(pair.substr(eq + 1)));
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return params;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hattama::publication;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t first = input.find('\n');
  const std::string_view method = input.substr(0, first);
  std::string_view rest = first == std::string_view::npos ? "" : input.substr(first + 1);
  const size_t second = rest.find('\n');
  const std::string_view query = rest.substr(0, second);
  const std::string_view body = second == std::string_view::npos ? "" : rest.substr(second + 1);
  const QueryParams params = SplitQuery(query);

  auto call = ParseHttpCall(method, params, body);
  if (call.ok()) {
    if (call->method == nullptr || call->request == nullptr) std::abort();
    auto json = ToJson(*call->request);
    if (!json.ok() && json.status().message().empty()) std::abort();
  } else if (call.status().message().empty()) {
    std::abort();
  }
  auto watch = ParseWatchRequest(params);
  if (watch.ok()) {
    (void)ToJson(*watch);
  } else if (watch.status().message().empty()) {
    std::abort();
  }
  return 0;
}
