// Small files written so that a crash leaves either the old file or the new one, never half of
// either: key files, a verifier's saved checkpoints and witness state, the log's tiles. Read with
// a size bound, so that a wrong path (a log, a device) is not read whole.
//
// Stateless functions, safe from any thread (two writers of one path: the last rename wins).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "common/base/result.h"

namespace hattama {

struct FileWriteOptions {
  mode_t mode = 0644;  // set whatever the umask
  // fsync before the file appears, so that it survives a power loss whole. Files rebuilt from
  // elsewhere (the log's tiles, from Kafka) skip it.
  bool sync = true;
  // The directory of the temporary file, on the file system of `path`: beside `path` when empty;
  // a directory of its own where readers must never see one (the tiles' .tmp, never served).
  std::string temp_dir;
};

// The bytes of the file at `path`: NotFound without it, ResourceExhausted when it is larger than
// `max_bytes`, Unavailable when it cannot be read.
Result<std::string> ReadSmallFile(const std::string& path, std::size_t max_bytes);

// Replaces (or creates) `path` with `text`: written to a temporary file, then renamed over it.
// Unavailable when it cannot be written.
Status WriteFileAtomically(const std::string& path, std::string_view text,
                           const FileWriteOptions& options = {});

// Creates `path` with `text`, never over an existing file (FailedPrecondition): the whole file
// appears at once (written to a temporary file, then linked into place), so a crash never leaves
// a half-written key. Unavailable when it cannot be written.
Status WriteNewFile(const std::string& path, std::string_view text,
                    const FileWriteOptions& options = {});

}  // namespace hattama
