// Text as a JSON string, for the JSON the services write by hand (error bodies, snapshot indexes,
// exports, the log's HTTP answers): a quote and a backslash escaped, a control character as
// \u00XX (JSON allows none raw), every other byte as it is (the text is UTF-8 already).
#pragma once

#include <string>
#include <string_view>

namespace hattama {

// The inside of the JSON string, without its quotes.
inline std::string JsonEscape(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20) {
      out += "\\u00";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    } else {
      out += c;
    }
  }
  return out;
}

// The JSON string, quotes included.
inline std::string JsonString(std::string_view text) { return '"' + JsonEscape(text) + '"'; }

}  // namespace hattama
