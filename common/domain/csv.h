// The registry's CSV files as rows of fields: UTF-8 text, one record a line ("\n" or "\r\n"),
// fields separated by ','. A field may be enclosed in double quotes (RFC 4180), inside which ','
// is literal and "" stands for one '"'; a quoted field does not span lines. Unquoted fields lose
// their leading and trailing spaces and tabs. Blank lines and lines whose first character is '#'
// are skipped; the first other line is the header.
#pragma once

#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"

namespace hattama::domain {

// A CSV file read one row at a time, for files of millions of rows: each row's fields view the
// line just read (and, for quoted fields, a buffer of the reader), valid until the next row;
// nothing else is kept. Errors name the line, as ParseCsv's do.
class CsvReader {
 public:
  // `in` must outlive the reader.
  CsvReader(std::istream& in, std::vector<std::string> header);

  // Reads the next row: true when there is one, false at the end or on an error (status()).
  bool Next();
  const std::vector<std::string_view>& fields() const { return fields_; }
  // The row's line, 1-based.
  int line() const { return line_number_; }
  // An error when the header is not exactly the one given, a row has another number of fields than
  // the header, or a quote is not closed.
  const Status& status() const { return status_; }

 private:
  Status SplitLine(std::string_view line);

  std::istream& in_;
  std::vector<std::string> header_;
  bool header_seen_ = false;
  int line_number_ = 0;
  std::string line_;
  std::string unquoted_;  // quoted fields, reserved to the line's size so that views stay valid
  std::vector<std::string_view> fields_;
  Status status_ = Status::Ok();
};

struct CsvRow {
  int line = 0;  // 1-based, for error messages
  std::vector<std::string> fields;
};

// The rows after the header (CsvReader over `text`, every row kept). An error naming the line when
// the header is not exactly `header`, a row has another number of fields than the header, or a
// quote is not closed.
Result<std::vector<CsvRow>> ParseCsv(std::string_view text, const std::vector<std::string>& header);

// A field holding a list ("hub-a;hub-b"): its items, split at `separator`, spaces and tabs around
// each trimmed, empty items dropped.
std::vector<std::string> SplitList(std::string_view field, char separator);

// How many lines the file at `path` has (at most: a last line without '\n' counts too), read in
// blocks: for reserving room before reading its rows.
Result<size_t> CountLines(const std::string& path);

// The whole file at `path`, as bytes; an error naming the path when it cannot be read.
Result<std::string> ReadTextFile(const std::string& path);

// `value` as one field: quoted when it holds ',', '"', '#' at its start, or spaces at its ends.
std::string CsvField(std::string_view value);
// The same, appended to `out` (for files of millions of rows).
void AppendCsvField(std::string& out, std::string_view value);

}  // namespace hattama::domain
