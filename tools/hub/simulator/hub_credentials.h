// The simulated hubs' credentials: DIR/hubs.csv, the hub registry ingestion loads (token hashes
// only), and DIR/hub-tokens.csv, the tokens themselves ("hub_id,token"), which stay with the hubs
// (they read it with LoadHubTokens, tools/hub/client/hub_tokens.h).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "tools/hub/simulator/plan.h"

namespace hattama::hub {

std::string HubRegistryPath(const std::string& dir);
std::string HubTokensPath(const std::string& dir);

// Gives every hub of `plan` a fresh random token and the regions the plan assigns it, and writes
// both files into `dir`.
Status WriteHubCredentials(const Plan& plan, const std::string& dir);
// The same for hubs `hub_ids` given the regions of `hub_of_region` (region area id -> hub id).
Status WriteHubCredentials(const std::vector<std::string>& hub_ids,
                           const std::map<std::string, std::string>& hub_of_region,
                           const std::string& dir);

}  // namespace hattama::hub
