// The text form of Ed25519 keys, for files, Kubernetes Secrets and environment variables.
//
// A key text is one line "<label> <base64 of the raw key>", the label naming what the key is:
//
//   ed25519-private-key <base64 of the 32-byte seed>
//   ed25519-public-key <base64 of the 32-byte public key>
//
// for example "ed25519-public-key 11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=" (RFC 8032 §7.1's
// first test key). Base64 is RFC 4648 §4 with padding (base64.h). When read, a text may also hold
// blank lines and comment lines starting with '#', and lines may end in "\r\n"; exactly one key
// line must be there. The formats of signed notes (common/tlog/note_key.h) are different and
// self-describing: they carry a key name and key hash too.
//
// A private key file is written with mode 0600 and never over an existing file, so that a keygen
// run twice cannot destroy the key a log or an observer signs with.
#pragma once

#include <string>
#include <string_view>

#include "common/base/result.h"
#include "common/crypto/ed25519.h"

namespace hattama::crypto {

// "ed25519-private-key <base64>\n": the secret, to be stored as such.
std::string FormatPrivateKey(const Ed25519PrivateKey& key);
// "ed25519-public-key <base64>\n".
std::string FormatPublicKey(const Ed25519PublicKey& key);

// The key in `text`, or InvalidArgument naming what is wrong (no key line, two of them, the other
// kind of key, bad base64, a wrong length).
Result<Ed25519PrivateKey> ParsePrivateKey(std::string_view text);
Result<Ed25519PublicKey> ParsePublicKey(std::string_view text);

// Writes a new file of mode 0600; FailedPrecondition if `path` exists, Unavailable if it cannot be
// written.
Status WritePrivateKeyFile(const std::string& path, const Ed25519PrivateKey& key);
// Writes (or replaces) a file of mode 0644; Unavailable if it cannot be written.
Status WritePublicKeyFile(const std::string& path, const Ed25519PublicKey& key);

// The key in the file at `path`: NotFound if there is no such file, Unavailable if it cannot be
// read, InvalidArgument (naming the path) if it holds no valid key of that kind.
Result<Ed25519PrivateKey> ReadPrivateKeyFile(const std::string& path);
Result<Ed25519PublicKey> ReadPublicKeyFile(const std::string& path);

}  // namespace hattama::crypto
