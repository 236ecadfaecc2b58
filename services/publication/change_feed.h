// Publication's follower of aggregation's change feed (hattama.totals.v1): read-only, with a
// kafka::Reader (no consumer group, nothing committed, nothing produced). Each TotalsChange
// invalidates its key in the TotalsCache and is passed on (to the WatchHub).
//
// The cache is enabled only while the feed is known to be read to its end: right after the
// Reader assigned every partition at explicit end offsets, and afterwards while every check
// (each `check_interval`) reaches the broker and finds the Reader past the ends the previous
// check saw. A failed check, a Reader error or a Reader that falls behind disables the cache
// (readers go to Redis every time) until a later check finds it caught up again.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "common/kafka/message.h"
#include "common/kafka/reader.h"
#include "common/kafka/topics.h"
#include "services/publication/totals_cache.h"

namespace hattama::publication {

class ChangeFeed {
 public:
  struct Options {
    std::string bootstrap_servers;
    std::string topic = kafka::kTotalsTopic;
    std::chrono::milliseconds check_interval{1000};
    // How long one broker request (metadata, an end offset) may take.
    std::chrono::milliseconds kafka_timeout{2000};
  };
  // Called on the feed's thread for every change read, after its key was invalidated.
  using ChangeListener = std::function<void(const TotalsKey& key)>;
  // Called on the feed's thread when the feed becomes read to its end (true) or is lost (false).
  using ReadyListener = std::function<void(bool ready)>;

  // Starts following the feed on a thread of its own; the cache stays disabled until ready.
  ChangeFeed(Options options, TotalsCache* cache, ChangeListener on_change, ReadyListener on_ready);
  ~ChangeFeed();  // Stops the thread; the cache is left disabled.

  bool ready() const { return ready_.load(); }

 private:
  void Run();
  // One check of the broker; returns whether the feed is read to its end.
  bool Check();
  void SetReady(bool ready);
  void Apply(const kafka::Message& message);

  const Options options_;
  TotalsCache* const cache_;
  const ChangeListener on_change_;
  const ReadyListener on_ready_;
  std::unique_ptr<kafka::Reader> reader_;
  // The ends the last successful check saw; none after a failure.
  std::optional<std::map<int32_t, int64_t>> previous_ends_;
  std::atomic<bool> ready_{false};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace hattama::publication
