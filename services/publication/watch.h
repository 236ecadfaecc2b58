// The live side of PublicationService.Watch: one WatchHub per process fans the changes read
// from the change feed out to every open Watch stream.
//
// A dispatcher thread wakes every `interval`, reads each total that changed since its last turn
// once (through the totals cache, as GetAreaTotals does) and offers it to the streams watching
// it. A stream keeps only the newest totals per key while a write is in flight, so a slow client
// costs bounded memory and skips intermediate states, and never holds up the feed or the other
// streams. The totals read in a turn are shared by every stream they are offered to (a paused
// stream holds a pointer per key it watches, not a copy), and the number of open streams is
// capped in all and per client address, so that paused clients cannot grow the process.
// Streams are gRPC callback reactors: no thread per watcher.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "common/base/result.h"
#include "common/domain/registry.h"
#include "hattama/v1/publication.pb.h"
#include "services/publication/address_quota.h"
#include "services/publication/totals_cache.h"

namespace hattama::publication {

// Reads the current totals of `key`, as GetAreaTotals / GetOfficialTotals answer them.
using TotalsReader = std::function<Result<v1::AreaTotals>(const TotalsKey& key)>;

// A Watch answered at once with `status` (gRPC owns the reactor).
grpc::ServerWriteReactor<v1::AreaTotals>* RefuseWatch(const grpc::Status& status);

class WatchHub {
 public:
  struct Options {
    // How often changes are sent: at most one message per total and stream per interval.
    std::chrono::milliseconds interval{200};
    // Most streams open at once from network clients (0: no cap), and from one client address
    // (0: no cap); beyond either a Watch is refused with RESOURCE_EXHAUSTED. Streams of the
    // in-process channel (the HTTP gateway's /v1/Watch) are capped by the gateway instead.
    size_t max_streams = 1000;
    size_t max_streams_per_address = 64;
  };

  WatchHub(std::shared_ptr<const domain::Registry> registry, TotalsReader read, Options options);
  WatchHub(std::shared_ptr<const domain::Registry> registry, TotalsReader read)
      : WatchHub(std::move(registry), std::move(read), Options{}) {}
  // Stop()s, then waits (bounded) for the streams to be done; call after the gRPC server shut
  // down, which ends any stream a client did not let finish.
  ~WatchHub();

  // The reactor serving one Watch call; gRPC owns it until it is done. Refused (NOT_FOUND,
  // INVALID_ARGUMENT) for unknown areas or contests, UNAVAILABLE while the feed is not ready or
  // after Stop, RESOURCE_EXHAUSTED beyond the caps of Options. An accepted stream sends its
  // initial metadata at once, with kAcceptedMetadata set.
  grpc::ServerWriteReactor<v1::AreaTotals>* Start(grpc::CallbackServerContext* context,
                                                  const v1::WatchRequest& request);
  // A total changed (from the change feed): sent to its watchers on the next turn.
  void Changed(const TotalsKey& key);
  // The transparency log signed a new checkpoint (TlogWatcher): every total last read with
  // log_position.tree_size 0 is read and sent again on the next turn, so that a watcher learns
  // the tree size that now holds it without waiting for the total's next change.
  void CheckpointAdded();
  // The feed is read to its end (true) or lost (false). While lost, open streams end with
  // UNAVAILABLE (a client reconnects and starts complete again) and new ones are refused: a
  // stream must never sit silent on totals that moved.
  void SetFeedReady(bool ready);
  // Ends every open stream with OK and refuses new ones: call before the gRPC server's Shutdown,
  // so that it does not wait for streams that never end by themselves.
  void Stop();

  size_t watchers() const;
  // Watch calls refused for a cap since construction.
  uint64_t refused_for_cap() const;

  // Initial metadata key an accepted stream carries (a refused one has none), so that a client
  // can tell acceptance from a refusal before the first totals.
  static constexpr const char* kAcceptedMetadata = "x-hattama-watch";

  class Watcher;

 private:
  // The totals a request asks for: kNotFound for an unknown contest or area, kInvalidArgument
  // when there is nothing to watch.
  Result<std::set<TotalsKey>> KeysOf(const v1::WatchRequest& request) const;
  // Counts a new stream from `address` ("" for the in-process channel) against the caps; under
  // mutex_. kUnavailable while stopped or without the feed, kResourceExhausted beyond a cap.
  Status Admit(const std::string& address);
  void Run();
  void Remove(Watcher* watcher);
  void EndAll(const grpc::Status& status, bool cancel_writes);

  const std::shared_ptr<const domain::Registry> registry_;
  const TotalsReader read_;
  const Options options_;
  mutable std::mutex mutex_;
  std::condition_variable removed_;
  // Owned here from Start until gRPC is done with the stream (OnDone), and by the dispatcher while
  // it offers totals, so that an offer never reaches a destroyed stream.
  std::map<Watcher*, std::shared_ptr<Watcher>> watchers_;
  // Open network streams in all and by client address (in-process ones are not counted).
  AddressQuota network_streams_;  // Streams of network clients (the gateway's are capped by it).
  uint64_t refused_for_cap_ = 0;
  std::set<TotalsKey> changed_;
  // Totals last read before any checkpoint held them (tree size 0); bounded by the registry.
  std::set<TotalsKey> uncovered_;
  bool feed_ready_ = false;
  bool stopped_ = false;
  bool quit_ = false;  // The dispatcher's end (destructor).
  std::condition_variable wake_;
  std::thread dispatcher_;
};

}  // namespace hattama::publication
