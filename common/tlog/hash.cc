#include "common/tlog/hash.h"

#include <algorithm>

#include "common/base/digest.h"
#include "common/crypto/base64.h"

namespace hattama::tlog {
namespace {

Hash Sha256Hash(std::string_view bytes) {
  const std::string digest = Sha256(bytes);
  Hash hash;
  std::copy(digest.begin(), digest.end(), hash.begin());
  return hash;
}

}  // namespace

Hash LeafHash(std::string_view entry) {
  std::string input;
  input.reserve(1 + entry.size());
  input += '\x00';
  input += entry;
  return Sha256Hash(input);
}

Hash NodeHash(const Hash& left, const Hash& right) {
  std::array<char, 1 + 2 * kHashSize> input;
  input[0] = '\x01';
  std::copy(left.begin(), left.end(), input.begin() + 1);
  std::copy(right.begin(), right.end(), input.begin() + 1 + kHashSize);
  return Sha256Hash(std::string_view(input.data(), input.size()));
}

Hash EmptyTreeHash() { return Sha256Hash(""); }

std::string_view HashBytes(const Hash& hash) {
  return std::string_view(reinterpret_cast<const char*>(hash.data()), hash.size());
}

Result<Hash> HashFromBytes(std::string_view bytes) {
  if (bytes.size() != kHashSize) {
    return Status::InvalidArgument("a hash is 32 bytes, not " + std::to_string(bytes.size()));
  }
  Hash hash;
  std::copy(bytes.begin(), bytes.end(), hash.begin());
  return hash;
}

std::string HashToBase64(const Hash& hash) { return crypto::EncodeBase64(HashBytes(hash)); }

Result<Hash> HashFromBase64(std::string_view text) {
  auto bytes = crypto::DecodeBase64(text);
  if (!bytes.ok()) return bytes.status();
  return HashFromBytes(*bytes);
}

}  // namespace hattama::tlog
