// What the transparency log's tests share: records and their entries, a log key, a log in memory
// published into a directory.
#pragma once

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/crypto/ed25519.h"
#include "common/tlog/entry.h"
#include "common/tlog/note.h"
#include "common/tlog/note_key.h"
#include "common/tlog/tile.h"
#include "hattama/v1/records.pb.h"

namespace hattama::transparency::testing {

// The Kafka value of a SubmissionRecord with `submission_id` (and a station and contest).
inline std::string RecordValue(const std::string& submission_id) {
  v1::SubmissionRecord record;
  record.mutable_submission()->set_submission_id(submission_id);
  record.mutable_submission()->mutable_protocol()->set_station_id("UIK-00001");
  record.mutable_submission()->mutable_protocol()->set_contest_id("mazhilis");
  record.mutable_accepted_time()->set_seconds(1760000000);
  return record.SerializeAsString();
}

// The entry of the record with `submission_id` at (partition, offset).
inline std::string EntryOf(const std::string& submission_id, int32_t partition, int64_t offset) {
  return tlog::EncodeLeafEntry({.partition = partition, .offset = offset},
                               RecordValue(submission_id));
}

// A fixed log key (seed byte `seed` repeated) named `origin`.
inline tlog::NoteSigner TestSigner(const std::string& origin = "hattama/test", char seed = 7) {
  auto key = crypto::Ed25519PrivateKey::FromSeed(std::string(32, seed));
  return tlog::NoteSigner::Create(origin, tlog::NoteKeyType::kEd25519, key.value()).value();
}

// A witness's key (cosignature/v1, seed byte `seed` repeated) named `name`.
inline tlog::NoteSigner WitnessSigner(const std::string& name, char seed) {
  auto key = crypto::Ed25519PrivateKey::FromSeed(std::string(32, seed));
  return tlog::NoteSigner::Create(name, tlog::NoteKeyType::kCosignatureV1, key.value()).value();
}

// The signed note `note` with `witness`'s cosignature line added, stating `time` (now if absent).
inline std::string Cosign(const std::string& note, const tlog::NoteSigner& witness,
                          std::optional<int64_t> time = std::nullopt) {
  return tlog::SignNote(tlog::ParseNote(note).value(), std::span(&witness, 1), time).value();
}

// The files of a tiles directory but .tmp, relative path -> bytes.
inline std::map<std::string, std::string> TileFiles(const std::string& dir) {
  namespace fs = std::filesystem;
  std::map<std::string, std::string> files;
  for (const auto& item : fs::recursive_directory_iterator(dir)) {
    const std::string path = fs::relative(item.path(), dir).string();
    if (!item.is_regular_file() || path.starts_with(".tmp")) continue;
    std::ifstream in(item.path(), std::ios::binary);
    files[path] = std::string(std::istreambuf_iterator<char>(in), {});
  }
  return files;
}

// The paths whose bytes differ between two sets of files (or that only one has), "" when none:
// what a failed comparison prints instead of megabytes of tiles.
inline std::string FileDifferences(const std::map<std::string, std::string>& a,
                                   const std::map<std::string, std::string>& b) {
  std::string differences;
  for (const auto& [path, bytes] : a) {
    auto other = b.find(path);
    if (other == b.end())
      differences += path + " (only in the first)\n";
    else if (other->second != bytes)
      differences += path + " (other bytes)\n";
  }
  for (const auto& [path, bytes] : b) {
    if (!a.contains(path)) differences += path + " (only in the second)\n";
  }
  return differences;
}

// FileDifferences of the files a verifier of the checkpoint of `size` reads: the checkpoint, every
// tile of the tree at `size` and every entry bundle, the partial ones of that size only; a file
// that `a` lacks is a difference too. (Older partial tiles stay until their tile is full, and which
// of them exist depends on the sizes checkpointed on the way.)
inline std::string CheckpointFileDifferences(const std::map<std::string, std::string>& a,
                                             const std::map<std::string, std::string>& b,
                                             int64_t size) {
  std::vector<std::string> paths = {"checkpoint"};
  for (const tlog::Tile& tile : tlog::NewTiles(0, size)) {
    paths.push_back(tlog::TilePath(tile));
    if (tile.level == 0) paths.push_back(tlog::EntryBundlePath(tile));
  }
  std::map<std::string, std::string> needed_a, needed_b;
  std::string missing;
  for (const std::string& path : paths) {
    if (auto file = a.find(path); file != a.end())
      needed_a.insert(*file);
    else
      missing += path + " (missing from the first)\n";
    if (auto file = b.find(path); file != b.end()) needed_b.insert(*file);
  }
  return missing + FileDifferences(needed_a, needed_b);
}

}  // namespace hattama::transparency::testing
