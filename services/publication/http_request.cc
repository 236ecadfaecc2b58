#include "services/publication/http_request.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/type_resolver_util.h>

#include "common/base/json_string.h"
#include "hattama/v1/analysis.pb.h"

namespace hattama::publication {
namespace {

constexpr char kTypeUrlPrefix[] = "type.googleapis.com";

// Protobuf strings must be UTF-8: a parameter that is not is refused here rather than failing
// when the request is serialized.
bool IsUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto byte = static_cast<unsigned char>(text[i]);
    size_t length = byte < 0x80           ? 1
                    : (byte >> 5) == 0x6  ? 2
                    : (byte >> 4) == 0xE  ? 3
                    : (byte >> 3) == 0x1E ? 4
                                          : 0;
    if (length == 0 || i + length > text.size()) return false;
    uint32_t code = length == 1 ? byte : byte & (0x7F >> length);
    for (size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3F);
    }
    // Overlong forms, surrogates and code points beyond Unicode.
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < kMin[length] || (code >= 0xD800 && code <= 0xDFFF) || code > 0x10FFFF) return false;
    i += length;
  }
  return true;
}

const google::protobuf::MethodDescriptor* FindUnaryMethod(std::string_view name) {
  // Touched so that the descriptors of every mirrored service are linked into the generated pool.
  (void)v1::GetElectionRequest::descriptor();
  (void)v1::GetSeatsRequest::descriptor();
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  for (const char* service_name : kMirroredServices) {
    const auto* service = pool->FindServiceByName(service_name);
    if (service == nullptr) continue;
    const auto* method = service->FindMethodByName(std::string(name));
    if (method != nullptr && !method->client_streaming() && !method->server_streaming()) {
      return method;
    }
  }
  return nullptr;
}

}  // namespace

Result<HttpCall> ParseHttpCall(std::string_view method_name, const QueryParams& params,
                               std::string_view body) {
  HttpCall call;
  call.method = FindUnaryMethod(method_name);
  if (call.method == nullptr) return Status::NotFound("no method " + std::string(method_name));
  auto* factory = google::protobuf::MessageFactory::generated_factory();
  call.request.reset(factory->GetPrototype(call.method->input_type())->New());
  std::string json;
  if (!body.empty()) {
    json.assign(body);
  } else {
    json = "{";
    for (const auto& [name, value] : params) {
      if (json.size() > 1) json += ',';
      json += "\"" + JsonEscape(name) + "\":\"" + JsonEscape(value) + "\"";
    }
    json += "}";
  }
  auto parsed = google::protobuf::util::JsonStringToMessage(json, call.request.get());
  if (!parsed.ok()) return Status::InvalidArgument(std::string(parsed.message()));
  return call;
}

Result<v1::WatchRequest> ParseWatchRequest(const QueryParams& params) {
  v1::WatchRequest watch;
  for (const auto& [name, value] : params) {
    if (!IsUtf8(name) || !IsUtf8(value)) {
      return Status::InvalidArgument("/v1/Watch parameters must be UTF-8");
    }
    if (name == "contest_id") {
      watch.set_contest_id(value);
    } else if (name == "area_id") {
      if (!value.empty()) watch.add_area_ids(value);
    } else if (name == "area_ids") {
      for (size_t start = 0; start < value.size();) {
        size_t comma = std::min(value.find(',', start), value.size());
        if (comma > start) watch.add_area_ids(value.substr(start, comma - start));
        start = comma + 1;
      }
    } else if (name == "official") {
      if (value == "true" || value == "1") {
        watch.set_official(true);
      } else if (value == "false" || value == "0" || value.empty()) {
        watch.set_official(false);
      } else {
        return Status::InvalidArgument("official must be true or false, not \"" + value + "\"");
      }
    } else {
      return Status::InvalidArgument(
          "/v1/Watch takes contest_id, area_id, area_ids and "
          "official, not \"" +
          name + "\"");
    }
  }
  return watch;
}

Result<std::string> ToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  // Printed from bytes serialized deterministically, so that a map's entries (localized_names)
  // come in key order and the same content always prints the same JSON: snapshot files are named
  // by their bytes. MessageToJsonString prints them in the order of the copy's hash table, which
  // differs from copy to copy (protobuf seeds each map's hash).
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    // False only for a message missing required fields, which proto3 has none of.
    (void)message.SerializeToCodedStream(&coded);
  }
  static google::protobuf::util::TypeResolver* const resolver =
      google::protobuf::util::NewTypeResolverForDescriptorPool(
          kTypeUrlPrefix, google::protobuf::DescriptorPool::generated_pool());
  std::string json;
  auto printed = google::protobuf::util::BinaryToJsonString(
      resolver, std::string(kTypeUrlPrefix) + "/" + message.GetDescriptor()->full_name(), bytes,
      &json, options);
  if (!printed.ok()) {
    return Status::Internal("cannot write the " + message.GetDescriptor()->name() +
                            " as JSON: " + std::string(printed.message()));
  }
  return json;
}

}  // namespace hattama::publication
