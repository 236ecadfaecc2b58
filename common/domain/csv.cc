#include "common/domain/csv.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace hattama::domain {
namespace {

std::string_view TrimBlanks(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

// The fields of one line; an error when a quote is not closed or text follows a closing quote.
Result<std::vector<std::string>> SplitLine(std::string_view line) {
  std::vector<std::string> fields;
  size_t at = 0;
  while (true) {
    const size_t start = line.find_first_not_of(" \t", at);
    if (start != std::string_view::npos && line[start] == '"') {
      std::string field;
      size_t i = start + 1;
      for (;; ++i) {
        if (i >= line.size()) return Status::Error("a quoted field is not closed");
        if (line[i] != '"') {
          field += line[i];
        } else if (i + 1 < line.size() && line[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          break;
        }
      }
      const size_t after = line.find_first_not_of(" \t", i + 1);
      if (after != std::string_view::npos && line[after] != ',') {
        return Status::Error("text after a closing quote");
      }
      fields.push_back(std::move(field));
      if (after == std::string_view::npos) return fields;
      at = after + 1;
      continue;
    }
    const size_t end = line.find(',', at);
    fields.emplace_back(TrimBlanks(line.substr(at, end - at)));
    if (end == std::string_view::npos) return fields;
    at = end + 1;
  }
}

}  // namespace

Result<std::vector<CsvRow>> ParseCsv(std::string_view text,
                                     const std::vector<std::string>& header) {
  std::vector<CsvRow> rows;
  bool header_seen = false;
  int number = 0;
  size_t at = 0;
  while (at < text.size()) {
    const size_t end = std::min(text.find('\n', at), text.size());
    std::string_view line = text.substr(at, end - at);
    at = end + 1;
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (TrimBlanks(line).empty() || line.front() == '#') continue;
    auto fields = SplitLine(line);
    if (!fields.ok())
      return Status::Error(fmt::format("line {}: {}", number, fields.status().message()));
    if (!header_seen) {
      header_seen = true;
      if (*fields != header) {
        return Status::Error(
            fmt::format("line {}: the header must be {}", number, fmt::join(header, ",")));
      }
      continue;
    }
    if (fields->size() != header.size()) {
      return Status::Error(fmt::format("line {}: expected {} fields, found {}", number,
                                       header.size(), fields->size()));
    }
    rows.push_back({number, std::move(fields).value()});
  }
  if (!header_seen) {
    return Status::Error(
        fmt::format("no header: the first line must be {}", fmt::join(header, ",")));
  }
  return rows;
}

std::vector<std::string> SplitList(std::string_view field, char separator) {
  std::vector<std::string> items;
  while (!field.empty()) {
    const size_t end = std::min(field.find(separator), field.size());
    if (auto item = TrimBlanks(field.substr(0, end)); !item.empty()) items.emplace_back(item);
    field.remove_prefix(std::min(end + 1, field.size()));
  }
  return items;
}

Result<std::string> ReadTextFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error("cannot open " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string CsvField(std::string_view value) {
  const bool quote =
      value.find_first_of(",\"") != std::string_view::npos ||
      (!value.empty() && (value.front() == '#' || value.front() == ' ' || value.front() == '\t' ||
                          value.back() == ' ' || value.back() == '\t'));
  if (!quote) return std::string(value);
  std::string field = "\"";
  for (char c : value) {
    if (c == '"') field += '"';
    field += c;
  }
  return field + "\"";
}

}  // namespace hattama::domain
