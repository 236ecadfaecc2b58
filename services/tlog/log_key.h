// The log key: the Ed25519 key that signs checkpoints, kept in a file (or a mounted Kubernetes
// Secret) as a C2SP signed-note signer key, the form Go's golang.org/x/mod/sumdb/note reads:
//
//   PRIVATE+KEY+<origin>+<key hash, 8 hex digits>+<base64(0x01 || 32-byte seed)>
//
// and its public half, the verifier key "<origin>+<key hash>+<base64(0x01 || public key)>", which
// checkers use to open checkpoints (common/tlog/note_key.h defines both). The key's name is the
// log's origin.
//
// Stateless functions, safe from any thread.
#pragma once

#include <string>

#include "common/base/result.h"
#include "common/tlog/note_key.h"

namespace hattama::transparency {

// Creates a new key named `origin`, writes its signer key to `path` (mode 0600, never over an
// existing file: FailedPrecondition) and its verifier key to `path`.pub (mode 0644, replaced).
// Returns the verifier key.
Result<std::string> GenerateLogKey(const std::string& path, const std::string& origin);

// The signer key in the file at `path`: NotFound without the file, InvalidArgument (naming the
// path, never the secret) when it holds no valid Ed25519 signer key.
Result<tlog::NoteSigner> ReadLogKey(const std::string& path);

}  // namespace hattama::transparency
