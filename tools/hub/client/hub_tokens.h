// A hub's bearer tokens on disk: a "hub_id,token" CSV (header line first), as hattama-hub generate
// writes it for the simulated hubs. The tokens go into StreamOptions::tokens.
#pragma once

#include <map>
#include <string>

#include "common/base/result.h"

namespace hattama::hub {

// hub_id -> token. Lines that are empty or start with '#' are skipped; an error names a file that
// cannot be read or a line without a comma.
Result<std::map<std::string, std::string>> LoadHubTokens(const std::string& path);

}  // namespace hattama::hub
