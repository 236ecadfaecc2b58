// Follows the transparency log (hattama-tlog) for publication: polls its GetCheckpoint over gRPC,
// checks each checkpoint's signature with the log's verifier key, and hands those that verify to
// a CheckpointHistory, from which every published total states the tree size that covers it and
// GetLogCheckpoint answers the newest.
//
// A checkpoint that does not verify is logged and never used, so a total never names a tree the
// operator's key did not sign. The log being down or late is no error: totals state tree size 0
// until a checkpoint covers them.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "common/base/result.h"
#include "common/tlog/note_key.h"
#include "hattama/v1/transparency.grpc.pb.h"
#include "services/publication/checkpoint_history.h"

namespace hattama::publication {

struct TlogWatcherOptions {
  // hattama-tlog's gRPC host:port.
  std::string address;
  // The log's note verifier key text (tlog::ReadLogVerifierKey reads the flag); empty: checkpoints
  // are taken as the log gives them, unchecked.
  std::string verifier_key;
  std::chrono::milliseconds poll_interval{500};
  // How long one GetCheckpoint may take.
  std::chrono::milliseconds deadline{2000};
  // Called on the watcher's thread after a checkpoint of another tree size than the last was
  // added to the history (the Watch hub sends the totals it now covers); may be empty.
  std::function<void()> on_new_checkpoint;
};

// Nothing in it is shared: its thread alone polls and adds to the history.
class TlogWatcher {
 public:
  // Starts polling on a thread of its own, at once and then every poll_interval. InvalidArgument
  // when the verifier key cannot be read as one.
  static Result<std::unique_ptr<TlogWatcher>> Start(TlogWatcherOptions options,
                                                    CheckpointHistory* history);
  ~TlogWatcher();  // Stops polling; waits at most for the call in flight (its deadline).
  TlogWatcher(const TlogWatcher&) = delete;
  TlogWatcher& operator=(const TlogWatcher&) = delete;

 private:
  TlogWatcher(TlogWatcherOptions options, std::optional<tlog::NoteVerifier> verifier,
              CheckpointHistory* history);
  void Run();
  // One GetCheckpoint, checked: the checkpoint, or why it cannot be used.
  Result<v1::SignedCheckpoint> Poll();
  // Logs a poll's failure once, until a poll succeeds or fails otherwise: a log that is down
  // fills no log with a line every half second.
  void Report(const Status& failure);

  const TlogWatcherOptions options_;
  const std::optional<tlog::NoteVerifier> verifier_;
  CheckpointHistory* const history_;
  std::unique_ptr<v1::TransparencyService::Stub> stub_;
  std::string last_failure_;
  int64_t last_tree_size_ = -1;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

// Whether `checkpoint`'s signed note verifies with `log_key`, and whether the origin, tree size
// and root hash beside it are the ones the signed text states; InvalidArgument naming what is
// wrong.
Status VerifyCheckpoint(const v1::SignedCheckpoint& checkpoint, const tlog::NoteVerifier& log_key);

}  // namespace hattama::publication
