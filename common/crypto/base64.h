// Standard base64 (RFC 4648 §4: alphabet A-Z a-z 0-9 + /, '=' padding), the encoding of keys,
// signatures and hashes in signed notes and checkpoints (C2SP signed-note, tlog-checkpoint).
//
// Decoding is strict, so that one byte string has exactly one accepted text: the length must be a
// multiple of 4, padding must be present and only at the end, no whitespace or other characters,
// and the unused bits of the last character must be zero. Every encoder these formats meet (Go's
// encoding/base64, OpenSSL, browsers' btoa) writes this canonical form.
#pragma once

#include <string>
#include <string_view>

#include "common/base/result.h"

namespace hattama::crypto {

std::string EncodeBase64(std::string_view bytes);

// The bytes that `text` encodes, or InvalidArgument naming the first thing wrong with it.
Result<std::string> DecodeBase64(std::string_view text);

}  // namespace hattama::crypto
