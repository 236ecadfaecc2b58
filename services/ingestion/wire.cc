#include "services/ingestion/wire.h"

#include <fmt/format.h>
#include <google/protobuf/unknown_field_set.h>
#include <grpcpp/support/proto_buffer_reader.h>

#include <optional>
#include <vector>

#include "common/base/now.h"
#include "hattama/v1/records.pb.h"

namespace hattama::ingestion {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::UnknownField;
using google::protobuf::UnknownFieldSet;

// Messages nest a few levels (request > submission > protocol > figures > option line); deeper
// is not ours, and a hostile nesting must not recurse without end.
constexpr int kMaxDepth = 16;

// The path of the first string field under `fields` (read as `type`) that is not valid UTF-8.
std::optional<std::string> FindInvalidUtf8(const UnknownFieldSet& fields, const Descriptor& type,
                                           const std::string& prefix, int depth) {
  if (depth > kMaxDepth) return std::nullopt;
  std::vector<int> seen(static_cast<size_t>(type.field_count()), 0);
  for (int i = 0; i < fields.field_count(); ++i) {
    const UnknownField& field = fields.field(i);
    const FieldDescriptor* descriptor = type.FindFieldByNumber(field.number());
    if (descriptor == nullptr || field.type() != UnknownField::TYPE_LENGTH_DELIMITED) continue;
    std::string path = prefix + descriptor->name();
    if (descriptor->is_repeated()) {
      path += fmt::format("[{}]", seen[static_cast<size_t>(descriptor->index())]++);
    }
    if (descriptor->type() == FieldDescriptor::TYPE_STRING) {
      if (!IsValidUtf8(field.length_delimited())) return path;
    } else if (descriptor->type() == FieldDescriptor::TYPE_MESSAGE) {
      UnknownFieldSet nested;
      if (nested.ParseFromString(field.length_delimited())) {
        if (auto found =
                FindInvalidUtf8(nested, *descriptor->message_type(), path + ".", depth + 1))
          return found;
      }
    }
  }
  return std::nullopt;
}

// The last length-delimited value at `path` (field numbers from the top), if the bytes on the way
// parse.
std::optional<std::string> ValueAt(const UnknownFieldSet& fields, const int* path, size_t length) {
  std::optional<std::string> value;
  for (int i = 0; i < fields.field_count(); ++i) {
    const UnknownField& field = fields.field(i);
    if (field.number() != path[0] || field.type() != UnknownField::TYPE_LENGTH_DELIMITED) continue;
    if (length == 1) {
      value = field.length_delimited();
      continue;
    }
    UnknownFieldSet nested;
    if (nested.ParseFromString(field.length_delimited())) {
      if (auto found = ValueAt(nested, path + 1, length - 1)) value = std::move(found);
    }
  }
  return value;
}

}  // namespace

std::string Flatten(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (!buffer.Dump(&slices).ok()) return bytes;
  bytes.reserve(buffer.Length());
  for (const auto& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes;
}

bool ParseMessage(grpc::ByteBuffer& buffer, google::protobuf::Message& message) {
  grpc::ProtoBufferReader reader(&buffer);
  return reader.status().ok() && message.ParseFromZeroCopyStream(&reader);
}

std::string DescribeUnparseable(std::string_view bytes, const Descriptor& type,
                                const std::vector<int>& id_path) {
  UnknownFieldSet fields;
  if (!fields.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return fmt::format("its {} bytes are not a protobuf message ({} expected)",
                       Thousands(static_cast<int64_t>(bytes.size())), type.full_name());
  }
  std::string what;
  if (auto path = FindInvalidUtf8(fields, type, "", 0)) {
    what = fmt::format(
        "field {} is not valid UTF-8 (protobuf strings must be UTF-8: convert text in another "
        "encoding, such as CP1251, before sending)",
        *path);
  } else {
    what = fmt::format("its {} bytes are not a valid {}",
                       Thousands(static_cast<int64_t>(bytes.size())), type.full_name());
  }
  if (auto id = !id_path.empty() ? ValueAt(fields, id_path.data(), id_path.size()) : std::nullopt;
      id && IsValidUtf8(*id)) {
    what += fmt::format("; it carries the id '{}'", Utf8Prefix(*id, 128));
  }
  return what;
}

bool IsValidUtf8(std::string_view text) {
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t length;
    uint32_t code;
    if ((c & 0xE0) == 0xC0) {
      length = 2;
      code = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      length = 3;
      code = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      length = 4;
      code = c & 0x07;
    } else {
      return false;
    }
    if (i + length > n) return false;
    for (size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    static constexpr uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < kSmallest[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
      return false;
    }
    i += length;
  }
  return true;
}

std::string_view Utf8Prefix(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t end = max_bytes;
  // Back up over continuation bytes to the start of the character that would be cut.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

int BoundReasons(google::protobuf::RepeatedPtrField<v1::Reason>& reasons) {
  int left_out = 0;
  if (reasons.size() > kMaxAnswerReasons) {
    left_out = reasons.size() - (kMaxAnswerReasons - 1);
    const v1::Reason& first_left_out = reasons.Get(kMaxAnswerReasons - 1);
    v1::Reason more;
    more.set_code(first_left_out.code());
    more.set_field(first_left_out.field());
    more.set_message(fmt::format("… and {} more reasons (an answer lists at most {})",
                                 Thousands(left_out), kMaxAnswerReasons));
    reasons.DeleteSubrange(kMaxAnswerReasons - 1, left_out);
    *reasons.Add() = std::move(more);
  }
  static constexpr std::string_view kEllipsis = "…";
  for (v1::Reason& reason : reasons) {
    if (reason.message().size() > kMaxReasonMessageBytes) {
      // The ellipsis counts within the limit.
      reason.set_message(
          std::string(Utf8Prefix(reason.message(), kMaxReasonMessageBytes - kEllipsis.size())) +
          std::string(kEllipsis));
    }
    if (reason.field().size() > kMaxReasonFieldBytes) {
      reason.set_field(std::string(Utf8Prefix(reason.field(), kMaxReasonFieldBytes)));
    }
  }
  return left_out;
}

namespace {

// The record's fields other than the raw message, bounded.
std::string FinishRejectionRecord(v1::RejectionRecord& record, const std::string& hub_id,
                                  const std::vector<v1::Reason>& reasons) {
  record.set_hub_id(std::string(Utf8Prefix(hub_id, 128)));
  for (const auto& reason : reasons) *record.add_reasons() = reason;
  BoundReasons(*record.mutable_reasons());
  *record.mutable_rejected_time() = NowTimestamp();
  return record.SerializeAsString();
}

}  // namespace

std::string RejectionRecordValue(const v1::Submission& submission, const std::string& hub_id,
                                 const std::vector<v1::Reason>& reasons, int64_t max_raw_bytes) {
  v1::RejectionRecord record;
  if (static_cast<int64_t>(submission.ByteSizeLong()) <= max_raw_bytes) {
    record.set_raw_submission(submission.SerializeAsString());
  }
  return FinishRejectionRecord(record, hub_id, reasons);
}

std::string RejectionRecordValue(const v1::DeploymentEvent& event, const std::string& hub_id,
                                 const std::vector<v1::Reason>& reasons, int64_t max_raw_bytes) {
  v1::RejectionRecord record;
  record.set_raw_deployment_event(static_cast<int64_t>(event.ByteSizeLong()) <= max_raw_bytes
                                      ? event.SerializeAsString()
                                      : std::string());
  return FinishRejectionRecord(record, hub_id, reasons);
}

std::string Thousands(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

}  // namespace hattama::ingestion
