// Known-answer vectors in tests: published in hex, and the leaves that Certificate Transparency's
// implementations share.
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

// The entries (in hex) of the RFC 6962 test tree of transparency-dev/merkle's
// testonly/constants.go, whose roots and proofs are published.
inline constexpr const char* kCtLeaves[] = {"",
                                            "00",
                                            "10",
                                            "2021",
                                            "3031",
                                            "40414243",
                                            "5051525354555657",
                                            "606162636465666768696a6b6c6d6e6f"};

}  // namespace hattama::tlog::testing
