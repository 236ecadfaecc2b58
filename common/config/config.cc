#include "common/config/config.h"

#include <cctype>

namespace hattama::config {

std::string EnvName(const std::string& flag) {
  std::string env = "HATTAMA_";
  for (char c : flag) {
    env += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return env;
}

std::optional<int> Parse(CLI::App& app, int argc, char** argv) {
  app.footer("Every flag can also be set by its environment variable (shown as ENV).");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return std::nullopt;
}

}  // namespace hattama::config
