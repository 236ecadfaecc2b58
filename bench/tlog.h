// The transparency log's part of the end-to-end benchmark (issue #13 item 9): whether hattama-tlog
// keeps up with the flat-out run, how long an accepted record waits for a signed checkpoint, how
// fast inclusion proofs are answered, and what the log costs on disk per leaf.
//
// Every figure is taken from outside, through the log's public gRPC API, as a checker would see
// it: a CheckpointWatcher polls GetCheckpoint and keeps when each tree size was first signed.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "bench/load.h"
#include "common/base/result.h"

namespace hattama::bench {

// How often the watcher asks for the checkpoint: the resolution of the times it records.
inline constexpr std::chrono::milliseconds kCheckpointPollInterval{5};

// Polls hattama-tlog's GetCheckpoint on its own thread from construction until destruction, and
// keeps the first time it saw each new tree size. Thread-safe: the accessors may be called from
// any thread while it polls.
class CheckpointWatcher {
 public:
  explicit CheckpointWatcher(const std::string& tlog_address);
  ~CheckpointWatcher();
  CheckpointWatcher(const CheckpointWatcher&) = delete;
  CheckpointWatcher& operator=(const CheckpointWatcher&) = delete;

  // When a signed checkpoint of at least `size` leaves was first seen (steady clock); nullopt
  // until one is.
  std::optional<Clock::time_point> FirstAtLeast(int64_t size) const;
  // The same on the system clock, in seconds since 1970: comparable with a record's
  // accepted_time.
  std::optional<double> FirstAtLeastUnix(int64_t size) const;
  // The tree size of the latest checkpoint seen (0 before any).
  int64_t latest_size() const;
  // Waits until a checkpoint of at least `size` leaves is seen or `timeout` passes.
  bool WaitFor(int64_t size, std::chrono::milliseconds timeout) const;

  struct Seen {
    int64_t size;
    Clock::time_point at;
    double unix_seconds;
  };
  // The first checkpoint seen after `time` that is larger than the one seen before it.
  std::optional<Seen> FirstGrowthAfter(Clock::time_point time) const;

 private:
  void Run(const std::string& address);
  const Seen* FirstAtLeastLocked(int64_t size) const;

  mutable std::mutex mutex_;
  std::vector<Seen> seen_;  // tree sizes ascending, as they were signed
  bool stop_ = false;
  std::thread thread_;
};

struct TlogFigures {
  // Leaves the log must hold at the end (every accepted record of the run) and holds.
  int64_t expected_leaves = 0;
  int64_t leaves = 0;
  // Leaves added from the first checkpoint that grew in the flat-out run to the first that held
  // every accepted record, over the time between them: the rate the log appended while the run
  // fed it, the wait for the first checkpoint left out. 0 when no checkpoint held them all in time.
  double appends_per_second = 0;
  // That moment minus the moment publication's national totals reported every protocol: negative
  // when the log was complete first.
  std::optional<double> log_after_counted_s;
  // Ingestion accepting a record (its accepted_time) -> the first signed checkpoint holding its
  // leaf, over sampled records of the flat-out run.
  double checkpoint_delay_p50_ms = 0, checkpoint_delay_p99_ms = 0;
  int64_t delay_samples = 0;
  // GetInclusionProof by submission id at the latest checkpoint, from several client threads
  // asking as fast as they can (the cores saturated), and from one (the service's own latency).
  double proof_p50_ms = 0, proof_p99_ms = 0;
  double proofs_per_second = 0;
  int64_t proof_errors = 0;
  double single_proof_p50_ms = 0, single_proof_p99_ms = 0;
  // The tiles directory: entry bundles and hash tiles (file sizes), and blocks allocated.
  int64_t entry_bytes = 0;
  int64_t hash_bytes = 0;
  int64_t allocated_bytes = 0;
};

// The flat-out run as the log is held against it.
struct FlatOutRun {
  int64_t expected_leaves = 0;  // records accepted since the stack started (warm-up included)
  Clock::time_point first_send;
  Clock::time_point counted;  // publication's totals reported every accepted protocol
};

// Waits up to `timeout` for a signed checkpoint holding every expected leaf, then fills the
// figures of keeping up (leaves, appends per second, the log's lag behind publication) and the
// checkpoint delays of `sampled_ids` (accepted submissions of the flat-out run).
Result<TlogFigures> FollowFlatOut(const std::string& tlog_address, const CheckpointWatcher& watcher,
                                  const FlatOutRun& run, std::span<const std::string> sampled_ids,
                                  std::chrono::milliseconds timeout);

// Checkpoint delays of `submission_ids` (accepted ones): each one's leaf and accepted_time come
// from GetInclusionProof, the checkpoint's time from `watcher`. Milliseconds, in the ids' order;
// ids the log does not answer for are left out.
Result<std::vector<double>> CheckpointDelaysMs(const std::string& tlog_address,
                                               std::span<const std::string> submission_ids,
                                               const CheckpointWatcher& watcher);

struct ProofLatency {
  std::vector<double> ms;  // one per answered request
  double per_second = 0;
  int64_t errors = 0;
};

// `clients` threads, each on its own channel with one request in flight, ask GetInclusionProof
// for random ids of `submission_ids` at the latest checkpoint for `duration`.
ProofLatency InclusionProofLatency(const std::string& tlog_address,
                                   std::span<const std::string> submission_ids, int clients,
                                   std::chrono::milliseconds duration);

// Sums the files of a tiles directory (C2SP tlog-tiles) into `figures`' entry, hash and
// allocated bytes; files being written (under .tmp/) are left out.
void MeasureTiles(const std::string& tiles_dir, TlogFigures& figures);

}  // namespace hattama::bench
