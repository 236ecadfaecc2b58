#include "services/publication/snapshot_directory.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <regex>

#include "common/base/digest.h"
#include "common/base/files.h"
#include "common/base/json_string.h"

namespace hattama::publication {
namespace {

namespace fs = std::filesystem;

// The longest index.json read at start for its sequence (a format 1 index of 10,000 stations,
// naming every file, was ~1 MB).
constexpr size_t kMaxIndexBytes = 64 << 20;
// Hex digits of a version's name: 128 bits of SHA-256.
constexpr size_t kNameHexDigits = 32;

// A JSON object of "name": "path", one a line, in name order.
std::string JsonFiles(const std::map<std::string, std::string>& files) {
  std::string json = "{";
  bool first = true;
  for (const auto& [name, path] : files) {
    json += (first ? "\n  " : ",\n  ") + JsonString(name) + ": " + JsonString(path);
    first = false;
  }
  return json + "}";
}

std::string UtcNow() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

// Files rebuilt from Redis on the next start need no fsync; readers never see a partial one.
FileWriteOptions WriteOptions(const std::string& dir) {
  return {.mode = 0644, .sync = false, .temp_dir = dir + "/.tmp"};
}

}  // namespace

uint32_t SnapshotBucket(std::string_view name, uint32_t count) {
  uint32_t hash = 2166136261u;
  for (char c : name) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 16777619u;
  }
  return hash % std::max<uint32_t>(1, count);
}

SnapshotDirectory::SnapshotDirectory(std::string dir, std::chrono::seconds keep, uint32_t buckets)
    : dir_(std::move(dir)), keep_(keep), buckets_(std::max<uint32_t>(1, buckets)) {}

Result<std::unique_ptr<SnapshotDirectory>> SnapshotDirectory::Open(const std::string& dir,
                                                                   std::chrono::seconds keep,
                                                                   uint32_t buckets) {
  std::error_code error;
  for (const std::string& sub : {dir + "/v", dir + "/.tmp"}) {
    fs::create_directories(sub, error);
    if (error) return Status::Unavailable("cannot create " + sub + ": " + error.message());
  }
  std::unique_ptr<SnapshotDirectory> directory(new SnapshotDirectory(dir, keep, buckets));
  const auto now = Clock::now();
  for (const auto& entry : fs::directory_iterator(dir + "/v", error)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && name.ends_with(".json")) {
      directory->unused_["v/" + name] = now;
    }
  }
  if (error) return Status::Unavailable("cannot read " + dir + "/v: " + error.message());
  // Temporary files of a run that stopped between write and rename.
  for (const auto& entry : fs::directory_iterator(dir + "/.tmp", error)) {
    fs::remove(entry.path(), error);
  }
  auto index = ReadSmallFile(dir + "/index.json", kMaxIndexBytes);
  std::smatch sequence;
  if (index.ok() && std::regex_search(*index, sequence, std::regex(R"("sequence":\s*(\d+))"))) {
    directory->sequence_ = std::stoll(sequence[1].str());
  }
  return directory;
}

void SnapshotDirectory::Use(const std::string& path) {
  ++uses_[path];
  unused_.erase(path);
}

void SnapshotDirectory::Release(const std::string& path) {
  auto it = uses_.find(path);
  if (it == uses_.end() || --it->second > 0) return;
  uses_.erase(it);
  // The index on disk still names it until the next Publish; its time starts then.
  unused_[path] = Clock::time_point::max();
}

void SnapshotDirectory::Point(std::string& slot, const std::string& path) {
  Use(path);
  if (!slot.empty()) Release(slot);
  slot = path;
}

Result<std::string> SnapshotDirectory::WriteVersion(std::string_view bytes) {
  const std::string path = "v/" + Hex(Sha256(bytes)).substr(0, kNameHexDigits) + ".json";
  if (uses_.count(path) == 0 && !fs::exists(dir_ + "/" + path)) {
    Status written = WriteFileAtomically(dir_ + "/" + path, bytes, WriteOptions(dir_));
    if (!written.ok()) return written;
    ++versions_written_;
  }
  return path;
}

Result<bool> SnapshotDirectory::Put(const std::string& name, std::string_view bytes,
                                    SnapshotListing listing) {
  Bucket* bucket = listing == SnapshotListing::kBucket
                       ? &buckets_[SnapshotBucket(name, static_cast<uint32_t>(buckets_.size()))]
                       : nullptr;
  auto path = WriteVersion(bytes);
  if (!path.ok()) return path.status();
  std::string& slot = bucket ? bucket->files[name] : files_[name];
  if (slot == *path) return false;
  Point(slot, *path);
  if (bucket) bucket->changed = true;
  changed_ = true;
  return true;
}

std::string SnapshotDirectory::PathOf(const std::string& name) const {
  if (auto it = files_.find(name); it != files_.end()) return it->second;
  const auto& bucket = buckets_[SnapshotBucket(name, static_cast<uint32_t>(buckets_.size()))];
  auto it = bucket.files.find(name);
  return it == bucket.files.end() ? "" : it->second;
}

std::vector<std::string> SnapshotDirectory::bucket_paths() const {
  std::vector<std::string> paths;
  for (const Bucket& bucket : buckets_) paths.push_back(bucket.path);
  return paths;
}

Status SnapshotDirectory::WriteBuckets() {
  for (Bucket& bucket : buckets_) {
    if (!bucket.changed) continue;
    auto path = WriteVersion("{\"files\": " + JsonFiles(bucket.files) + "}\n");
    if (!path.ok()) return path.status();
    if (bucket.path != *path) Point(bucket.path, *path);
    bucket.changed = false;
  }
  return Status::Ok();
}

std::string SnapshotDirectory::IndexJson() const {
  std::string json =
      "{\"format\": 2, \"generated_at\": \"" + UtcNow() +
      "\", \"sequence\": " + std::to_string(sequence_) + ", \"files\": " + JsonFiles(files_) +
      ",\n\"buckets\": {\"count\": " + std::to_string(buckets_.size()) + ", \"files\": [";
  bool first = true;
  for (const Bucket& bucket : buckets_) {
    json += (first ? "\n  " : ",\n  ") + JsonString(bucket.path);
    first = false;
  }
  return json + "]}}\n";
}

Status SnapshotDirectory::Publish(Clock::time_point now) {
  if (changed_) {
    if (Status written = WriteBuckets(); !written.ok()) return written;
    ++sequence_;
    Status written = WriteFileAtomically(dir_ + "/index.json", IndexJson(), WriteOptions(dir_));
    if (!written.ok()) {
      --sequence_;
      return written;
    }
    changed_ = false;
    // Versions the replaced index named: their time starts now.
    for (auto& [path, since] : unused_) {
      if (since == Clock::time_point::max()) since = now;
    }
  }
  for (auto it = unused_.begin(); it != unused_.end();) {
    if (it->second == Clock::time_point::max() || now - it->second < keep_) {
      ++it;
      continue;
    }
    std::error_code error;
    fs::remove(dir_ + "/" + it->first, error);
    if (error) spdlog::warn("cannot delete {}/{}: {}", dir_, it->first, error.message());
    ++versions_deleted_;
    it = unused_.erase(it);
  }
  return Status::Ok();
}

Status WritePortalFiles(const std::string& dir, const StaticFiles& files) {
  std::error_code error;
  fs::create_directories(dir, error);
  if (error) return Status::Unavailable("cannot create " + dir + ": " + error.message());
  for (const auto& [path, file] : files) {
    const std::string target = dir + path;
    fs::create_directories(fs::path(target).parent_path(), error);
    Status written =
        WriteFileAtomically(target, file.second, {.mode = 0644, .sync = false, .temp_dir = ""});
    if (!written.ok()) return written;
  }
  return Status::Ok();
}

}  // namespace hattama::publication
