// The snapshot files on disk (README, "The public portal"; docs: the portal contract): every
// answer the portal reads, as a file nginx serves without asking publication.
//
//   DIR/index.json      {"format": 1, "generated_at": ..., "sequence": N, "files": {name: path}}:
//                       the newest version of every file, rewritten (temporary file + rename)
//                       whenever one changed; `sequence` grows by one each rewrite, across
//                       restarts too (it goes on from the index found at start).
//   DIR/v/<hex>.json    a version: <hex> is the first 32 hex digits of the SHA-256 of its bytes,
//                       so a name is never reused for other bytes and caches may keep it forever.
//                       Two files with the same bytes share one version.
//   DIR/.tmp/           temporary files before their rename (nginx never serves dot paths).
//
// A version no index names any more is deleted `keep` after the index that last named it, so a
// reader that fetched an index just before it changed still finds every file it names. Versions
// found at start that the new index does not name are deleted `keep` after the start.
//
// Not thread-safe: one thread (SnapshotPublisher's) owns it.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "common/base/result.h"
#include "services/publication/http_gateway.h"

namespace hattama::publication {

class SnapshotDirectory {
 public:
  using Clock = std::chrono::steady_clock;

  // Creates DIR, DIR/v and DIR/.tmp when missing and takes over the versions and sequence
  // already there. kUnavailable when the directory cannot be made or read.
  static Result<std::unique_ptr<SnapshotDirectory>> Open(const std::string& dir,
                                                         std::chrono::seconds keep);

  // Makes `bytes` the content of file `name`: writes its version unless one with those bytes is
  // there already. True when the file's content changed (the next Publish names the new
  // version), false when it was already that.
  Result<bool> Put(const std::string& name, std::string_view bytes);

  // Writes index.json when any file changed since the last one, then deletes the versions whose
  // time is up (`now` decides; a test passes a later one).
  Status Publish(Clock::time_point now = Clock::now());

  // The index as last written: name -> "v/<hex>.json".
  const std::map<std::string, std::string>& files() const { return files_; }
  int64_t sequence() const { return sequence_; }
  // Versions written and deleted since Open.
  uint64_t versions_written() const { return versions_written_; }
  uint64_t versions_deleted() const { return versions_deleted_; }

 private:
  SnapshotDirectory(std::string dir, std::chrono::seconds keep);
  // Counts a use of version `path` by a name (deferring its deletion) or the end of one.
  void Use(const std::string& path);
  void Release(const std::string& path);
  std::string IndexJson() const;

  const std::string dir_;
  const std::chrono::seconds keep_;
  std::map<std::string, std::string> files_;  // name -> path of its version
  std::map<std::string, int> uses_;           // path -> names using it
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
