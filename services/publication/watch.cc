#include "services/publication/watch.h"

#include <spdlog/spdlog.h>

#include <map>
#include <vector>

#include "common/base/status_grpc.h"
#include "common/metrics/service_metrics.h"
#include "services/publication/station_reads.h"

namespace hattama::publication {
namespace {

constexpr auto kDrainTimeout = std::chrono::seconds(10);
constexpr auto kStopGrace = std::chrono::seconds(1);

// A Watch answered at once with an error.
class Refusal : public grpc::ServerWriteReactor<v1::AreaTotals> {
 public:
  explicit Refusal(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

}  // namespace

grpc::ServerWriteReactor<v1::AreaTotals>* RefuseWatch(const grpc::Status& status) {
  return new Refusal(status);
}

// One open Watch stream. gRPC calls its reactions on its own threads; the hub offers totals from
// the dispatcher. gRPC operations (StartWrite, Finish, TryCancel) are started outside `mutex_`,
// since their reactions may run inline.
class WatchHub::Watcher : public grpc::ServerWriteReactor<v1::AreaTotals> {
 public:
  Watcher(WatchHub* hub, grpc::CallbackServerContext* context, std::set<TotalsKey> keys,
          std::string address)
      : hub_(hub),
        context_(context),
        keys_(std::move(keys)),
        address_(std::move(address)),
        unsent_(keys_) {
    // Sent at once, so that a client (the SSE gateway) knows the stream was accepted before the
    // first totals are read; the key tells it from a refusal's trailers-only answer.
    context_->AddInitialMetadata(kAcceptedMetadata, "1");
    StartSendInitialMetadata();
  }

  // The client address the stream counts against ("" for the in-process channel).
  const std::string& address() const { return address_; }

  const std::set<TotalsKey>& keys() const { return keys_; }
  // Keys whose first totals are still to be sent; touched by the dispatcher only.
  std::set<TotalsKey>& unsent() { return unsent_; }

  // Queues the newest totals of `key`, replacing any not yet written. The totals are shared with
  // the other streams: a paused stream holds one pointer per key it watches.
  void Offer(const TotalsKey& key, const std::shared_ptr<const v1::AreaTotals>& totals) {
    {
      std::lock_guard lock(mutex_);
      if (ending_) return;
      pending_[key] = totals;
    }
    Pump();
  }

  // Ends the stream with `status` once a write in flight is done; `cancel_write` cancels that
  // write instead of waiting for a client that may never read it.
  void End(const grpc::Status& status, bool cancel_write) {
    bool cancel = false;
    {
      std::lock_guard lock(mutex_);
      if (!ending_) {
        ending_ = true;
        status_ = status;
        pending_.clear();
      }
      if (cancel_write && writing_ && !finished_) {
        ++pins_;  // Keeps Finish (and so OnDone, which ends `context_`) until TryCancel returned.
        cancel = true;
      }
    }
    if (cancel) {
      context_->TryCancel();
      std::lock_guard lock(mutex_);
      --pins_;
    }
    Pump();
  }

  void OnSendInitialMetadataDone(bool ok) override {
    {
      std::lock_guard lock(mutex_);
      metadata_sent_ = true;
      if (!ok) Ending(grpc::Status(grpc::StatusCode::CANCELLED, "the client went away"));
    }
    Pump();
  }

  void OnWriteDone(bool ok) override {
    {
      std::lock_guard lock(mutex_);
      writing_ = false;
      if (!ok) Ending(grpc::Status(grpc::StatusCode::CANCELLED, "the client went away"));
    }
    Pump();
  }

  void OnCancel() override {
    End(grpc::Status(grpc::StatusCode::CANCELLED, "the call was cancelled"), false);
  }

  void OnDone() override { hub_->Remove(this); }

 private:
  void Ending(const grpc::Status& status) {
    if (ending_) return;
    ending_ = true;
    status_ = status;
    pending_.clear();
  }

  // Starts the next write, or the Finish, when nothing is in flight.
  void Pump() {
    bool finish = false;
    {
      std::lock_guard lock(mutex_);
      if (finished_ || writing_ || !metadata_sent_) return;
      if (ending_) {
        if (pins_ > 0) return;
        finished_ = finish = true;
      } else if (!pending_.empty()) {
        auto first = pending_.begin();
        current_ = std::move(first->second);
        pending_.erase(first);
        writing_ = true;
      } else {
        return;
      }
    }
    if (finish) {
      Finish(status_);
    } else {
      StartWrite(current_.get());
    }
  }

  WatchHub* const hub_;
  grpc::CallbackServerContext* const context_;
  const std::set<TotalsKey> keys_;
  const std::string address_;
  std::set<TotalsKey> unsent_;
  std::mutex mutex_;
  // At most one per key: the newest, shared with the other streams.
  std::map<TotalsKey, std::shared_ptr<const v1::AreaTotals>> pending_;
  std::shared_ptr<const v1::AreaTotals> current_;  // The write in flight.
  bool metadata_sent_ = false;
  bool writing_ = false;
  bool ending_ = false;
  bool finished_ = false;
  int pins_ = 0;
  grpc::Status status_;
};

WatchHub::WatchHub(std::shared_ptr<const domain::Registry> registry, TotalsReader read,
                   Options options)
    : registry_(std::move(registry)),
      read_(std::move(read)),
      options_(options),
      network_streams_(options.max_streams, options.max_streams_per_address) {
  dispatcher_ = std::thread([this] { Run(); });
}

WatchHub::~WatchHub() {
  Stop();
  {
    std::lock_guard lock(mutex_);
    quit_ = true;
  }
  wake_.notify_all();
  dispatcher_.join();
  std::unique_lock lock(mutex_);
  if (!removed_.wait_for(lock, kDrainTimeout, [this] { return watchers_.empty(); })) {
    spdlog::error("{} watch streams still open at exit", watchers_.size());
  }
}

Result<std::set<TotalsKey>> WatchHub::KeysOf(const v1::WatchRequest& request) const {
  std::vector<const v1::Contest*> contests;
  if (request.contest_id().empty()) {
    for (const auto& contest : registry_->election().contests()) contests.push_back(&contest);
  } else if (const v1::Contest* contest = registry_->FindContest(request.contest_id())) {
    contests.push_back(contest);
  } else {
    return Status::NotFound("no contest \"" + request.contest_id() + "\" in election " +
                            registry_->election().election_id());
  }
  for (const auto& area_id : request.area_ids()) {
    if (registry_->FindArea(area_id) == nullptr) {
      return Status::NotFound("no area \"" + area_id + "\" in election " +
                              registry_->election().election_id());
    }
  }
  std::set<TotalsKey> keys;
  for (const v1::Contest* contest : contests) {
    if (request.area_ids_size() > 0) {
      for (const auto& area_id : request.area_ids()) {
        keys.insert({area_id, contest->contest_id(), request.official()});
      }
      continue;
    }
    // Every area where the contest is held.
    for (const auto& area : registry_->election().areas()) {
      if (registry_->StationsRegistered(area.area_id(), contest->contest_id()) == 0) continue;
      keys.insert({area.area_id(), contest->contest_id(), request.official()});
    }
  }
  if (keys.empty()) return Status::InvalidArgument("nothing to watch");
  return keys;
}

Status WatchHub::Admit(const std::string& address) {
  if (stopped_) return Status::Unavailable("publication is stopping");
  if (!feed_ready_) {
    return Status::Unavailable(
        "the totals change feed is not being read to its end (is Kafka reachable?); retry");
  }
  if (address.empty()) return Status::Ok();  // The in-process channel: capped by the gateway.
  switch (network_streams_.Take(address)) {
    case AddressQuota::Refusal::kNone:
      return Status::Ok();
    case AddressQuota::Refusal::kTotal:
      ++refused_for_cap_;
      return Status::ResourceExhausted("too many open Watch streams (" +
                                       std::to_string(options_.max_streams) +
                                       "); retry later or poll GetAreaTotals");
    case AddressQuota::Refusal::kAddress:
      ++refused_for_cap_;
      return Status::ResourceExhausted("too many open Watch streams from " + address + " (" +
                                       std::to_string(options_.max_streams_per_address) + ")");
  }
  return Status::Ok();
}

grpc::ServerWriteReactor<v1::AreaTotals>* WatchHub::Start(grpc::CallbackServerContext* context,
                                                          const v1::WatchRequest& request) {
  auto keys = KeysOf(request);
  if (!keys.ok()) return RefuseWatch(ToGrpc(keys.status()));
  const std::string address = ClientAddress(context->peer());
  std::lock_guard lock(mutex_);
  Status admitted = Admit(address);
  if (!admitted.ok()) return RefuseWatch(ToGrpc(admitted));
  auto watcher = std::make_shared<Watcher>(this, context, std::move(keys).value(), address);
  watchers_[watcher.get()] = watcher;
  metrics::RecordWatchers(static_cast<int64_t>(watchers_.size()));
  return watcher.get();
}

void WatchHub::Changed(const TotalsKey& key) {
  std::lock_guard lock(mutex_);
  if (feed_ready_ && !stopped_) changed_.insert(key);
}

void WatchHub::CheckpointAdded() {
  std::lock_guard lock(mutex_);
  if (!feed_ready_ || stopped_) return;
  changed_.insert(uncovered_.begin(), uncovered_.end());
  uncovered_.clear();
}

void WatchHub::SetFeedReady(bool ready) {
  {
    std::lock_guard lock(mutex_);
    feed_ready_ = ready;
    changed_.clear();
  }
  if (!ready) {
    EndAll(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        "the totals change feed was lost; reconnect to start complete again"),
           false);
  }
}

void WatchHub::Stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    stopped_ = true;
  }
  // Streams end OK after the write in flight; one whose client stopped reading (the write waits
  // on flow control) is cancelled after a grace, so that shutdown never waits on a client.
  EndAll(grpc::Status::OK, false);
  std::unique_lock lock(mutex_);
  if (removed_.wait_for(lock, kStopGrace, [this] { return watchers_.empty(); })) return;
  lock.unlock();
  EndAll(grpc::Status::OK, true);
}

size_t WatchHub::watchers() const {
  std::lock_guard lock(mutex_);
  return watchers_.size();
}

uint64_t WatchHub::refused_for_cap() const {
  std::lock_guard lock(mutex_);
  return refused_for_cap_;
}

void WatchHub::EndAll(const grpc::Status& status, bool cancel_writes) {
  std::vector<std::shared_ptr<Watcher>> all;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [raw, watcher] : watchers_) all.push_back(watcher);
  }
  for (const auto& watcher : all) watcher->End(status, cancel_writes);
}

void WatchHub::Remove(Watcher* watcher) {
  std::shared_ptr<Watcher> last;  // Destroyed after the lock is released.
  {
    std::lock_guard lock(mutex_);
    auto it = watchers_.find(watcher);
    if (it == watchers_.end()) return;
    last = std::move(it->second);
    watchers_.erase(it);
    if (!last->address().empty()) network_streams_.Give(last->address());
    metrics::RecordWatchers(static_cast<int64_t>(watchers_.size()));
  }
  removed_.notify_all();
}

void WatchHub::Run() {
  while (true) {
    std::set<TotalsKey> changed;
    std::vector<std::shared_ptr<Watcher>> watchers;
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, options_.interval, [this] { return quit_; });
      if (quit_) return;
      if (!feed_ready_ || stopped_) continue;
      changed.swap(changed_);
      for (const auto& [raw, watcher] : watchers_) watchers.push_back(watcher);
    }
    // Each total read once a turn, however many streams watch it.
    std::set<TotalsKey> needed;
    for (const auto& watcher : watchers) {
      for (const auto& key : changed) {
        if (watcher->keys().count(key) > 0) needed.insert(key);
      }
      needed.insert(watcher->unsent().begin(), watcher->unsent().end());
    }
    std::map<TotalsKey, std::shared_ptr<const v1::AreaTotals>> read;
    std::set<TotalsKey> failed;
    for (const auto& key : needed) {
      auto totals = read_(key);
      if (totals.ok()) {
        read.emplace(key, std::make_shared<const v1::AreaTotals>(std::move(totals).value()));
      } else {
        spdlog::debug("watch: cannot read {}/{}: {}", key.area_id, key.contest_id,
                      totals.status().message());
        if (changed.count(key) > 0) failed.insert(key);
      }
    }
    {
      std::lock_guard lock(mutex_);
      // Tried again next turn; a stream's first totals stay unsent until read.
      changed_.insert(failed.begin(), failed.end());
      for (const auto& [key, totals] : read) {
        if (totals->log_position().tree_size() == 0) {
          uncovered_.insert(key);
        } else {
          uncovered_.erase(key);
        }
      }
    }
    for (const auto& watcher : watchers) {
      for (const auto& [key, totals] : read) {
        if (watcher->keys().count(key) == 0) continue;
        if (changed.count(key) > 0 || watcher->unsent().count(key) > 0) {
          watcher->Offer(key, totals);
          watcher->unsent().erase(key);
        }
      }
    }
  }
}

}  // namespace hattama::publication
