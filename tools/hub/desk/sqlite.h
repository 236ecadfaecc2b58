// A thin RAII wrapper over SQLite (Debian's libsqlite3): one connection, prepared statements with
// bound values, errors as Status naming the statement. Not thread-safe: its owner (DeskStore)
// serialises every use.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/base/result.h"

namespace hattama::desk {

// A value bound to a statement's parameter or read from a column.
using SqlValue = std::variant<std::nullptr_t, int64_t, double, std::string>;

// One row of a query: its columns in the order selected.
class SqlRow {
 public:
  explicit SqlRow(std::vector<SqlValue> columns) : columns_(std::move(columns)) {}
  int64_t Int(size_t i) const;
  double Real(size_t i) const;
  // Text or blob bytes; empty for NULL.
  const std::string& Text(size_t i) const;
  bool IsNull(size_t i) const { return std::holds_alternative<std::nullptr_t>(columns_.at(i)); }

 private:
  std::vector<SqlValue> columns_;
};

class SqlDatabase {
 public:
  // Opens (creating) the database at `path`.
  static Result<std::unique_ptr<SqlDatabase>> Open(const std::string& path);
  ~SqlDatabase();
  SqlDatabase(const SqlDatabase&) = delete;
  SqlDatabase& operator=(const SqlDatabase&) = delete;

  // Runs one or more statements without parameters (schema, pragmas, BEGIN/COMMIT).
  Status Exec(std::string_view sql);
  // Runs one statement with `params` bound to its ?s in order, returning every row.
  Result<std::vector<SqlRow>> Query(std::string_view sql, const std::vector<SqlValue>& params = {});
  // The number of rows the last INSERT, UPDATE or DELETE changed.
  int64_t Changes() const;

 private:
  explicit SqlDatabase(sqlite3* db) : db_(db) {}
  Status Error(std::string_view what, std::string_view sql) const;
  sqlite3* db_;
};

}  // namespace hattama::desk
