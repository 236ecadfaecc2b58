// The directory (--tiles-dir) that holds the log as C2SP tlog-tiles files (common/tlog/tile.h):
//
//   <dir>/checkpoint                  the latest signed checkpoint
//   <dir>/checkpoint.cosigned         the newest checkpoint witnesses cosigned (witnesses.h)
//   <dir>/tile/<L>/<N>[.p/<W>]        hash tiles
//   <dir>/tile/entries/<N>[.p/<W>]    entry bundles
//   <dir>/.tmp/                       files being written (never served)
//   <dir>/.witnesses                  the witnesses' kept cosignatures (witnesses.h; not served
//                                     by hattama-tlog, public all the same)
//
// so that any static file server or CDN can serve the directory as it is. Every file is written
// to .tmp and renamed into place: a reader sees an old file or a new one whole, never a torn one.
// Full tiles and bundles never change once written; the checkpoint and partial tiles are
// replaced. A partial tile is removed once its full tile exists (C2SP tlog-tiles allows it;
// clients then take the full tile's prefix), so that at most one tile index per level keeps
// partials.
//
// Thread-safety: the publisher's thread writes the tiles and the checkpoint, Witnesses its own
// files (each from one thread at a time); writes of different paths may run at once, since every
// write has a temporary file of its own. Reads from any thread are safe alongside, since files
// only ever appear whole.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/base/result.h"
#include "common/tlog/tile.h"

namespace hattama::transparency {

class TileStore {
 public:
  // Creates the directory (and its parents) if missing; Unavailable if it cannot be.
  static Result<std::unique_ptr<TileStore>> Open(const std::string& dir);

  const std::string& dir() const { return dir_; }

  enum class Written { kNew, kUnchanged, kReplaced };
  // Writes an immutable file (a full tile or bundle). An existing file with the same bytes is left
  // alone (kUnchanged); one with other bytes (a torn disk, another log's directory) is replaced
  // (kReplaced, for the caller to report). Unavailable when the disk refuses.
  Result<Written> WriteImmutable(std::string_view path, std::string_view data);
  // Writes (or replaces) a mutable file: the checkpoint, a partial tile.
  Status WriteMutable(std::string_view path, std::string_view data);
  // Removes the partial tiles of full tile `tile` (TilePath, or EntryBundlePath with
  // `entry_bundle`): the directory "<its path>.p".
  Status RemovePartials(const tlog::Tile& tile, bool entry_bundle);
  // Removes the file at `path` if there is one; Unavailable when the disk refuses.
  Status Remove(std::string_view path);

  // The bytes of the file at `path` (relative to the directory, as above); NotFound when there
  // is none, Unavailable when it cannot be read. The caller checks that `path` is a tile path or
  // "checkpoint": nothing here keeps it inside the directory.
  Result<std::string> Read(std::string_view path) const;

 private:
  explicit TileStore(std::string dir) : dir_(std::move(dir)) {}
  std::string FullPath(std::string_view path) const;
  Status WriteAtomically(const std::string& full_path, std::string_view data);

  std::string dir_;
};

}  // namespace hattama::transparency
