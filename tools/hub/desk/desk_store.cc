#include "tools/hub/desk/desk_store.h"

#include <fmt/format.h>

#include <algorithm>

namespace hattama::desk {
namespace {

// Every table; a desk's data directory is created by its first start.
constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS operators (
  name TEXT PRIMARY KEY, token_sha256 TEXT NOT NULL, role TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
  session_sha256 TEXT PRIMARY KEY, operator TEXT NOT NULL, created_at INTEGER NOT NULL,
  last_used INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS photos (
  sha256 TEXT PRIMARY KEY, station_id TEXT NOT NULL, contest_id TEXT NOT NULL,
  observer_id TEXT NOT NULL, organisation_id TEXT NOT NULL, content_type TEXT NOT NULL,
  bytes INTEGER NOT NULL, uploaded_by TEXT NOT NULL, uploaded_at INTEGER NOT NULL,
  revision INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS entries (
  photo TEXT NOT NULL, revision INTEGER NOT NULL, operator TEXT NOT NULL, figures BLOB NOT NULL,
  at INTEGER NOT NULL, PRIMARY KEY (photo, revision, operator));
CREATE TABLE IF NOT EXISTS decisions (
  photo TEXT NOT NULL, revision INTEGER NOT NULL, operator TEXT NOT NULL, kind TEXT NOT NULL,
  figures BLOB NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (photo, revision));
CREATE TABLE IF NOT EXISTS queue (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, submission_id TEXT NOT NULL UNIQUE,
  photo TEXT NOT NULL, revision INTEGER NOT NULL, observer_id TEXT NOT NULL,
  station_id TEXT NOT NULL, contest_id TEXT NOT NULL, submission BLOB NOT NULL,
  queued_at INTEGER NOT NULL, sends INTEGER NOT NULL DEFAULT 0, answer BLOB);
)sql";

template <typename Message>
Message Parsed(const std::string& bytes) {
  Message message;
  message.ParseFromString(bytes);
  return message;
}

PhotoRow PhotoFrom(const SqlRow& row) {
  return {.sha256 = row.Text(0),
          .station_id = row.Text(1),
          .contest_id = row.Text(2),
          .observer_id = row.Text(3),
          .organisation_id = row.Text(4),
          .content_type = row.Text(5),
          .bytes = row.Int(6),
          .uploaded_by = row.Text(7),
          .uploaded_at = row.Int(8),
          .revision = static_cast<int32_t>(row.Int(9))};
}

constexpr char kPhotoColumns[] =
    "SELECT sha256, station_id, contest_id, observer_id, organisation_id, content_type, bytes, "
    "uploaded_by, uploaded_at, revision FROM photos";

EntryRow EntryFrom(const SqlRow& row) {
  return {.photo = row.Text(0),
          .revision = static_cast<int32_t>(row.Int(1)),
          .operator_name = row.Text(2),
          .figures = Parsed<v1::Figures>(row.Text(3)),
          .at = row.Int(4)};
}

DecisionRow DecisionFrom(const SqlRow& row) {
  return {.photo = row.Text(0),
          .revision = static_cast<int32_t>(row.Int(1)),
          .operator_name = row.Text(2),
          .kind = row.Text(3),
          .figures = Parsed<v1::Figures>(row.Text(4)),
          .at = row.Int(5)};
}

bool IsConstraint(const Status& status) {
  return status.message().find("constraint failed") != std::string::npos;
}

}  // namespace

Result<std::unique_ptr<DeskStore>> DeskStore::Open(const std::string& path) {
  auto db = SqlDatabase::Open(path);
  if (!db.ok()) return db.status();
  // WAL with synchronous=FULL: a commit is on disk when it returns, and readers never wait.
  for (const char* pragma : {"PRAGMA journal_mode=WAL;", "PRAGMA synchronous=FULL;"}) {
    if (Status s = (*db)->Exec(pragma); !s.ok()) return s;
  }
  if (Status s = (*db)->Exec(kSchema); !s.ok()) return s;
  // A desk's data from before sessions expired has no last_used: its sessions count as unused
  // since they were made.
  auto columns =
      (*db)->Query("SELECT 1 FROM pragma_table_info('sessions') WHERE name = 'last_used'");
  if (!columns.ok()) return columns.status();
  if (columns->empty()) {
    if (Status s =
            (*db)->Exec("ALTER TABLE sessions ADD COLUMN last_used INTEGER NOT NULL DEFAULT 0;"
                        "UPDATE sessions SET last_used = created_at;");
        !s.ok()) {
      return s;
    }
  }
  return std::unique_ptr<DeskStore>(new DeskStore(std::move(*db)));
}

Result<std::vector<SqlRow>> DeskStore::Query(std::string_view sql,
                                             const std::vector<SqlValue>& params) {
  std::lock_guard lock(mutex_);
  return db_->Query(sql, params);
}

DeskStore::Transaction::Transaction(DeskStore& store)
    : store_(store), lock_(store.mutex_), begun_(store.db_->Exec("BEGIN IMMEDIATE;")) {}

DeskStore::Transaction::~Transaction() {
  if (begun_.ok() && !done_) store_.db_->Exec("ROLLBACK;");
}

Status DeskStore::Transaction::Commit() {
  if (!begun_.ok()) return begun_;
  done_ = true;
  return store_.db_->Exec("COMMIT;");
}

Status DeskStore::AddOperator(const std::string& name, const std::string& token_sha256_hex,
                              const std::string& role) {
  auto rows = Query("INSERT INTO operators (name, token_sha256, role) VALUES (?, ?, ?)",
                    {name, token_sha256_hex, role});
  if (!rows.ok() && IsConstraint(rows.status())) {
    return Status::FailedPrecondition(fmt::format("operator {} exists already", name));
  }
  return rows.status();
}

Result<std::optional<OperatorRow>> DeskStore::FindOperator(const std::string& name,
                                                           const std::string& token_sha256_hex) {
  auto rows = Query("SELECT name, role FROM operators WHERE name = ? AND token_sha256 = ?",
                    {name, token_sha256_hex});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<OperatorRow>();
  return std::optional<OperatorRow>(OperatorRow{(*rows)[0].Text(0), (*rows)[0].Text(1)});
}

Status DeskStore::AddSession(const std::string& session_sha256_hex,
                             const std::string& operator_name, int64_t now) {
  return Query(
             "INSERT INTO sessions (session_sha256, operator, created_at, last_used) "
             "VALUES (?, ?, ?, ?)",
             {session_sha256_hex, operator_name, now, now})
      .status();
}

Result<std::optional<OperatorRow>> DeskStore::SessionOperator(const std::string& session_sha256_hex,
                                                              int64_t now, int64_t idle_seconds,
                                                              bool used) {
  std::lock_guard lock(mutex_);
  auto rows = Query(
      "SELECT o.name, o.role, s.last_used FROM sessions s JOIN operators o ON o.name = s.operator "
      "WHERE s.session_sha256 = ?",
      {session_sha256_hex});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<OperatorRow>();
  const int64_t last_used = (*rows)[0].Int(2);
  if (now - last_used > idle_seconds) {
    if (Status s = EndSession(session_sha256_hex); !s.ok()) return s;
    return std::optional<OperatorRow>();
  }
  // Written at most every quarter of the idle time (and never more than every 15 s), so that an
  // operator's every keystroke's check is not a write to disk; the expiry is late by as much.
  if (used && now - last_used >= std::min<int64_t>(15, idle_seconds / 4)) {
    auto touched = Query("UPDATE sessions SET last_used = ? WHERE session_sha256 = ?",
                         {now, session_sha256_hex});
    if (!touched.ok()) return touched.status();
  }
  return std::optional<OperatorRow>(OperatorRow{(*rows)[0].Text(0), (*rows)[0].Text(1)});
}

Status DeskStore::EndSession(const std::string& session_sha256_hex) {
  return Query("DELETE FROM sessions WHERE session_sha256 = ?", {session_sha256_hex}).status();
}

Result<bool> DeskStore::AddPhoto(const PhotoRow& p) {
  auto rows = Query(
      "INSERT OR IGNORE INTO photos (sha256, station_id, contest_id, observer_id, "
      "organisation_id, content_type, bytes, uploaded_by, uploaded_at, revision) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {p.sha256, p.station_id, p.contest_id, p.observer_id, p.organisation_id, p.content_type,
       p.bytes, p.uploaded_by, p.uploaded_at, static_cast<int64_t>(p.revision)});
  if (!rows.ok()) return rows.status();
  std::lock_guard lock(mutex_);
  return db_->Changes() == 1;
}

Result<std::optional<PhotoRow>> DeskStore::FindPhoto(const std::string& sha256) {
  auto rows = Query(std::string(kPhotoColumns) + " WHERE sha256 = ?", {sha256});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<PhotoRow>();
  return std::optional<PhotoRow>(PhotoFrom((*rows)[0]));
}

Result<std::vector<PhotoRow>> DeskStore::Photos() {
  auto rows = Query(std::string(kPhotoColumns) + " ORDER BY uploaded_at DESC, rowid DESC", {});
  if (!rows.ok()) return rows.status();
  std::vector<PhotoRow> photos;
  for (const SqlRow& row : *rows) photos.push_back(PhotoFrom(row));
  return photos;
}

Status DeskStore::SetRevision(const std::string& sha256, int32_t revision) {
  return Query("UPDATE photos SET revision = ? WHERE sha256 = ?",
               {static_cast<int64_t>(revision), sha256})
      .status();
}

Status DeskStore::AddEntry(const EntryRow& e) {
  auto rows =
      Query("INSERT INTO entries (photo, revision, operator, figures, at) VALUES (?, ?, ?, ?, ?)",
            {e.photo, static_cast<int64_t>(e.revision), e.operator_name,
             e.figures.SerializeAsString(), e.at});
  if (!rows.ok() && IsConstraint(rows.status())) {
    return Status::FailedPrecondition(
        fmt::format("{} typed revision {} of this photo already", e.operator_name, e.revision));
  }
  return rows.status();
}

Result<std::vector<EntryRow>> DeskStore::Entries(const std::string& photo, int32_t revision) {
  auto rows = Query(
      "SELECT photo, revision, operator, figures, at FROM entries WHERE photo = ? AND "
      "revision = ? ORDER BY rowid",
      {photo, static_cast<int64_t>(revision)});
  if (!rows.ok()) return rows.status();
  std::vector<EntryRow> entries;
  for (const SqlRow& row : *rows) entries.push_back(EntryFrom(row));
  return entries;
}

Result<std::vector<EntryRow>> DeskStore::AllEntries() {
  auto rows =
      Query("SELECT photo, revision, operator, figures, at FROM entries ORDER BY rowid", {});
  if (!rows.ok()) return rows.status();
  std::vector<EntryRow> entries;
  for (const SqlRow& row : *rows) entries.push_back(EntryFrom(row));
  return entries;
}

Status DeskStore::AddDecision(const DecisionRow& d) {
  auto rows = Query(
      "INSERT INTO decisions (photo, revision, operator, kind, figures, at) "
      "VALUES (?, ?, ?, ?, ?, ?)",
      {d.photo, static_cast<int64_t>(d.revision), d.operator_name, d.kind,
       d.figures.SerializeAsString(), d.at});
  if (!rows.ok() && IsConstraint(rows.status())) {
    return Status::FailedPrecondition(
        fmt::format("revision {} of this photo is decided already", d.revision));
  }
  return rows.status();
}

Result<std::optional<DecisionRow>> DeskStore::Decision(const std::string& photo, int32_t revision) {
  auto rows = Query(
      "SELECT photo, revision, operator, kind, figures, at FROM decisions WHERE photo = ? AND "
      "revision = ?",
      {photo, static_cast<int64_t>(revision)});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<DecisionRow>();
  return std::optional<DecisionRow>(DecisionFrom((*rows)[0]));
}

Result<std::vector<DecisionRow>> DeskStore::AllDecisions() {
  auto rows = Query("SELECT photo, revision, operator, kind, figures, at FROM decisions", {});
  if (!rows.ok()) return rows.status();
  std::vector<DecisionRow> decisions;
  for (const SqlRow& row : *rows) decisions.push_back(DecisionFrom(row));
  return decisions;
}

Status DeskStore::Enqueue(const std::string& photo, int32_t revision,
                          const v1::Submission& submission, int64_t now) {
  auto rows = Query(
      "INSERT INTO queue (submission_id, photo, revision, observer_id, station_id, contest_id, "
      "submission, queued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      {submission.submission_id(), photo, static_cast<int64_t>(revision), submission.observer_id(),
       submission.protocol().station_id(), submission.protocol().contest_id(),
       submission.SerializeAsString(), now});
  if (!rows.ok() && IsConstraint(rows.status())) {
    return Status::FailedPrecondition(
        fmt::format("submission {} is queued already", submission.submission_id()));
  }
  return rows.status();
}

Result<int32_t> DeskStore::HighestQueuedRevision(const std::string& observer_id,
                                                 const std::string& station_id,
                                                 const std::string& contest_id) {
  auto rows = Query(
      "SELECT COALESCE(MAX(revision), 0) FROM queue WHERE observer_id = ? AND station_id = ? AND "
      "contest_id = ?",
      {observer_id, station_id, contest_id});
  if (!rows.ok()) return rows.status();
  return static_cast<int32_t>((*rows)[0].Int(0));
}

Result<std::vector<QueueRow>> DeskStore::QueueRows(std::string_view where,
                                                   const std::vector<SqlValue>& params) {
  auto rows = Query(fmt::format("SELECT seq, photo, revision, submission, queued_at, sends, "
                                "answer FROM queue {}",
                                where),
                    params);
  if (!rows.ok()) return rows.status();
  std::vector<QueueRow> queue;
  for (const SqlRow& row : *rows) {
    queue.push_back({.seq = row.Int(0),
                     .photo = row.Text(1),
                     .revision = static_cast<int32_t>(row.Int(2)),
                     .submission = Parsed<v1::Submission>(row.Text(3)),
                     .queued_at = row.Int(4),
                     .sends = row.Int(5),
                     .answered = !row.IsNull(6),
                     .ack = Parsed<v1::SubmissionAck>(row.Text(6))});
  }
  return queue;
}

Result<std::vector<QueueRow>> DeskStore::Unanswered(int64_t limit) {
  return QueueRows("WHERE answer IS NULL ORDER BY seq LIMIT ?", {limit});
}

Status DeskStore::MarkSent(const std::vector<int64_t>& seqs) {
  Transaction transaction(*this);
  if (!transaction.status().ok()) return transaction.status();
  for (int64_t seq : seqs) {
    auto rows = Query("UPDATE queue SET sends = sends + 1 WHERE seq = ?", {seq});
    if (!rows.ok()) return rows.status();
  }
  return transaction.Commit();
}

Status DeskStore::RecordAnswer(const std::string& submission_id, const v1::SubmissionAck& ack) {
  return Query("UPDATE queue SET answer = ? WHERE submission_id = ? AND answer IS NULL",
               {ack.SerializeAsString(), submission_id})
      .status();
}

Result<std::vector<QueueRow>> DeskStore::QueueOf(const std::string& photo) {
  return QueueRows("WHERE photo = ? ORDER BY revision", {photo});
}

Result<std::vector<QueueRow>> DeskStore::AllQueued() { return QueueRows("ORDER BY seq", {}); }

}  // namespace hattama::desk
