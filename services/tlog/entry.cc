#include "services/tlog/entry.h"

#include "common/base/digest.h"
#include "common/tlog/tile.h"
#include "hattama/v1/records.pb.h"

namespace hattama::transparency {
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
  if (id.size() > kMaxEntryIdBytes) return "";
  return id;
}

}  // namespace

std::string EncodeEntry(const SourcePosition& source, std::string_view value) {
  const std::string id = SubmissionIdOf(value);
  const bool included = kEntryHeaderSize + id.size() + value.size() <= tlog::kMaxEntrySize;
  std::string entry;
  entry.reserve(kEntryHeaderSize + id.size() + (included ? value.size() : 0));
  entry += static_cast<char>(kEntryVersion);
  PutBigEndian(entry, static_cast<std::uint32_t>(source.partition), 4);
  PutBigEndian(entry, static_cast<std::uint64_t>(source.offset), 8);
  entry += Sha256(value);
  entry += static_cast<char>(included ? 1 : 0);
  PutBigEndian(entry, id.size(), 2);
  entry += id;
  if (included) entry += value;
  return entry;
}

Result<Entry> DecodeEntry(std::string_view bytes) {
  if (bytes.size() < kEntryHeaderSize) {
    return Status::InvalidArgument("a leaf entry is at least " + std::to_string(kEntryHeaderSize) +
                                   " bytes; this one is " + std::to_string(bytes.size()));
  }
  if (static_cast<std::uint8_t>(bytes[0]) != kEntryVersion) {
    return Status::InvalidArgument(
        "leaf entry version " + std::to_string(static_cast<unsigned char>(bytes[0])) + " is not 1");
  }
  Entry entry;
  entry.source.partition = static_cast<std::int32_t>(GetBigEndian(bytes.substr(1), 4));
  entry.source.offset = static_cast<std::int64_t>(GetBigEndian(bytes.substr(5), 8));
  if (entry.source.partition < 0 || entry.source.offset < 0) {
    return Status::InvalidArgument("a leaf entry's source partition and offset are not negative");
  }
  entry.record_sha256 = std::string(bytes.substr(13, 32));
  const auto included = static_cast<unsigned char>(bytes[45]);
  if (included > 1) return Status::InvalidArgument("a leaf entry's 'record included' is 0 or 1");
  const std::size_t id_size = GetBigEndian(bytes.substr(46), 2);
  if (id_size > kMaxEntryIdBytes || bytes.size() < kEntryHeaderSize + id_size) {
    return Status::InvalidArgument("a leaf entry's submission id is cut short or too long");
  }
  entry.submission_id = std::string(bytes.substr(kEntryHeaderSize, id_size));
  std::string_view rest = bytes.substr(kEntryHeaderSize + id_size);
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

}  // namespace hattama::transparency
