// UTF-8 checks that signed notes need (C2SP signed-note: valid UTF-8, no ASCII control character
// but newline; key names without Unicode spaces). Valid means what Go's unicode/utf8 accepts: no
// overlong forms, no surrogates, nothing above U+10FFFF, so both sides agree on every note.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hattama::tlog::internal {

// The code points of `text`, or nullopt if it is not valid UTF-8.
std::optional<std::u32string> DecodeUtf8(std::string_view text);

// Unicode's White_Space property (Go's unicode.IsSpace).
bool IsUnicodeSpace(char32_t c);

}  // namespace hattama::tlog::internal
