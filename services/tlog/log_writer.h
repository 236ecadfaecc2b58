// hattama-tlog's log: the LogTree, the tiles directory with its Publisher and the witnesses'
// cosignatures (Witnesses), and the two threads that
// keep them: the Follower (hattama.tlog.v1 into the tree and the tiles) and the Sequencer
// (hattama.submissions.v1 into hattama.tlog.v1). If either stops with an error, both stop and
// Failure() says why; main then exits, since a writer that cannot write must not look healthy.
//
// Thread-safety: Start, Stop and the destructor from one thread; the accessors from any.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/base/result.h"
#include "common/kafka/record_writer.h"
#include "common/tlog/note_key.h"
#include "services/tlog/follower.h"
#include "services/tlog/log_tree.h"
#include "services/tlog/publisher.h"
#include "services/tlog/sequencer.h"
#include "services/tlog/tile_store.h"
#include "services/tlog/witnesses.h"

namespace hattama::transparency {

struct WriterOptions {
  std::string kafka_bootstrap;
  std::string tiles_dir;
  std::chrono::milliseconds checkpoint_interval{500};
  std::int64_t max_in_flight = 10000;
  // The witnesses whose cosignatures the log accepts (common/tlog/witness_keys.h).
  std::vector<tlog::NoteVerifier> witness_keys;
};

class LogWriter {
 public:
  // Opens the tiles directory and starts both threads; the rebuild runs in the background
  // (caught_up() says when it is done). `signer` is the log key; its name is the origin.
  // `writer` (null: a kafka::Producer) is what the Sequencer writes leaf entries through.
  static Result<std::unique_ptr<LogWriter>> Start(
      const WriterOptions& options, tlog::NoteSigner signer,
      std::unique_ptr<kafka::RecordWriter> writer = nullptr);
  ~LogWriter();  // Stop().
  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;

  // Stops both threads (writes in flight are flushed, bounded) and waits for them. Idempotent.
  void Stop();

  // The error that stopped the writer, or nullopt while it runs.
  std::optional<Status> Failure() const;
  // The rebuild is done and the first checkpoint signed.
  bool caught_up() const { return follower_->caught_up(); }

  const LogTree& tree() const { return *tree_; }
  const Publisher& publisher() const { return *publisher_; }
  const TileStore& tiles() const { return *store_; }
  Witnesses& witnesses() { return *witnesses_; }

 private:
  LogWriter() = default;
  void RunHalf(const char* name, std::function<Status()> run);

  std::unique_ptr<LogTree> tree_;
  std::unique_ptr<TileStore> store_;
  std::unique_ptr<Publisher> publisher_;
  std::unique_ptr<Witnesses> witnesses_;
  std::unique_ptr<Follower> follower_;
  std::unique_ptr<Sequencer> sequencer_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::optional<Status> failure_;  // guarded by mutex_
  // Last: joined first on destruction, before what they use goes.
  std::thread follower_thread_;
  std::thread sequencer_thread_;
};

}  // namespace hattama::transparency
