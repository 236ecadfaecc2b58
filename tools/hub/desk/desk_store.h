// The desk's durable state in one SQLite file (DATA/desk.sqlite): operators and their sessions,
// the photos received, every entry typed and every decision made with who made it, and the queue
// of submissions to ingestion with the answer each got. Written in WAL mode with synchronous=FULL,
// so that what a call returned having written survives a crash or a power loss: a submission
// queued is sent after a restart, an answer recorded is never asked for again.
//
// Thread-safety: every method may be called from any thread; one recursive mutex serialises them.
// A Transaction holds that mutex for its life, so that its calls see and write one state.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "hattama/v1/ingestion.pb.h"
#include "hattama/v1/protocol.pb.h"
#include "tools/hub/desk/sqlite.h"

namespace hattama::desk {

struct OperatorRow {
  std::string name;
  // "operator" or "supervisor".
  std::string role;
};

struct PhotoRow {
  // Lower-case hex SHA-256 of the image's bytes: its name on disk and its id everywhere.
  std::string sha256;
  std::string station_id;
  std::string contest_id;
  std::string observer_id;
  std::string organisation_id;
  std::string content_type;
  int64_t bytes = 0;
  std::string uploaded_by;
  int64_t uploaded_at = 0;  // unix seconds
  // The revision being typed now: 1 at first, one more with each correction.
  int32_t revision = 1;
};

// An operator's typing of one revision of a photo.
struct EntryRow {
  std::string photo;
  int32_t revision = 0;
  std::string operator_name;
  v1::Figures figures;
  int64_t at = 0;
};

// What a revision's submission carries: two equal entries ("agreed", by the second typist) or a
// third operator's settling of two different ones ("settled").
struct DecisionRow {
  std::string photo;
  int32_t revision = 0;
  std::string operator_name;
  std::string kind;
  v1::Figures figures;
  int64_t at = 0;
};

// A submission in the queue to ingestion and the answer it got.
struct QueueRow {
  int64_t seq = 0;
  std::string photo;
  int32_t revision = 0;
  v1::Submission submission;
  int64_t queued_at = 0;
  // Times handed to the hub client; more than one after ingestion was unreachable or a restart.
  int64_t sends = 0;
  bool answered = false;
  // The answer; for one set aside unsent (too large, unreadable), no outcome and a reason.
  v1::SubmissionAck ack;
};

class DeskStore {
 public:
  // Opens (creating) DATA's database and its tables.
  static Result<std::unique_ptr<DeskStore>> Open(const std::string& path);

  // Operators: the SHA-256 (hex) of their token is kept, never the token.
  Status AddOperator(const std::string& name, const std::string& token_sha256_hex,
                     const std::string& role);
  // Null when the name and token match no operator.
  Result<std::optional<OperatorRow>> FindOperator(const std::string& name,
                                                  const std::string& token_sha256_hex);
  Status AddSession(const std::string& session_sha256_hex, const std::string& operator_name,
                    int64_t now);
  // The operator of a session used within the last `idle_seconds`, null otherwise (an expired
  // session is deleted). `used`: the call is the operator's doing (not the page asking again by
  // itself), so the session's last use moves to `now`.
  Result<std::optional<OperatorRow>> SessionOperator(const std::string& session_sha256_hex,
                                                     int64_t now, int64_t idle_seconds, bool used);
  // Signs a session out (nothing when there is none).
  Status EndSession(const std::string& session_sha256_hex);

  // False when a photo with that hash was received already (nothing changes).
  Result<bool> AddPhoto(const PhotoRow& photo);
  Result<std::optional<PhotoRow>> FindPhoto(const std::string& sha256);
  // Every photo, newest first.
  Result<std::vector<PhotoRow>> Photos();
  Status SetRevision(const std::string& sha256, int32_t revision);

  // FailedPrecondition when the operator typed this revision already.
  Status AddEntry(const EntryRow& entry);
  // A revision's entries, oldest first; photo empty: every entry of every photo.
  Result<std::vector<EntryRow>> Entries(const std::string& photo, int32_t revision);
  Result<std::vector<EntryRow>> AllEntries();
  // FailedPrecondition when the revision is decided already.
  Status AddDecision(const DecisionRow& decision);
  Result<std::optional<DecisionRow>> Decision(const std::string& photo, int32_t revision);
  Result<std::vector<DecisionRow>> AllDecisions();

  // Appends to the queue; FailedPrecondition when the submission id is queued already.
  Status Enqueue(const std::string& photo, int32_t revision, const v1::Submission& submission,
                 int64_t now);
  // The highest revision queued for the observer's protocol of a station and contest (0: none).
  Result<int32_t> HighestQueuedRevision(const std::string& observer_id,
                                        const std::string& station_id,
                                        const std::string& contest_id);
  // Unanswered submissions in queue order, at most `limit`.
  Result<std::vector<QueueRow>> Unanswered(int64_t limit);
  Status MarkSent(const std::vector<int64_t>& seqs);
  // Records the answer of a queued submission (by id). An answer recorded already stays: a later
  // DUPLICATE of a resend does not hide the first answer.
  Status RecordAnswer(const std::string& submission_id, const v1::SubmissionAck& ack);
  // A photo's submissions, by revision.
  Result<std::vector<QueueRow>> QueueOf(const std::string& photo);
  Result<std::vector<QueueRow>> AllQueued();

  // Holds the store's lock and a SQLite transaction: committed by Commit, rolled back otherwise.
  class Transaction {
   public:
    explicit Transaction(DeskStore& store);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    // The BEGIN's outcome.
    const Status& status() const { return begun_; }
    Status Commit();

   private:
    DeskStore& store_;
    std::unique_lock<std::recursive_mutex> lock_;
    Status begun_;
    bool done_ = false;
  };

 private:
  explicit DeskStore(std::unique_ptr<SqlDatabase> db) : db_(std::move(db)) {}
  Result<std::vector<SqlRow>> Query(std::string_view sql, const std::vector<SqlValue>& params);
  Result<std::vector<QueueRow>> QueueRows(std::string_view where,
                                          const std::vector<SqlValue>& params);

  std::recursive_mutex mutex_;
  std::unique_ptr<SqlDatabase> db_;
};

}  // namespace hattama::desk
