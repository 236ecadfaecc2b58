#include "common/base/digest.h"

#include <openssl/evp.h>

namespace hattama {
namespace {

std::string Digest(std::string_view text, const EVP_MD* algorithm) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, algorithm, nullptr);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

}  // namespace

std::string Sha256(std::string_view text) { return Digest(text, EVP_sha256()); }

std::string Sha1(std::string_view text) { return Digest(text, EVP_sha1()); }

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    hex.push_back(kDigits[c >> 4]);
    hex.push_back(kDigits[c & 0xf]);
  }
  return hex;
}

}  // namespace hattama
