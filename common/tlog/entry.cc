#include "common/tlog/entry.h"

#include "common/base/digest.h"
#include "common/tlog/tile.h"

namespace hattama::tlog {
namespace {

void PutBigEndian(std::string& out, std::uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out += static_cast<char>((value >> (8 * i)) & 0xff);
}

std::uint64_t GetBigEndian(std::string_view in, int bytes) {
  std::uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value = value << 8 | static_cast<unsigned char>(in[i]);
  return value;
}

// The submission id a value carries, as the entry states it: empty when the value is no
// SubmissionRecord or the id is too long to state.
std::string SubmissionIdOf(std::string_view value) {
  v1::SubmissionRecord record;
  if (!record.ParseFromArray(value.data(), static_cast<int>(value.size()))) return "";
  std::string id = record.submission().submission_id();
  if (id.size() > kMaxLeafEntryIdBytes) return "";
  return id;
}

}  // namespace

std::string EncodeLeafEntry(const SourcePosition& source, std::string_view value) {
  const std::string id = SubmissionIdOf(value);
  const bool included = kLeafEntryHeaderSize + id.size() + value.size() <= kMaxEntrySize;
  std::string entry;
  entry.reserve(kLeafEntryHeaderSize + id.size() + (included ? value.size() : 0));
  entry += static_cast<char>(kLeafEntryVersion);
  PutBigEndian(entry, static_cast<std::uint32_t>(source.partition), 4);
  PutBigEndian(entry, static_cast<std::uint64_t>(source.offset), 8);
  entry += Sha256(value);
  entry += static_cast<char>(included ? 1 : 0);
  PutBigEndian(entry, id.size(), 2);
  entry += id;
  if (included) entry += value;
  return entry;
}

Result<LeafEntry> DecodeLeafEntry(std::string_view bytes) {
  if (bytes.size() < kLeafEntryHeaderSize) {
    return Status::InvalidArgument("a leaf entry is at least " +
                                   std::to_string(kLeafEntryHeaderSize) + " bytes; this one is " +
                                   std::to_string(bytes.size()));
  }
  if (static_cast<std::uint8_t>(bytes[0]) != kLeafEntryVersion) {
    return Status::InvalidArgument(
        "leaf entry version " + std::to_string(static_cast<unsigned char>(bytes[0])) + " is not 1");
  }
  LeafEntry entry;
  entry.source.partition = static_cast<std::int32_t>(GetBigEndian(bytes.substr(1), 4));
  entry.source.offset = static_cast<std::int64_t>(GetBigEndian(bytes.substr(5), 8));
  if (entry.source.partition < 0 || entry.source.offset < 0) {
    return Status::InvalidArgument("a leaf entry's source partition or offset is negative");
  }
  entry.record_sha256 = std::string(bytes.substr(13, 32));
  const auto included = static_cast<unsigned char>(bytes[45]);
  if (included > 1) return Status::InvalidArgument("a leaf entry's 'record included' is not 0/1");
  const std::size_t id_size = GetBigEndian(bytes.substr(46), 2);
  if (id_size > kMaxLeafEntryIdBytes || bytes.size() < kLeafEntryHeaderSize + id_size) {
    return Status::InvalidArgument("a leaf entry's submission id is cut short or too long");
  }
  entry.submission_id = std::string(bytes.substr(kLeafEntryHeaderSize, id_size));
  const std::string_view rest = bytes.substr(kLeafEntryHeaderSize + id_size);
  if (included == 0) {
    if (!rest.empty()) {
      return Status::InvalidArgument("a leaf entry without its record has bytes after the id");
    }
    return entry;
  }
  if (Sha256(rest) != entry.record_sha256) {
    return Status::InvalidArgument("a leaf entry's record does not hash to the SHA-256 it states");
  }
  entry.record = std::string(rest);
  return entry;
}

Result<std::optional<v1::SubmissionRecord>> ParseLeafRecord(const LeafEntry& entry) {
  if (!entry.record) return std::optional<v1::SubmissionRecord>();
  v1::SubmissionRecord record;
  if (!record.ParseFromString(*entry.record)) {
    return Status::InvalidArgument(
        "the record of the entry at partition " + std::to_string(entry.source.partition) +
        " offset " + std::to_string(entry.source.offset) + " is no hattama.v1.SubmissionRecord");
  }
  return std::optional<v1::SubmissionRecord>(std::move(record));
}

}  // namespace hattama::tlog
