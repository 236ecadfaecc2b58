// The reactor every hub stream of ingestion is built on: it reads messages, hands each to
// Handle, writes the answers in the order they become durable, and ends the call only once every
// message it took is answered (or the stream failed). Submissions and deployment events are two
// subclasses (ingestion_service.cc).
#pragma once

#include <fmt/format.h>
#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/domain/hubs.h"
#include "common/kafka/kafka.h"
#include "common/metrics/service_metrics.h"
#include "hattama/v1/ingestion.pb.h"
#include "services/ingestion/rate_limiter.h"

namespace hattama::ingestion {

// A stream that can be told to stop reading and end once what it took is answered.
class Drainable {
 public:
  virtual ~Drainable() = default;
  virtual void Drain() = 0;
};

// What every stream of one service shares: the producer, the limits, the per-hub rate buckets and
// the set of open streams (so that Drain reaches each). Thread-safe; streams and delivery
// callbacks hold it by shared_ptr, as they may run after the service is gone.
struct StreamEnvironment {
  kafka::Producer* producer = nullptr;
  // See ServiceOptions.
  int max_in_flight = 1000;
  double default_hub_rate = 0;
  RateLimiter rate;

  std::mutex streams_mu;
  bool draining = false;
  uint64_t next_stream = 0;
  std::unordered_map<uint64_t, std::weak_ptr<Drainable>> streams;

  // Registers a stream to be drained; false when draining already (the stream is refused).
  bool Register(uint64_t& id, std::weak_ptr<Drainable> stream) {
    std::lock_guard lock(streams_mu);
    if (draining) return false;
    id = next_stream++;
    streams.emplace(id, std::move(stream));
    return true;
  }
  void Unregister(uint64_t id) {
    std::lock_guard lock(streams_mu);
    streams.erase(id);
  }
  // Refuses new streams from now on and returns the open ones.
  std::vector<std::shared_ptr<Drainable>> StartDraining() {
    std::vector<std::shared_ptr<Drainable>> open;
    std::lock_guard lock(streams_mu);
    draining = true;
    for (auto& [id, weak] : streams) {
      if (auto stream = weak.lock()) open.push_back(std::move(stream));
    }
    return open;
  }
};

// Ends a call at once with `status`: the answer to a stream that is not let in.
template <typename Request, typename Response>
class Refusal final : public grpc::ServerBidiReactor<Request, Response> {
 public:
  explicit Refusal(grpc::Status status) { this->Finish(std::move(status)); }
  void OnDone() override { delete this; }  // gRPC's documented ownership for reactors.
};

// One hub stream of messages that are each answered once their outcome is durable. Reads, writes
// and the final Finish are started only from Pump, which runs them outside the lock (gRPC may run
// a reaction inline) and never calls Finish while another thread is between deciding to start an
// operation and starting it. The stream keeps itself alive until OnDone; delivery callbacks hold
// only a weak reference, because Kafka may confirm a write after the hub went away.
template <typename Request, typename Ack>
class AckingStream : public grpc::ServerBidiReactor<Request, Ack>,
                     public Drainable,
                     public std::enable_shared_from_this<AckingStream<Request, Ack>> {
 public:
  AckingStream(std::shared_ptr<StreamEnvironment> env, grpc::CallbackServerContext* context,
               const domain::Hub* hub)
      : env_(std::move(env)), peer_(context->peer()), hub_(hub) {}

  void Start() {
    self_ = this->shared_from_this();
    if (!env_->Register(stream_id_, this->weak_from_this())) {
      std::unique_lock lock(mu_);
      finish_ = grpc::Status(grpc::StatusCode::UNAVAILABLE, "ingestion is shutting down");
      Pump(lock);
      return;
    }
    spdlog::debug("stream opened by {} as hub {}", peer_, hub_ ? hub_->hub_id : "(none)");
    std::unique_lock lock(mu_);
    Pump(lock);
  }

  void Drain() override {
    EndAfterAnswering(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                   "ingestion is shutting down; resend what was not answered"));
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      std::unique_lock lock(mu_);
      reading_ = false;
      read_closed_ = true;  // The hub half-closed (or the call broke): answer what is pending.
      Pump(lock);
      return;
    }
    bool take;
    {
      std::lock_guard lock(mu_);
      // Ending (failing, draining, over the rate): what is read now is not taken, not answered,
      // and the hub resends it.
      take = !finish_ && !end_;
      if (take) ++unanswered_;
    }
    if (take && !WithinRate()) {
      {
        std::lock_guard lock(mu_);
        --unanswered_;
      }
      take = false;
      EndAfterAnswering(grpc::Status(
          grpc::StatusCode::RESOURCE_EXHAUSTED,
          fmt::format("hub {} is over its rate limit of {} per second; back off and resend",
                      hub_id(), Rate())));
    }
    if (take) Handle(request_);
    std::unique_lock lock(mu_);
    reading_ = false;
    Pump(lock);
  }

  void OnWriteDone(bool ok) override {
    std::unique_lock lock(mu_);
    writing_ = false;
    if (ok) {
      --unanswered_;
    } else {
      read_closed_ = true;
      if (!finish_) finish_ = grpc::Status(grpc::StatusCode::CANCELLED, "the stream broke");
    }
    Pump(lock);
  }

  void OnCancel() override {
    spdlog::debug("stream from {} cancelled", peer_);
    std::unique_lock lock(mu_);
    read_closed_ = true;
    if (!finish_) finish_ = grpc::Status(grpc::StatusCode::CANCELLED, "cancelled");
    Pump(lock);
  }

  void OnDone() override {
    env_->Unregister(stream_id_);
    std::shared_ptr<AckingStream> self;
    {
      std::lock_guard lock(mu_);
      spdlog::debug("stream from {} done, {} unanswered", peer_, unanswered_);
      self = std::move(self_);
    }
    // `self` may be the last reference: the stream ends with this scope.
  }

 protected:
  // Takes one message: answers it (now or from a delivery callback) exactly once, or fails.
  virtual void Handle(Request& request) = 0;

  const std::string& hub_id() const {
    static const std::string kNone = "(unauthenticated)";
    return hub_ ? hub_->hub_id : kNone;
  }

  // Queues the answer to one message; any thread.
  void Answer(Ack ack) {
    metrics::RecordAnswer(Ack::descriptor()->name(), v1::Outcome_Name(ack.outcome()));
    std::unique_lock lock(mu_);
    if (finish_) return;
    acks_.push_back(std::move(ack));
    Pump(lock);
  }

  // Ends the stream with `status`, dropping what is not answered yet; any thread.
  void Fail(grpc::Status status) {
    std::unique_lock lock(mu_);
    if (!finish_) {
      spdlog::warn("stream from {} (hub {}) failing with {} unanswered: {}", peer_, hub_id(),
                   unanswered_, status.error_message());
      finish_ = std::move(status);
    }
    Pump(lock);
  }

  // Stops reading, and ends with `status` once everything taken is answered; any thread.
  void EndAfterAnswering(grpc::Status status) {
    std::unique_lock lock(mu_);
    if (!end_ && !finish_) {
      spdlog::info("stream from {} (hub {}) ending after {} answers: {}", peer_, hub_id(),
                   unanswered_, status.error_message());
      end_ = std::move(status);
    }
    Pump(lock);
  }

  // Writes one record and answers `ack` once Kafka confirmed it; `on_durable` runs first then
  // (e.g. to remember the id). A write Kafka does not confirm fails the stream UNAVAILABLE: never
  // an answer for what is not in the log, and the hub resends it.
  void Produce(const char* topic, int32_t partition, const std::string& key, std::string value,
               Ack ack, std::function<void()> on_durable) {
    std::weak_ptr<AckingStream> weak = this->weak_from_this();
    Status queued = env_->producer->Produce(
        topic, partition, key, value,
        [weak, ack = std::move(ack), on_durable = std::move(on_durable),
         queued_at = std::chrono::steady_clock::now()](const Status& status, int32_t,
                                                       int64_t) mutable {
          metrics::RecordProduce(std::chrono::steady_clock::now() - queued_at, status.ok());
          if (status.ok() && on_durable) on_durable();
          std::shared_ptr<AckingStream> stream = weak.lock();
          if (!status.ok()) {
            spdlog::warn("record for {} not written: {}", key_of(ack), status.message());
            if (stream) stream->Fail(grpc::Status(grpc::StatusCode::UNAVAILABLE, status.message()));
            return;
          }
          if (stream) stream->Answer(std::move(ack));
        });
    if (!queued.ok()) Fail(grpc::Status(grpc::StatusCode::UNAVAILABLE, queued.message()));
  }

  static const std::string& key_of(const v1::SubmissionAck& ack) { return ack.submission_id(); }
  static const std::string& key_of(const v1::DeploymentEventAck& ack) { return ack.event_id(); }

  const std::shared_ptr<StreamEnvironment> env_;
  const std::string peer_;
  const domain::Hub* const hub_;  // nullptr: unauthenticated.

 private:
  double Rate() const {
    return hub_ && hub_->max_submissions_per_second > 0 ? hub_->max_submissions_per_second
                                                        : env_->default_hub_rate;
  }
  bool WithinRate() { return env_->rate.TryAcquire(hub_id(), Rate()); }

  void Pump(std::unique_lock<std::mutex>& lock) {
    while (!finish_called_) {
      if (finish_) {
        if (issuing_ > 0) return;  // That thread comes back here once it has started its ops.
        finish_called_ = true;
        grpc::Status status = *finish_;
        lock.unlock();
        this->Finish(std::move(status));  // OnDone may run from here on: touch nothing after.
        lock.lock();
        return;
      }
      bool write = false;
      bool read = false;
      if (!writing_ && !acks_.empty()) {
        write_ = std::move(acks_.front());
        acks_.pop_front();
        writing_ = write = true;
      }
      if (!reading_ && !read_closed_ && !end_ && unanswered_ < env_->max_in_flight) {
        reading_ = read = true;
      }
      if (!write && !read) {
        if (!writing_ && unanswered_ == 0) {
          if (end_) {
            // Everything taken is answered; a read still outstanding is cancelled by Finish, and
            // what it brings is not taken.
            finish_ = *end_;
            continue;
          }
          if (read_closed_ && !reading_) {
            finish_ = grpc::Status::OK;  // Every message of the stream has its answer.
            continue;
          }
        }
        return;
      }
      ++issuing_;
      lock.unlock();
      if (write) this->StartWrite(&write_);
      if (read) this->StartRead(&request_);
      lock.lock();
      --issuing_;
    }
  }

  std::shared_ptr<AckingStream> self_;  // Held from Start until OnDone.
  uint64_t stream_id_ = 0;

  std::mutex mu_;
  bool reading_ = false;      // A read is outstanding or about to be started.
  bool read_closed_ = false;  // No more reads: the hub half-closed, or the stream is ending.
  bool writing_ = false;      // A write is outstanding or about to be started.
  int issuing_ = 0;           // Threads between deciding to start operations and starting them.
  int unanswered_ = 0;        // Messages taken whose answer is not written yet.
  std::deque<Ack> acks_;      // Answers waiting for the one write slot.
  std::optional<grpc::Status> end_;     // End with this once everything taken is answered.
  std::optional<grpc::Status> finish_;  // Decided final status.
  bool finish_called_ = false;

  Request request_;  // Target of the outstanding read.
  Ack write_;        // Source of the outstanding write.
};

}  // namespace hattama::ingestion
