// The few files hattama-verify keeps: checkpoints it saved, a witness's state and key. Read with a
// size bound (a wrong path must not be read whole) and written so that a crash leaves either the
// old file or the new one, never half of either.
//
// Stateless functions, safe from any thread (two writers of one path: the last rename wins).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>

#include "common/base/result.h"

namespace hattama::verify {

// The bytes of the file at `path`: NotFound without it, ResourceExhausted when it is larger than
// `max_bytes`, Unavailable when it cannot be read.
Result<std::string> ReadSmallFile(const std::string& path, std::size_t max_bytes);

// Replaces (or creates) `path` with `text` and mode `mode`: written and synced to a temporary file
// beside it, then renamed over it. Unavailable when it cannot be written.
Status WriteFileAtomically(const std::string& path, const std::string& text, mode_t mode);

// Creates `path` with `text` and mode `mode`, never over an existing file (FailedPrecondition):
// the whole file appears at once (written beside it, then linked into place), so a crash never
// leaves a half-written key. Unavailable when it cannot be written.
Status WriteNewFile(const std::string& path, const std::string& text, mode_t mode);

}  // namespace hattama::verify
