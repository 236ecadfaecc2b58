// The registry's CSV files as rows of fields: UTF-8 text, one record a line ("\n" or "\r\n"),
// fields separated by ','. A field may be enclosed in double quotes (RFC 4180), inside which ','
// is literal and "" stands for one '"'; a quoted field does not span lines. Unquoted fields lose
// their leading and trailing spaces and tabs. Blank lines and lines whose first character is '#'
// are skipped; the first other line is the header.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"

namespace hattama::domain {

struct CsvRow {
  int line = 0;  // 1-based, for error messages
  std::vector<std::string> fields;
};

// The rows after the header. An error naming the line when the header is not exactly `header`, a
// row has another number of fields than the header, or a quote is not closed.
Result<std::vector<CsvRow>> ParseCsv(std::string_view text, const std::vector<std::string>& header);

// A field holding a list ("hub-a;hub-b"): its items, split at `separator`, spaces and tabs around
// each trimmed, empty items dropped.
std::vector<std::string> SplitList(std::string_view field, char separator);

// The whole file at `path`, as bytes; an error naming the path when it cannot be read.
Result<std::string> ReadTextFile(const std::string& path);

// `value` as one field: quoted when it holds ',', '"', '#' at its start, or spaces at its ends.
std::string CsvField(std::string_view value);

}  // namespace hattama::domain
