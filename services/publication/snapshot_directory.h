// The snapshot files on disk (README, "Served from the edge"; docs: the portal contract): every
// answer the portal reads, as a file nginx serves without asking publication.
//
//   DIR/index.json      {"format": 2, "generated_at": ..., "sequence": N,
//                        "files": {name: path}, "buckets": {"count": B, "files": [path, ...]}}:
//                       rewritten (temporary file + rename) whenever a file changed; `sequence`
//                       grows by one each rewrite, across restarts too (it goes on from the
//                       index found at start). `files` names the files Put with
//                       SnapshotListing::kIndex; the others are named by bucket files.
//   DIR/v/<hex>.json    a version: <hex> is the first 32 hex digits of the SHA-256 of its bytes,
//                       so a name is never reused for other bytes and caches may keep it forever.
//                       Two files with the same bytes share one version. A bucket file is a
//                       version too: {"files": {name: path}} for the kBucket names whose
//                       SnapshotBucket is its position in the index's bucket list.
//   DIR/.tmp/           temporary files before their rename (nginx never serves dot paths).
//
// So the index a browser polls holds a few hundred names and B paths however many stations
// there are, and a reader of one station fetches its bucket file (immutable) and then the file.
// Every path, in the index and in a bucket, is relative to the index's own URL.
//
// A version no index names any more, directly or through a bucket, is deleted `keep` after the
// index that last named it, so a reader that fetched an index just before it changed still finds
// every file it names. Versions found at start that the new index does not name are deleted
// `keep` after the start.
//
// Not thread-safe: one thread (SnapshotPublisher's) owns it.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"
#include "services/publication/http_gateway.h"

namespace hattama::publication {

// Where a file's name and path are listed: in index.json itself (the election's and contests'
// files, the nation's and regions' totals) or in its bucket file (the rest).
enum class SnapshotListing { kIndex, kBucket };

// Buckets a deployment's index has unless told otherwise (hattama-publication
// --snapshot-buckets).
inline constexpr uint32_t kDefaultSnapshotBuckets = 64;

// The bucket of file `name`: the FNV-1a 32-bit hash of its bytes (offset basis 2166136261,
// prime 16777619) modulo `count`.
uint32_t SnapshotBucket(std::string_view name, uint32_t count);

class SnapshotDirectory {
 public:
  using Clock = std::chrono::steady_clock;

  // Creates DIR, DIR/v and DIR/.tmp when missing and takes over the versions and sequence
  // already there; its index will have `buckets` buckets (at least 1). kUnavailable when the
  // directory cannot be made or read.
  static Result<std::unique_ptr<SnapshotDirectory>> Open(
      const std::string& dir, std::chrono::seconds keep,
      uint32_t buckets = kDefaultSnapshotBuckets);

  // Makes `bytes` the content of file `name`, listed as `listing` says (always the same for a
  // name): writes its version unless one with those bytes is there already. True when the
  // file's content changed (the next Publish names the new version), false when it was already
  // that.
  Result<bool> Put(const std::string& name, std::string_view bytes,
                   SnapshotListing listing = SnapshotListing::kIndex);

  // When any file changed since the last index: writes the changed buckets' new bucket files,
  // then index.json. Then deletes the versions whose time is up (`now` decides; a test passes a
  // later one).
  Status Publish(Clock::time_point now = Clock::now());

  // The path ("v/<hex>.json") of file `name`'s newest version, "" when it has none.
  std::string PathOf(const std::string& name) const;
  // The bucket files the index names, by bucket ("" before the first Publish).
  std::vector<std::string> bucket_paths() const;
  int64_t sequence() const { return sequence_; }
  // Versions written and deleted since Open.
  uint64_t versions_written() const { return versions_written_; }
  uint64_t versions_deleted() const { return versions_deleted_; }

 private:
  // The names one bucket file lists, and its version as the index names it.
  struct Bucket {
    std::map<std::string, std::string> files;  // name -> path of its version
    std::string path;
    bool changed = true;
  };

  SnapshotDirectory(std::string dir, std::chrono::seconds keep, uint32_t buckets);
  // The path of the version holding `bytes`, written unless it is there already.
  Result<std::string> WriteVersion(std::string_view bytes);
  // Makes `slot` (a name's path, or a bucket's) name version `path`: counts the new use
  // (deferring its deletion) and the end of the old one.
  void Point(std::string& slot, const std::string& path);
  void Use(const std::string& path);
  void Release(const std::string& path);
  Status WriteBuckets();
  std::string IndexJson() const;

  const std::string dir_;
  const std::chrono::seconds keep_;
  std::map<std::string, std::string> files_;  // kIndex names -> path of their version
  std::vector<Bucket> buckets_;
  std::map<std::string, int> uses_;  // path -> names using it
  // Versions no name uses, with when the last index naming them was replaced.
  std::map<std::string, Clock::time_point> unused_;
  bool changed_ = false;
  int64_t sequence_ = 0;
  uint64_t versions_written_ = 0;
  uint64_t versions_deleted_ = 0;
};

// Writes `files` (the portal's, PortalFiles()) into `dir` by their paths (/index.html ->
// dir/index.html), each atomically, so that nginx serves exactly what publication would.
Status WritePortalFiles(const std::string& dir, const StaticFiles& files);

}  // namespace hattama::publication
