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

}  // namespace

CsvReader::CsvReader(std::istream& in, std::vector<std::string> header)
    : in_(in), header_(std::move(header)) {}

// The fields of one line; an error when a quote is not closed or text follows a closing quote.
Status CsvReader::SplitLine(std::string_view line) {
  fields_.clear();
  unquoted_.clear();
  unquoted_.reserve(line.size());  // never outgrown: the views into it stay valid
  size_t at = 0;
  while (true) {
    const size_t start = line.find_first_not_of(" \t", at);
    if (start != std::string_view::npos && line[start] == '"') {
      const size_t begin = unquoted_.size();
      size_t i = start + 1;
      for (;; ++i) {
        if (i >= line.size()) return Status::Error("a quoted field is not closed");
        if (line[i] != '"') {
          unquoted_ += line[i];
        } else if (i + 1 < line.size() && line[i + 1] == '"') {
          unquoted_ += '"';
          ++i;
        } else {
          break;
        }
      }
      const size_t after = line.find_first_not_of(" \t", i + 1);
      if (after != std::string_view::npos && line[after] != ',') {
        return Status::Error("text after a closing quote");
      }
      fields_.push_back(std::string_view(unquoted_).substr(begin));
      if (after == std::string_view::npos) return Status::Ok();
      at = after + 1;
      continue;
    }
    const size_t end = line.find(',', at);
    fields_.push_back(TrimBlanks(line.substr(at, end - at)));
    if (end == std::string_view::npos) return Status::Ok();
    at = end + 1;
  }
}

bool CsvReader::Next() {
  if (!status_.ok()) return false;
  while (std::getline(in_, line_)) {
    ++line_number_;
    std::string_view line = line_;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (TrimBlanks(line).empty() || line.front() == '#') continue;
    if (auto split = SplitLine(line); !split.ok()) {
      status_ = Status::Error(fmt::format("line {}: {}", line_number_, split.message()));
      return false;
    }
    if (!header_seen_) {
      header_seen_ = true;
      if (!std::equal(fields_.begin(), fields_.end(), header_.begin(), header_.end())) {
        status_ = Status::Error(
            fmt::format("line {}: the header must be {}", line_number_, fmt::join(header_, ",")));
        return false;
      }
      continue;
    }
    if (fields_.size() != header_.size()) {
      status_ = Status::Error(fmt::format("line {}: expected {} fields, found {}", line_number_,
                                          header_.size(), fields_.size()));
      return false;
    }
    return true;
  }
  if (!header_seen_) {
    status_ =
        Status::Error(fmt::format("no header: the first line must be {}", fmt::join(header_, ",")));
  }
  return false;
}

Result<std::vector<CsvRow>> ParseCsv(std::string_view text,
                                     const std::vector<std::string>& header) {
  std::istringstream in{std::string(text)};
  CsvReader reader(in, header);
  std::vector<CsvRow> rows;
  while (reader.Next()) {
    rows.push_back({reader.line(), {reader.fields().begin(), reader.fields().end()}});
  }
  if (!reader.status().ok()) return reader.status();
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

Result<size_t> CountLines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error("cannot open " + path);
  std::vector<char> block(1 << 20);
  size_t lines = 0;
  while (in.read(block.data(), static_cast<std::streamsize>(block.size())) || in.gcount() > 0) {
    lines += std::count(block.begin(), block.begin() + in.gcount(), '\n');
  }
  return lines + 1;
}

Result<std::string> ReadTextFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return Status::Error("cannot open " + path);
  std::string text(static_cast<size_t>(in.tellg()), '\0');
  in.seekg(0);
  if (!in.read(text.data(), static_cast<std::streamsize>(text.size()))) {
    return Status::Error("cannot read " + path);
  }
  return text;
}

std::string CsvField(std::string_view value) {
  std::string field;
  AppendCsvField(field, value);
  return field;
}

void AppendCsvField(std::string& out, std::string_view value) {
  const bool quote =
      value.find_first_of(",\"") != std::string_view::npos ||
      (!value.empty() && (value.front() == '#' || value.front() == ' ' || value.front() == '\t' ||
                          value.back() == ' ' || value.back() == '\t'));
  if (!quote) {
    out += value;
    return;
  }
  out += '"';
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

}  // namespace hattama::domain
