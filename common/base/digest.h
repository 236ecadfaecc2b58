// Digests and their hex form, one way for every part that hashes: submission and figures digests,
// hub tokens, Lua script SHAs, simulated photo hashes.
#pragma once

#include <string>
#include <string_view>

namespace hattama {

// The 32 raw bytes of SHA-256(text).
std::string Sha256(std::string_view text);
// The 20 raw bytes of SHA-1(text) (Redis names scripts by it).
std::string Sha1(std::string_view text);
// Lower-case hex of raw bytes.
std::string Hex(std::string_view bytes);

}  // namespace hattama
