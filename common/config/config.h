// Flags with HATTAMA_* environment fallbacks, one way for every service and tool.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

namespace hattama::config {

// The environment variable that backs a flag: "--redis-address" -> "HATTAMA_REDIS_ADDRESS".
std::string EnvName(const std::string& flag);

// Adds "--<name>" bound to `value`, falling back to HATTAMA_<NAME> and showing the default in
// --help.
template <typename T>
CLI::Option* AddFlag(CLI::App& app, const std::string& name, T& value, const std::string& help) {
  return app.add_option("--" + name, value, help)->envname(EnvName(name))->capture_default_str();
}

// Parses the command line. Returns an exit code when the program should stop now (after --help,
// or after printing a parse error), std::nullopt to go on.
std::optional<int> Parse(CLI::App& app, int argc, char** argv);

}  // namespace hattama::config
