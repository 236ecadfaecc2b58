// The witnesses' side of the log (C2SP tlog-cosignature): which witnesses it accepts
// (--witness-key, common/tlog/witness_keys.h), the checks on a cosignature handed in
// (AddCosignature), and the newest cosignature of each witness, kept across restarts and served
// with every checkpoint.
//
// A cosigned note is accepted when, in this order:
//   1. it carries a valid signature by the log's key over a checkpoint of the log's origin
//      (else kInvalidArgument, naming what fails: the note's form, the log's signature, the text);
//   2. its tree size is one this log has (at most the latest checkpoint's) and its root hash is the
//      log's root at that size, computed from the tree (else kFailedPrecondition, logged as an
//      error: a checkpoint signed with the log's key that the log never had is evidence of a fork
//      or a stolen key);
//   3. it carries a cosignature line of a configured witness (name and key hash; else
//      kPermissionDenied), and every such line verifies as cosignature/v1 over the checkpoint
//      (else kInvalidArgument naming the witness).
// Each configured witness's cosignature in it is then kept, unless that witness already has one
// kept of a larger tree: that is refused (kInvalidArgument naming both sizes), since a witness
// never goes back to a smaller tree. Of the same size, the later time is kept and an earlier one
// is accepted but changes nothing. At most one cosignature is kept per configured witness.
//
// Files, in the tiles directory (tile_store.h), each replaced whole by a rename:
//   checkpoint.cosigned  the newest cosigned checkpoint (largest tree size) with the log's
//                        signature and the cosignature lines of every witness kept at that size:
//                        a static file beside checkpoint, served as /tlog/checkpoint.cosigned
//   .witnesses           what is kept, one JSON object a line, {"cosigned_note":"<note>"} as
//                        AddCosignature takes it; read at start and every note checked again
//                        (steps 1-3 with the witnesses now configured) once the log has its first
//                        checkpoint: a witness no longer configured is dropped
//
// Thread-safety: safe for concurrent use; one mutex serialises Add, the restore and the reads.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"
#include "common/tlog/note.h"
#include "hattama/v1/transparency.pb.h"
#include "services/tlog/log_tree.h"
#include "services/tlog/publisher.h"
#include "services/tlog/tile_store.h"

namespace hattama::transparency {

class Witnesses {
 public:
  // Over the log's `tree` and `publisher` (its key, origin and latest checkpoint), keeping its
  // files in `store`. Reads what an earlier run kept; Unavailable when the file cannot be read.
  static Result<std::unique_ptr<Witnesses>> Open(std::vector<tlog::NoteVerifier> keys,
                                                 TileStore& store, const LogTree& tree,
                                                 const Publisher& publisher);

  const std::vector<tlog::NoteVerifier>& keys() const { return keys_; }

  // Checks and keeps the cosignatures of `cosigned_note` (above); the answer names the first
  // configured witness in it. kUnavailable before the log's first checkpoint, or when the files
  // cannot be written (what was accepted is kept in memory and written with the next one).
  Result<v1::AddCosignatureResponse> Add(std::string_view cosigned_note);

  // The newest cosignature of each witness, newest first (by tree size, then time).
  std::vector<v1::Cosignature> Newest();

 private:
  // One witness's cosignature of one checkpoint, with the parts its notes are made of.
  struct Kept {
    std::string witness;
    std::int64_t tree_size = 0;
    std::uint64_t timestamp = 0;
    std::string text;              // the checkpoint's note text
    tlog::NoteSignature log_line;  // the log's signature of it
    tlog::NoteSignature witness_line;
    std::string signed_note;  // text, log's line, witness's line (v1::Cosignature.signed_note)
  };

  Witnesses(std::vector<tlog::NoteVerifier> keys, TileStore& store, const LogTree& tree,
            const Publisher& publisher)
      : keys_(std::move(keys)), store_(store), tree_(tree), publisher_(publisher) {}

  // Steps 1-3 above: the configured witnesses' cosignatures of the note.
  Result<std::vector<Kept>> Check(std::string_view cosigned_note) const;
  // Keeps what Check accepted (the rule above); whether anything changed. Needs mutex_.
  Result<bool> Keep(std::vector<Kept> accepted);
  // Checks again what an earlier run kept, once there is a checkpoint. Needs mutex_.
  void RestoreOnce();
  // Writes both files. Needs mutex_.
  Status Save();

  const std::vector<tlog::NoteVerifier> keys_;
  TileStore& store_;
  const LogTree& tree_;
  const Publisher& publisher_;

  std::mutex mutex_;
  std::map<std::string, Kept> kept_;     // guarded by mutex_: by witness name
  std::vector<std::string> to_restore_;  // guarded by mutex_: notes read at start
  bool restored_ = false;                // guarded by mutex_
};

}  // namespace hattama::transparency
