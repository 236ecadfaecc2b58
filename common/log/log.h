// Structured logs: one JSON object a line when stderr is not a terminal, readable text when it is.
#pragma once

#include <spdlog/spdlog.h>

#include <string>

namespace hattama::log {

enum class Format { kAuto, kJson, kText };

// Sets up the default spdlog logger for `service`. `level` is one of spdlog's names
// (trace, debug, info, warn, error). Call once at the start of main.
void Init(const std::string& service, Format format = Format::kAuto,
          const std::string& level = "info");

// Parses "auto", "json" or "text".
Format ParseFormat(const std::string& name);

}  // namespace hattama::log
