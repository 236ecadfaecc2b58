// A checker's client of Hattama's transparency log, trusting nothing but the log's verifier key:
// it opens the signed checkpoint with that key, checks every proof against a verified root with
// its own hashing (common/tlog), reads submission ids from the entries' own bytes, and hashes every
// downloaded entry into a tree of its own whose root must equal the checkpoint's.
//
// What it reads from the log's HTTP address (README, "Checking Hattama's figures yourself"):
//   /tlog/checkpoint                      the signed checkpoint (C2SP tlog-checkpoint)
//   /tlog/tile/entries/<N>[.p/<W>]         entry bundles (C2SP tlog-tiles)
//   /v1/GetInclusionProof, /v1/GetConsistencyProof   proofs, as JSON
//   /v1/AddCosignature                    (POST) a witness's cosigned checkpoint
//
// Every answer is bounded (LogLimits): a JSON answer or checkpoint by max_answer_bytes, an entry
// bundle by what the format allows (256 entries of at most 65,535 bytes and their 2-byte lengths,
// 16,777,472 bytes), a download by max_tree_size leaves, each request by a deadline.
//
// Errors say what kind of failure they are, so that a command can tell a log that does not hold
// up from one it could not ask:
//   InvalidArgument     what the log served does not verify (a signature, a proof, a root, an
//                       entry, another id in the entry) or is malformed
//   NotFound            the log says it has no such leaf (404 with its own JSON error answer;
//                       any other 404, e.g. of a static mirror without /v1/, is Unavailable)
//   FailedPrecondition  the log refused a request as not applying to it (400, e.g. a tree size
//                       beyond its latest checkpoint), or a cosignature (403)
//   ResourceExhausted   an answer or a download beyond a limit (naming it)
//   Unavailable         the log cannot be reached, answers too slowly or with another error
//
// Thread-safety: a LogClient is used from one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"
#include "common/tlog/checkpoint.h"
#include "common/tlog/entry.h"
#include "common/tlog/note.h"
#include "common/tlog/note_key.h"
#include "hattama/v1/transparency.pb.h"
#include "tools/verify/http_fetcher.h"

namespace hattama::verify {

struct LogLimits {
  HttpLimits http;
  // Bytes of one JSON answer or checkpoint (a proof answer with its entry is below 100 KiB).
  std::size_t max_answer_bytes = std::size_t{1} << 20;
  // Leaves ForEachEntry downloads at most; a larger checkpoint is refused before downloading.
  std::int64_t max_tree_size = 20'000'000;
};

// A checkpoint whose log signature verified with the log key.
struct VerifiedCheckpoint {
  tlog::Checkpoint checkpoint;
  // The signed note byte for byte as served (what a witness cosigns and a state file keeps).
  std::string signed_note;
  // Its text and signatures: the log's verified, any others (witnesses') unverified.
  tlog::Note note;
};

// The leaf an inclusion proof showed in a verified tree.
struct IncludedEntry {
  std::int64_t leaf_index = 0;
  std::string entry;  // the entry's bytes, whose leaf hash the proof was checked with
  tlog::LeafEntry decoded;
  // Other leaves below the tree size carrying the same id (a record written twice), as the log
  // lists them (not proven).
  std::vector<std::int64_t> other_leaf_indexes;
};

// Called as a long download goes on: `done` of `total` leaves.
using Progress = std::function<void(std::int64_t done, std::int64_t total)>;
// A Progress that writes "<what>: <done> of <total> (<percent>%)" to stderr at most every 2 s,
// and once at the end.
Progress StderrProgress(std::string what);

class LogClient {
 public:
  // `url`: the log's HTTP address, e.g. "http://127.0.0.1:8084"; `log_key` its verifier key.
  // InvalidArgument for a URL of another shape or a key that is not an Ed25519 note key.
  static Result<std::unique_ptr<LogClient>> Create(std::string_view url, tlog::NoteVerifier log_key,
                                                   LogLimits limits = {});

  const tlog::NoteVerifier& log_key() const { return log_key_; }
  const std::string& url() const { return http_->url(); }

  // The latest checkpoint (/tlog/checkpoint), opened with the log key; its origin must be the
  // key's name.
  Result<VerifiedCheckpoint> FetchCheckpoint();

  // That a leaf carrying `submission_id` is in the tree of `checkpoint`: the inclusion proof at
  // its size, checked against its root with the leaf hash of the entry's own bytes, and the
  // entry's decoded id equal to `submission_id`.
  Result<IncludedEntry> ProveIncluded(const std::string& submission_id,
                                      const tlog::Checkpoint& checkpoint);

  // That the tree of `older` is a prefix of the tree of `newer` (same origin, older.size <=
  // newer.size): equal roots at equal sizes, else the consistency proof fetched from the log.
  Status CheckConsistent(const tlog::Checkpoint& older, const tlog::Checkpoint& newer);

  // Downloads the entries of leaves 0 … checkpoint.size - 1 from the entry bundles, in order,
  // calling `visit` with each (stopping at its first error, which is returned), and hashes them
  // into a tree whose root must be the checkpoint's (InvalidArgument otherwise). `visit` sees the
  // entries before the root is known good: whatever it concluded holds only if this returns Ok.
  using EntryVisitor = std::function<Status(std::int64_t leaf_index, std::string_view entry)>;
  Status ForEachEntry(const tlog::Checkpoint& checkpoint, const EntryVisitor& visit,
                      const Progress& progress = {});
  // The same, keeping every entry (memory: the entries' bytes).
  Result<std::vector<std::string>> DownloadEntries(const tlog::Checkpoint& checkpoint,
                                                   const Progress& progress = {});

  // The newest cosignature of each witness the log keeps (GET /v1/GetCheckpoint), unchecked.
  Result<std::vector<v1::Cosignature>> FetchCosignatures();

  // Hands a witness's cosigned checkpoint note to the log (POST /v1/AddCosignature).
  Result<v1::AddCosignatureResponse> AddCosignature(const std::string& cosigned_note);

 private:
  LogClient(std::unique_ptr<HttpFetcher> http, tlog::NoteVerifier log_key, LogLimits limits)
      : http_(std::move(http)), log_key_(std::move(log_key)), limits_(limits) {}
  // GET (or POST when `body` is given) a /v1/ method and parse its JSON answer into `answer`.
  Status CallApi(const std::string& path_and_query, const std::string* body,
                 google::protobuf::Message& answer);
  // The bytes of entry bundle `n` holding at least `width` entries.
  Result<std::string> FetchBundle(std::int64_t n, int width);

  std::unique_ptr<HttpFetcher> http_;
  tlog::NoteVerifier log_key_;
  LogLimits limits_;
};

// A signed checkpoint note (e.g. from a saved file) opened with `log_key`, whose origin must be
// the key's name; InvalidArgument otherwise.
Result<VerifiedCheckpoint> OpenSignedCheckpoint(std::string_view signed_note,
                                                const tlog::NoteVerifier& log_key);

// A checkpoint the log signed and a witness cosigned, both signatures verified.
struct CosignedCheckpoint {
  tlog::Checkpoint checkpoint;
  std::uint64_t timestamp = 0;  // the time the witness stated, seconds since 1970
};

// Opens a cosignature the log served with the log's and `witness`'s verifier keys: the log's
// signature and a cosignature/v1 line of `witness` (its name and key hash) must both verify, over
// a checkpoint of the log's origin. InvalidArgument when a signature does not verify or the text
// is no checkpoint of the log; NotFound when the note carries no line of `witness`'s key.
Result<CosignedCheckpoint> OpenCosignature(const v1::Cosignature& cosignature,
                                           const tlog::NoteVerifier& log_key,
                                           const tlog::NoteVerifier& witness);

}  // namespace hattama::verify
