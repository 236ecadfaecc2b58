// The night's progress (GetNightProgress): publication samples, per contest, how many stations
// have reported and what the PVT estimate says, so that the portal can draw reporting against
// time and the estimate converging with its margin band.
//
// The history lives in this process only: a restarted publication starts a new one, whose first
// point is the state at its start. Rebuilding it would need the time each protocol was counted,
// which the published state does not keep; the figures of the newest point are always exact, only
// the curve's past is lost. Several publication replicas each keep their own history.
#pragma once

#include <google/protobuf/timestamp.pb.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/base/result.h"
#include "common/domain/registry.h"
#include "hattama/v1/analysis.pb.h"
#include "hattama/v1/publication.pb.h"
#include "services/publication/totals_cache.h"

namespace hattama::publication {

// Points kept per contest: about 5.5 hours at one point every 10 s before the first thinning.
inline constexpr size_t kMaxNightProgressPoints = 2000;
// How often publication samples by default (--progress-interval).
inline constexpr std::chrono::milliseconds kDefaultProgressInterval{10'000};
// After a round that took d, the sampler rests at least this many times d (so that at most a
// tenth of its time, and of Redis's, goes to sampling).
inline constexpr int kProgressRestPerRoundTime = 9;

// The points of one contest, oldest first, at most `max_points` (at least 2). When full, adding
// drops every other point first (those at odd positions: the oldest point stays), so that the
// whole night stays covered, the older part at half the density; then the new point is added.
// Not thread-safe (NightProgress guards it).
class NightProgressHistory {
 public:
  explicit NightProgressHistory(size_t max_points = kMaxNightProgressPoints);
  void Add(v1::NightProgressPoint point);
  const std::vector<v1::NightProgressPoint>& points() const { return points_; }

 private:
  size_t max_points_;
  std::vector<v1::NightProgressPoint> points_;
};

// Samples every contest of the registry on its own thread: at start, then every `interval` (or,
// when a round took longer than a ninth of that, nine times as long as it took), a point for each
// contest whose national observer totals changed since its last point (a contest where nothing was
// counted gets its first point at start and no other). A read that fails (Redis away) skips the
// contest until the next round. Thread-safe.
class NightProgress {
 public:
  using ReadTotals = std::function<Result<v1::AreaTotals>(const TotalsKey&)>;
  using EstimatePvt = std::function<Result<v1::PvtEstimate>(const std::string& contest_id)>;

  struct Options {
    std::chrono::milliseconds interval = kDefaultProgressInterval;
    size_t max_points = kMaxNightProgressPoints;
    // Called on the sampler's thread after a point of the contest was added (so that a reader
    // that copies the answer, such as the snapshot files, knows when to copy it again); may be
    // empty. It must not call back into this object's Stop.
    std::function<void(const std::string& contest_id)> on_point;
  };

  // Starts sampling. `read_totals` and `estimate_pvt` are what GetAreaTotals and GetPvtEstimate
  // answer from; they and `registry` must outlive this object (or Stop).
  NightProgress(const domain::Registry& registry, ReadTotals read_totals, EstimatePvt estimate_pvt,
                Options options);
  ~NightProgress();  // Stop.
  NightProgress(const NightProgress&) = delete;
  NightProgress& operator=(const NightProgress&) = delete;

  // The points of the contest so far: NOT_FOUND for a contest the registry does not hold.
  Result<v1::NightProgress> Progress(const std::string& contest_id) const;
  // Ends sampling: waits for the contest being sampled, if any (one PVT estimate: a read of the
  // regions' totals, milliseconds whatever the size). Idempotent.
  void Stop();

 private:
  struct Contest {
    NightProgressHistory history;
    // The national totals of the last point, their volatile parts cleared: a change in them is
    // what makes a new point.
    std::string last_totals;
  };

  void Run();
  // One round: a point for each contest whose totals changed.
  void SampleAll();
  // The contest's point now, or nothing when its totals are those of its last point (or could
  // not be read); `totals_fingerprint` gets the totals compared.
  std::optional<v1::NightProgressPoint> Sample(const std::string& contest_id,
                                               const std::string& last_totals,
                                               std::string& totals_fingerprint);
  // Logs the first failure of a streak; nothing to add.
  std::nullopt_t Failed(const std::string& contest_id, const Status& status);

  const domain::Registry& registry_;
  const ReadTotals read_totals_;
  const EstimatePvt estimate_pvt_;
  const Options options_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::map<std::string, Contest, std::less<>> contests_;
  // Set once the sampler failed to read, so that an outage is logged once, not every round.
  // The sampler thread's alone.
  bool failing_ = false;
  std::thread thread_;
};

}  // namespace hattama::publication
