// Merkle tree hashing of RFC 6962 §2.1 / RFC 9162 §2.1, with SHA-256, the hashing of every C2SP
// transparency log format (tlog-checkpoint, tlog-tiles) and of Go's golang.org/x/mod/sumdb/tlog.
//
//   leaf hash    SHA-256(0x00 || entry)            (Go: tlog.RecordHash)
//   node hash    SHA-256(0x01 || left || right)    (Go: tlog.NodeHash)
//   empty tree   SHA-256() = e3b0c442…b855, the hash of no bytes (RFC 6962's MTH({}); Go's
//                tlog.TreeHash(0) returns 32 zero bytes instead, a value no proof ever uses)
//
// The tree hash of n > 1 leaves D[0:n] is node(MTH(D[0:k]), MTH(D[k:n])) with k the largest
// power of two below n; of one leaf it is that leaf's hash. What an entry's bytes are is the
// integrator's to define; this library hashes the bytes it is given.
//
// In text (checkpoints, signed notes, JSON) a hash is standard base64 with padding: 44
// characters.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/base/result.h"

namespace hattama::tlog {

inline constexpr std::size_t kHashSize = 32;
using Hash = std::array<std::uint8_t, kHashSize>;

Hash LeafHash(std::string_view entry);
Hash NodeHash(const Hash& left, const Hash& right);
Hash EmptyTreeHash();

// The hash's 32 bytes as a string (for writing tiles and hashing).
std::string_view HashBytes(const Hash& hash);
// The hash whose 32 bytes are `bytes`, or InvalidArgument naming the length.
Result<Hash> HashFromBytes(std::string_view bytes);

std::string HashToBase64(const Hash& hash);
// The hash `text` encodes, or InvalidArgument (bad base64, not 32 bytes).
Result<Hash> HashFromBase64(std::string_view text);

}  // namespace hattama::tlog
