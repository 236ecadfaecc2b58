// The HTTP/JSON API's requests as gRPC request messages, without I/O: a pure function of the
// method name, the query parameters and the body, so that it can be tested and fuzzed alone
// (tests/fuzz/http_request_fuzz.cc). Depends on protobuf and the generated protos only.
// Stateless: safe from any thread.
#pragma once

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "common/base/result.h"
#include "hattama/v1/publication.pb.h"

namespace hattama::publication {

// Query parameters as the HTTP server decoded them (a name may repeat).
using QueryParams = std::multimap<std::string, std::string>;

// The services whose unary methods /v1/<Method> mirrors.
inline constexpr const char* kMirroredServices[] = {
    "hattama.v1.PublicationService", "hattama.v1.DeploymentService", "hattama.v1.AnalysisService"};

// One unary call: the method and its request.
struct HttpCall {
  const google::protobuf::MethodDescriptor* method = nullptr;
  std::unique_ptr<google::protobuf::Message> request;
};

// The call /v1/<method_name> stands for. The request is the JSON `body` when it is not empty (a
// POST), else the query parameters, each a field given as a string (protobuf's JSON parser takes
// numbers, booleans and enums given as strings too). kNotFound for a name that is no unary method
// of kMirroredServices, kInvalidArgument (naming the field) for a request that does not parse.
Result<HttpCall> ParseHttpCall(std::string_view method_name, const QueryParams& params,
                               std::string_view body);

// The WatchRequest of GET /v1/Watch: contest_id, area_id (repeated, or area_ids comma-separated)
// and official ("true" or "1", "false" or "0" or absent). kInvalidArgument for any other
// parameter or value, so that a typo is not silently a watch of everything.
Result<v1::WatchRequest> ParseWatchRequest(const QueryParams& params);

// The JSON of a message: protobuf's mapping, proto field names, every field present. kInternal
// when the message cannot be printed (e.g. a Timestamp out of JSON's range): never "" for a 200.
Result<std::string> ToJson(const google::protobuf::Message& message);

}  // namespace hattama::publication
