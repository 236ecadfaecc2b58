#include "tools/verify/log_entry.h"

#include "common/base/digest.h"

namespace hattama::verify {
namespace {

constexpr std::uint8_t kVersion = 1;
constexpr std::size_t kHeaderSize = 48;
constexpr std::size_t kMaxIdBytes = 1024;

std::uint64_t BigEndian(std::string_view bytes) {
  std::uint64_t value = 0;
  for (const char c : bytes) value = value << 8 | static_cast<unsigned char>(c);
  return value;
}

}  // namespace

Result<LogEntry> DecodeLogEntry(std::string_view bytes) {
  if (bytes.size() < kHeaderSize) {
    return Status::InvalidArgument("a leaf entry is at least 48 bytes; this one is " +
                                   std::to_string(bytes.size()));
  }
  if (static_cast<std::uint8_t>(bytes[0]) != kVersion) {
    return Status::InvalidArgument(
        "leaf entry version " + std::to_string(static_cast<unsigned char>(bytes[0])) + ", not 1");
  }
  LogEntry entry;
  entry.source.partition = static_cast<std::int32_t>(BigEndian(bytes.substr(1, 4)));
  entry.source.offset = static_cast<std::int64_t>(BigEndian(bytes.substr(5, 8)));
  if (entry.source.partition < 0 || entry.source.offset < 0) {
    return Status::InvalidArgument("a leaf entry's source partition or offset is negative");
  }
  entry.record_sha256 = std::string(bytes.substr(13, 32));
  const auto included = static_cast<unsigned char>(bytes[45]);
  const std::size_t id_size = BigEndian(bytes.substr(46, 2));
  if (included > 1) return Status::InvalidArgument("a leaf entry's 'record included' is not 0/1");
  if (id_size > kMaxIdBytes || bytes.size() < kHeaderSize + id_size) {
    return Status::InvalidArgument("a leaf entry's submission id is cut short or too long");
  }
  entry.submission_id = std::string(bytes.substr(kHeaderSize, id_size));
  const std::string_view value = bytes.substr(kHeaderSize + id_size);
  if (included == 0) {
    if (!value.empty()) {
      return Status::InvalidArgument("a leaf entry without its record has bytes after the id");
    }
    return entry;
  }
  if (Sha256(value) != entry.record_sha256) {
    return Status::InvalidArgument("a leaf entry's record does not hash to the SHA-256 it states");
  }
  entry.record = std::string(value);
  return entry;
}

Result<std::optional<v1::SubmissionRecord>> ParseRecord(const LogEntry& entry) {
  if (!entry.record) return std::optional<v1::SubmissionRecord>();
  v1::SubmissionRecord record;
  if (!record.ParseFromString(*entry.record)) {
    return Status::InvalidArgument(
        "the record of the entry at partition " + std::to_string(entry.source.partition) +
        " offset " + std::to_string(entry.source.offset) + " is no hattama.v1.SubmissionRecord");
  }
  return std::optional<v1::SubmissionRecord>(std::move(record));
}

}  // namespace hattama::verify
