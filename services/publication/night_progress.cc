#include "services/publication/night_progress.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace hattama::publication {
namespace {

google::protobuf::Timestamp Now() {
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  google::protobuf::Timestamp time;
  time.set_seconds(seconds.count());
  time.set_nanos(static_cast<int32_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch - seconds).count()));
  return time;
}

// The national totals without what changes when nothing was counted (the log position moves with
// every record of any contest; the area is the same every time).
std::string Fingerprint(v1::AreaTotals totals) {
  totals.clear_area();
  totals.clear_log_position();
  return totals.SerializeAsString();
}

}  // namespace

NightProgressHistory::NightProgressHistory(size_t max_points)
    : max_points_(std::max<size_t>(2, max_points)) {}

void NightProgressHistory::Add(v1::NightProgressPoint point) {
  if (points_.size() >= max_points_) {
    size_t kept = 0;
    for (size_t i = 0; i < points_.size(); i += 2) points_[kept++] = std::move(points_[i]);
    points_.resize(kept);
  }
  points_.push_back(std::move(point));
}

NightProgress::NightProgress(const domain::Registry& registry, ReadTotals read_totals,
                             EstimatePvt estimate_pvt, Options options)
    : registry_(registry),
      read_totals_(std::move(read_totals)),
      estimate_pvt_(std::move(estimate_pvt)),
      options_(options) {
  for (const auto& contest : registry_.election().contests()) {
    contests_.emplace(contest.contest_id(), Contest{NightProgressHistory(options_.max_points), ""});
  }
  thread_ = std::thread([this] { Run(); });
}

NightProgress::~NightProgress() { Stop(); }

void NightProgress::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Result<v1::NightProgress> NightProgress::Progress(const std::string& contest_id) const {
  v1::NightProgress progress;
  progress.set_contest_id(contest_id);
  std::lock_guard lock(mutex_);
  auto it = contests_.find(contest_id);
  if (it == contests_.end()) return Status::NotFound(fmt::format("no contest '{}'", contest_id));
  const auto& points = it->second.history.points();
  progress.mutable_points()->Reserve(static_cast<int>(points.size()));
  for (const auto& point : points) *progress.add_points() = point;
  return progress;
}

void NightProgress::Run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    const auto started = std::chrono::steady_clock::now();
    SampleAll();
    // A round's PVT estimates read the regions' totals (their PVT sums), not the stations: a few
    // hundred hashes whatever the size (they read every station before, about 0.5 s at 10,000
    // stations and some 3 million hashes a round at a million). Resting nine times as long as the
    // round took still bounds the sampler to a tenth of a thread and of Redis's time, whatever a
    // round costs (a PVT sample's stations are read too), so that it never holds back the count.
    const auto took = std::chrono::steady_clock::now() - started;
    lock.lock();
    wake_.wait_for(lock,
                   std::max<std::chrono::steady_clock::duration>(options_.interval,
                                                                 kProgressRestPerRoundTime * took),
                   [this] { return stopping_; });
  }
}

void NightProgress::SampleAll() {
  for (const auto& contest : registry_.election().contests()) {
    std::string last_totals;
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      last_totals = contests_.at(contest.contest_id()).last_totals;
    }
    std::string fingerprint;
    auto point = Sample(contest.contest_id(), last_totals, fingerprint);
    if (!point.has_value()) continue;
    {
      std::lock_guard lock(mutex_);
      Contest& sampled = contests_.at(contest.contest_id());
      sampled.history.Add(std::move(*point));
      sampled.last_totals = std::move(fingerprint);
    }
    if (options_.on_point) options_.on_point(contest.contest_id());
  }
}

std::optional<v1::NightProgressPoint> NightProgress::Sample(const std::string& contest_id,
                                                            const std::string& last_totals,
                                                            std::string& totals_fingerprint) {
  const auto time = Now();
  auto totals = read_totals_({registry_.nation_id(), contest_id, /*official=*/false});
  if (!totals.ok()) return Failed(contest_id, totals.status());
  totals_fingerprint = Fingerprint(*totals);
  // The first point is taken even before anything is counted: the curve starts at the start.
  if (!last_totals.empty() && totals_fingerprint == last_totals) return std::nullopt;
  auto pvt = estimate_pvt_(contest_id);
  if (!pvt.ok()) return Failed(contest_id, pvt.status());
  failing_ = false;
  v1::NightProgressPoint point;
  *point.mutable_time() = time;
  point.set_stations_reporting(totals->stations_reporting());
  point.set_stations_total(totals->stations_registered());
  *point.mutable_pvt() = std::move(pvt).value();
  // GetElection has the names; 2,000 points of every option's name would only weigh.
  for (auto& option : *point.mutable_pvt()->mutable_options()) option.clear_name();
  // The PVT sample's estimate stays (the chart draws it beside), without its names, its strata
  // and its SHA-256, which GetPvtEstimate answers now.
  if (point.pvt().has_sample()) {
    auto* sample = point.mutable_pvt()->mutable_sample();
    for (auto& option : *sample->mutable_options()) option.clear_name();
    sample->clear_strata();
    sample->clear_sha256();
  }
  return point;
}

std::nullopt_t NightProgress::Failed(const std::string& contest_id, const Status& status) {
  if (!failing_) {
    spdlog::warn("night progress: cannot sample contest {} ({}); retrying every {} ms", contest_id,
                 status.message(), options_.interval.count());
  }
  failing_ = true;
  return std::nullopt;
}

}  // namespace hattama::publication
