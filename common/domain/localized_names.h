// Names per language in the election (localized_names of Election, Contest, Option and Area):
// which language tags the registry accepts and how long a name may be.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "common/base/result.h"
#include "hattama/v1/election.pb.h"

namespace hattama::domain {

// The languages the portal speaks: Kazakh, Russian, English. Only these are accepted, not any
// BCP-47 tag: a name under a tag no reader asks for is never shown, so a tag like "kz" or "ru-RU"
// is far more likely a mistake than a wish, and refusing it says so at load time.
inline constexpr std::array<std::string_view, 3> kNameLanguages = {"kk", "ru", "en"};

// A localized name is at most this many bytes of UTF-8 (64 Cyrillic letters take 128): it is
// copied into every answer that names the area or option, and into the portal's labels.
inline constexpr size_t kMaxLocalizedNameBytes = 256;

// Checks every localized_names map of the election: each key one of kNameLanguages, each name
// non-empty, at most kMaxLocalizedNameBytes and free of control characters. The error names the
// area, contest or option, the language and what is wrong. Pure.
Status CheckLocalizedNames(const v1::Election& election);

}  // namespace hattama::domain
