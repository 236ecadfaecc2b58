#include "tools/hub/desk/sqlite.h"

#include <fmt/format.h>

namespace hattama::desk {

int64_t SqlRow::Int(size_t i) const {
  const SqlValue& v = columns_.at(i);
  if (const auto* n = std::get_if<int64_t>(&v)) return *n;
  if (const auto* d = std::get_if<double>(&v)) return static_cast<int64_t>(*d);
  return 0;
}

double SqlRow::Real(size_t i) const {
  const SqlValue& v = columns_.at(i);
  if (const auto* d = std::get_if<double>(&v)) return *d;
  if (const auto* n = std::get_if<int64_t>(&v)) return static_cast<double>(*n);
  return 0;
}

const std::string& SqlRow::Text(size_t i) const {
  static const std::string kEmpty;
  const auto* s = std::get_if<std::string>(&columns_.at(i));
  return s ? *s : kEmpty;
}

Result<std::unique_ptr<SqlDatabase>> SqlDatabase::Open(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return Status::Unavailable(fmt::format("cannot open {}: {}", path, message));
  }
  sqlite3_busy_timeout(db, 5000);
  return std::unique_ptr<SqlDatabase>(new SqlDatabase(db));
}

SqlDatabase::~SqlDatabase() { sqlite3_close(db_); }

Status SqlDatabase::Error(std::string_view what, std::string_view sql) const {
  return Status::Unavailable(fmt::format("SQLite {} ({}): {}", what, sql, sqlite3_errmsg(db_)));
}

Status SqlDatabase::Exec(std::string_view sql) {
  const std::string text(sql);
  if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    return Error("exec", sql);
  }
  return Status::Ok();
}

Result<std::vector<SqlRow>> SqlDatabase::Query(std::string_view sql,
                                               const std::vector<SqlValue>& params) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &raw, nullptr) !=
      SQLITE_OK) {
    return Error("prepare", sql);
  }
  std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> statement(raw, sqlite3_finalize);
  for (size_t i = 0; i < params.size(); ++i) {
    const int index = static_cast<int>(i) + 1;
    const SqlValue& p = params[i];
    int rc = SQLITE_OK;
    if (const auto* n = std::get_if<int64_t>(&p)) {
      rc = sqlite3_bind_int64(raw, index, *n);
    } else if (const auto* d = std::get_if<double>(&p)) {
      rc = sqlite3_bind_double(raw, index, *d);
    } else if (const auto* s = std::get_if<std::string>(&p)) {
      // Blobs keep every byte (serialized messages); text columns read them back the same.
      rc = sqlite3_bind_blob64(raw, index, s->data(), s->size(), SQLITE_TRANSIENT);
    } else {
      rc = sqlite3_bind_null(raw, index);
    }
    if (rc != SQLITE_OK) return Error("bind", sql);
  }
  std::vector<SqlRow> rows;
  for (;;) {
    const int rc = sqlite3_step(raw);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return Error("step", sql);
    const int n = sqlite3_column_count(raw);
    std::vector<SqlValue> columns;
    columns.reserve(static_cast<size_t>(n));
    for (int c = 0; c < n; ++c) {
      switch (sqlite3_column_type(raw, c)) {
        case SQLITE_INTEGER:
          columns.emplace_back(static_cast<int64_t>(sqlite3_column_int64(raw, c)));
          break;
        case SQLITE_FLOAT:
          columns.emplace_back(sqlite3_column_double(raw, c));
          break;
        case SQLITE_NULL:
          columns.emplace_back(nullptr);
          break;
        default: {
          const auto* bytes = static_cast<const char*>(sqlite3_column_blob(raw, c));
          const int size = sqlite3_column_bytes(raw, c);
          columns.emplace_back(bytes ? std::string(bytes, static_cast<size_t>(size))
                                     : std::string());
        }
      }
    }
    rows.emplace_back(std::move(columns));
  }
  return rows;
}

int64_t SqlDatabase::Changes() const { return sqlite3_changes64(db_); }

}  // namespace hattama::desk
