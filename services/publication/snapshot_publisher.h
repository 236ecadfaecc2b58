// Publication's snapshot files (snapshot_directory.h, snapshot_plan.h): every answer the portal
// reads, written where nginx serves it, so that public load never reaches gRPC or Redis.
//
// Two threads ("lanes") each wake every `interval` (1 s) and refresh the files due, reading each
// one exactly as the HTTP gateway answers its GET /v1/ call (MirrorJson; the totals from the
// store's encoded JSON, which is what the gateway answers for them), and write a new version of
// those whose bytes changed, then the index. A file is refreshed at most once a turn, so changes
// are coalesced to one version a second at most. One lane has the contests' files, whose every
// read goes through all stations of a contest (PVT, discrepancies, seats: about 0.5 s each at
// 10,000 stations); the other everything else, so that totals, station lists and stations
// (a turn of some tens of milliseconds) never wait behind them. What is due in a turn:
//  - everything, on the first turn and whenever the change feed becomes read to its end again
//    (changes may have been missed while it was not);
//  - for each total the change feed reported since the last turn (Changed): its file, its
//    district's station list, and its contest's discrepancies, PVT, seats and night progress;
//  - each station whose line in its district's station list changed (counted figures, flags,
//    confirmations, dispute, official figures) when that list was refreshed;
//  - every turn, the deployment table and the log checkpoint, and when the checkpoint changed
//    every total last read at tree size 0 (no checkpoint covered it yet);
//  - a sweep through every file, `sweep` for all of them, for what no signal reports (a version
//    that changes no line of the list), and again a turn later whatever failed with UNAVAILABLE.
//
// Thread-safe: Changed and FeedReady are called from the change feed's thread; Start and Stop
// from the owner's. The lanes share the directory under a mutex.
#pragma once

#include <grpcpp/generic/generic_stub.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/domain/registry.h"
#include "services/publication/http_gateway.h"
#include "services/publication/snapshot_directory.h"
#include "services/publication/snapshot_plan.h"

namespace hattama::publication {

// Each is a flag of hattama-publication (main.cc, README).
struct SnapshotOptions {
  // Where the files go; empty: no snapshots.
  std::string dir;
  // A turn: how often changed files are written at most.
  std::chrono::milliseconds interval{1000};
  // Every file is read again within this long even without a change (0: never).
  std::chrono::seconds sweep{60};
  // How long a version no index names any more stays on disk.
  std::chrono::seconds keep{300};
  // Bucket files the index lists the districts' and stations' files through.
  uint32_t buckets = kDefaultSnapshotBuckets;
};

class SnapshotPublisher {
 public:
  SnapshotPublisher(std::shared_ptr<const domain::Registry> registry, SnapshotOptions options);
  ~SnapshotPublisher();  // Stop()s.

  // Opens the directory and starts the thread, which reads through `channel` (publication's
  // in-process channel) and `totals_json` (the store's, as the gateway's). kUnavailable when the
  // directory cannot be made.
  Status Start(std::shared_ptr<grpc::Channel> channel, TotalsJsonFunction totals_json);
  // The thread ends after the file it is writing; call before the gRPC server shuts down.
  void Stop();

  // From the change feed, after the cache forgot `key`: its files are due next turn.
  void Changed(const TotalsKey& key);
  // From the change feed: read to its end again (true) makes every file due.
  void FeedReady(bool ready);

  // Turns done by both lanes (each ends with the index written when anything changed).
  uint64_t turns() const { return turns_.load(); }

 private:
  // The files one thread refreshes, and what is due for it.
  struct Lane {
    bool contests = false;  // the contests' files, or all the others
    std::vector<char> due;  // by file index; only this lane's files are ever set
    std::set<TotalsKey> changed;
    bool everything = true;
    size_t sweep_cursor = 0;
    std::thread thread;
  };
  bool InLane(const Lane& lane, size_t index) const;
  void Run(Lane& lane);
  // One turn: the files due read, the changed ones written, the index published.
  void Turn(Lane& lane);
  // Marks what the lane's signals since its last turn make due; under mutex_.
  void MarkSignalled(Lane& lane);
  void MarkSweep(Lane& lane);
  // The bytes of file `index` as the gateway answers them; sets `retry` for a failure worth
  // trying again next turn (UNAVAILABLE), and `list` to a station list's stations.
  Result<std::string> Read(size_t index, bool& retry, v1::ListStationsResponse& list);
  Result<std::string> ReadStationList(const SnapshotFile& file, v1::ListStationsResponse& list);
  // Marks the stations of a station list of `contest_id` whose line changed since it was last
  // read (every one the first time).
  void MarkChangedStations(const std::string& contest_id, const v1::ListStationsResponse& list,
                           std::vector<char>& due);

  const std::shared_ptr<const domain::Registry> registry_;
  const SnapshotOptions options_;
  const SnapshotPlan plan_;
  std::unique_ptr<SnapshotDirectory> directory_;
  std::unique_ptr<grpc::GenericStub> stub_;
  TotalsJsonFunction totals_json_;
  // Per contest and station ("<contest>\n<station>"): a hash of its line in the last list read.
  // The station lists' lane only.
  std::unordered_map<std::string, size_t> station_lines_;
  // By file index: totals last read before a checkpoint covered them (tree size 0).
  std::vector<char> uncovered_;

  std::mutex directory_mutex_;  // Put and Publish of the two lanes
  std::mutex mutex_;            // the lanes' signals and stop_
  std::condition_variable wake_;
  Lane lanes_[2];
  bool stop_ = false;
  std::atomic<uint64_t> turns_{0};
};

}  // namespace hattama::publication
