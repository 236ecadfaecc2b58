// Hex in tests: known-answer vectors are published in hex.
#pragma once

#include <string>
#include <string_view>

#include "common/base/digest.h"
#include "common/tlog/hash.h"

namespace hattama::tlog::testing {

inline std::string Unhex(std::string_view hex) {
  std::string bytes;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  }
  return bytes;
}

inline Hash HashFromHex(std::string_view hex) { return *HashFromBytes(Unhex(hex)); }

inline std::string HexOf(const Hash& hash) { return Hex(HashBytes(hash)); }

}  // namespace hattama::tlog::testing
