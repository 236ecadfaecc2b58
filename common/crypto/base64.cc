#include "common/crypto/base64.h"

#include <array>
#include <cstdint>

namespace hattama::crypto {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr int kNotBase64 = -1;

constexpr std::array<int, 256> MakeDecodeTable() {
  std::array<int, 256> table{};
  for (int& value : table) value = kNotBase64;
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
    table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int>(i);
  }
  return table;
}
constexpr std::array<int, 256> kDecode = MakeDecodeTable();

}  // namespace

std::string EncodeBase64(std::string_view bytes) {
  std::string text;
  text.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t group = static_cast<unsigned char>(bytes[i]) << 16 |
                                static_cast<unsigned char>(bytes[i + 1]) << 8 |
                                static_cast<unsigned char>(bytes[i + 2]);
    text += kAlphabet[group >> 18 & 63];
    text += kAlphabet[group >> 12 & 63];
    text += kAlphabet[group >> 6 & 63];
    text += kAlphabet[group & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 0) return text;
  std::uint32_t group = static_cast<unsigned char>(bytes[i]) << 16;
  if (rest == 2) group |= static_cast<unsigned char>(bytes[i + 1]) << 8;
  text += kAlphabet[group >> 18 & 63];
  text += kAlphabet[group >> 12 & 63];
  text += rest == 2 ? kAlphabet[group >> 6 & 63] : '=';
  text += '=';
  return text;
}

Result<std::string> DecodeBase64(std::string_view text) {
  if (text.size() % 4 != 0) {
    return Status::InvalidArgument("base64 text of " + std::to_string(text.size()) +
                                   " characters is not a multiple of 4 (padding missing?)");
  }
  std::size_t padding = 0;
  if (!text.empty() && text.back() == '=') padding = text[text.size() - 2] == '=' ? 2 : 1;
  std::string bytes;
  bytes.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    const std::size_t digits = last ? 4 - padding : 4;
    std::uint32_t group = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      const int value = j < digits ? kDecode[static_cast<unsigned char>(text[i + j])] : 0;
      if (value == kNotBase64) {
        return Status::InvalidArgument("base64 text has '" + std::string(1, text[i + j]) +
                                       "' at position " + std::to_string(i + j));
      }
      group = group << 6 | static_cast<std::uint32_t>(value);
    }
    bytes += static_cast<char>(group >> 16 & 0xff);
    if (digits >= 3) bytes += static_cast<char>(group >> 8 & 0xff);
    if (digits == 4) bytes += static_cast<char>(group & 0xff);
    // Bits below the last full byte must be zero, or two texts would decode to the same bytes.
    const std::uint32_t unused = digits == 2 ? group & 0xffff : digits == 3 ? group & 0xff : 0;
    if (unused != 0) return Status::InvalidArgument("base64 text is not canonical (stray bits)");
  }
  return bytes;
}

}  // namespace hattama::crypto
