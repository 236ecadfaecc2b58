#include "tools/hub/client/hub_tokens.h"

#include <fstream>

namespace hattama::hub {

Result<std::map<std::string, std::string>> LoadHubTokens(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::Error("cannot read hub tokens from " + path);
  std::map<std::string, std::string> tokens;
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    if (header) {
      header = false;
      continue;
    }
    const auto comma = line.find(',');
    if (comma == std::string::npos) return Status::Error(path + ": expected hub_id,token");
    tokens[line.substr(0, comma)] = line.substr(comma + 1);
  }
  return tokens;
}

}  // namespace hattama::hub
