// The reactor every hub stream of ingestion is built on: it reads raw messages, parses each
// itself, hands it to Handle, writes the answers in the order they become durable, and ends the
// call only once every message it took is answered (or the stream failed). Submissions and
// deployment events are two subclasses (submission_stream.h, deployment_stream.h). It writes
// through StreamEnvironment's record writer: Kafka's producer, or a test's fake.
//
// Why raw bytes (the generated WithRawCallbackMethod_* services) rather than typed messages: with
// a typed reactor a message that does not parse (a string field that is not UTF-8, e.g. a hub
// sending CP1251 names) looks like the hub's half-close, and the stream ended OK with the
// messages after it never answered. Parsing here lets the stream say which message it could not
// read (INVALID_ARGUMENT), and gives each message's size for the byte bounds.
//
// What one stream may hold (README "Sizes, lengths and streams"):
//   - messages read and not answered: at most max_in_flight, and at most max_in_flight_bytes of
//     them counted from read until the answer is written (the message's bytes, plus its answer's
//     once it is ready). At either bound reading pauses, so a hub that sends faster than Kafka
//     confirms, or that does not read its answers, is held back by HTTP/2 flow control instead of
//     filling ingestion's memory. One message may overshoot the bytes by its own size.
//   - one message: up to max_message_bytes is handled; above it, up to the gRPC receive limit
//     (4 x max_message_bytes, set by IngestionServer), it is answered REJECTED REASON_CODE_TOO_LONG
//     and the stream goes on; above that gRPC ends the stream RESOURCE_EXHAUSTED.
// A message that does not parse stops reading; everything taken before it is answered, then the
// stream ends INVALID_ARGUMENT naming its 1-based position in the stream (also in the trailing
// metadata kUnreadableMessageHeader). A record the log will never take (too large) is answered
// REJECTED REASON_CODE_RECORD_TOO_LARGE; only a failure of the log itself ends the stream
// UNAVAILABLE.
#pragma once

#include <fmt/format.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/codegen/proto_utils.h>
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

#include "common/base/result.h"
#include "common/domain/checks.h"
#include "common/domain/hubs.h"
#include "common/kafka/record_writer.h"
#include "common/metrics/service_metrics.h"
#include "hattama/v1/ingestion.pb.h"
#include "services/ingestion/stream_environment.h"
#include "services/ingestion/wire.h"

namespace hattama::ingestion {

// Trailing metadata of a stream ended INVALID_ARGUMENT because a message could not be read: the
// message's 1-based position in the stream (every message the hub wrote counts), so that a hub
// client can set that one aside and resend the rest.
inline constexpr char kUnreadableMessageHeader[] = "hattama-unreadable-message";

// The reactor type of both raw methods.
using RawReactor = grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>;

// Ends a call at once with `status`: the answer to a stream that is not let in.
class Refusal final : public RawReactor {
 public:
  explicit Refusal(grpc::Status status) { this->Finish(std::move(status)); }
  void OnDone() override { delete this; }  // gRPC's documented ownership for reactors.
};

// One hub stream of messages that are each answered once their outcome is durable. Reads, writes
// and the final Finish are started only from Pump, which runs them outside the lock (gRPC may run
// a reaction inline) and never calls Finish while another thread is between deciding to start an
// operation and starting it. The stream keeps itself alive until OnDone; delivery callbacks hold
// only a weak reference, because Kafka may confirm a write after the hub went away. Answer, Fail,
// EndAfterAnswering and Produce may be called from any thread; Handle runs on gRPC's reaction
// thread, one message at a time.
template <typename Request, typename Ack>
class AckingStream : public RawReactor,
                     public Drainable,
                     public std::enable_shared_from_this<AckingStream<Request, Ack>> {
 public:
  AckingStream(std::shared_ptr<StreamEnvironment> env, grpc::CallbackServerContext* context,
               const domain::Hub* hub)
      : env_(std::move(env)),
        peer_(context->peer()),
        hub_(hub),
        limits_(env_->limits),
        context_(context),
        hub_key_(HubKey(hub ? &hub->hub_id : nullptr, *context)) {}

  void Start() {
    self_ = this->shared_from_this();
    grpc::Status admitted = env_->Register(stream_id_, hub_key_, this->weak_from_this());
    std::unique_lock lock(mu_);
    if (!admitted.ok()) {
      spdlog::warn("stream from {} ({}) refused: {}", peer_, hub_key_, admitted.error_message());
      finish_ = std::move(admitted);
    } else {
      spdlog::debug("stream opened by {} as hub {}", peer_, hub_id());
    }
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
    grpc::ByteBuffer bytes;
    bytes.Swap(&read_);
    const int64_t size = static_cast<int64_t>(bytes.Length());
    int64_t position;
    bool take;
    {
      std::lock_guard lock(mu_);
      position = ++messages_read_;
      // Ending (failing, draining, over the rate, unreadable): what is read now is not taken, not
      // answered, and the hub resends it.
      take = !finish_ && !end_;
      if (take) {
        ++unanswered_;
        in_flight_bytes_ += size;
      }
    }
    if (take) Take(bytes, size, position);
    std::unique_lock lock(mu_);
    reading_ = false;
    Pump(lock);
  }

  void OnWriteDone(bool ok) override {
    std::unique_lock lock(mu_);
    writing_ = false;
    in_flight_bytes_ -= write_charge_;
    write_charge_ = 0;
    write_ = grpc::ByteBuffer();
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
    if (stream_id_) env_->Unregister(*stream_id_);
    std::shared_ptr<AckingStream> self;
    {
      std::lock_guard lock(mu_);
      spdlog::debug("stream from {} done, {} unanswered", peer_, unanswered_);
      self = std::move(self_);
    }
    // `self` may be the last reference: the stream ends with this scope.
  }

 protected:
  // Takes one message: answers it (now or from any thread later) exactly once, or fails.
  virtual void Handle(Request& request) = 0;

  // Takes a message larger than max_message_bytes (but within gRPC's receive limit): answers it
  // REJECTED with `reason` (REASON_CODE_TOO_LONG naming its size and the limit). A subclass may
  // also record it.
  virtual void HandleTooLong(Request& request, v1::Reason reason) {
    Answer(RejectedAck(IdOf(request), {std::move(reason)}));
  }

  const std::string& hub_id() const {
    static const std::string kNone = "(unauthenticated)";
    return hub_ ? hub_->hub_id : kNone;
  }

  // Queues the answer to one message; any thread. Its reasons are bounded (wire.h).
  void Answer(Ack ack) {
    metrics::RecordAnswer(Ack::descriptor()->name(), v1::Outcome_Name(ack.outcome()));
    BoundReasons(*ack.mutable_reasons());
    grpc::ByteBuffer bytes;
    bool own = false;
    grpc::SerializationTraits<Ack>::Serialize(ack, &bytes, &own);
    std::unique_lock lock(mu_);
    if (finish_) return;
    const int64_t answer_bytes = static_cast<int64_t>(bytes.Length());
    int64_t charge = answer_bytes;
    if (auto it = charges_.find(key_of(ack)); it != charges_.end()) {
      charge += it->second;
      charges_.erase(it);
    }
    in_flight_bytes_ += answer_bytes;
    acks_.push_back({std::move(bytes), charge});
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
  // (e.g. to remember the id). A failed write goes to WriteFailed. The key is cut to
  // kMaxRecordKeyBytes (only an unvalidated id can be longer).
  void Produce(const char* topic, int32_t partition, const std::string& key, std::string value,
               Ack ack, std::function<void()> on_durable) {
    std::weak_ptr<AckingStream> weak = this->weak_from_this();
    const std::string_view bounded_key = Utf8Prefix(key, kMaxRecordKeyBytes);
    const size_t record_bytes = bounded_key.size() + value.size();
    Status queued = env_->writer->Produce(
        topic, partition, bounded_key, value,
        [weak, ack, on_durable = std::move(on_durable), record_bytes,
         queued_at = std::chrono::steady_clock::now()](const Status& status, int32_t,
                                                       int64_t) mutable {
          metrics::RecordProduce(std::chrono::steady_clock::now() - queued_at, status.ok());
          if (status.ok() && on_durable) on_durable();
          std::shared_ptr<AckingStream> stream = weak.lock();
          if (!stream) return;
          if (status.ok()) {
            stream->Answer(std::move(ack));
          } else {
            stream->WriteFailed(std::move(ack), status, record_bytes);
          }
        });
    if (!queued.ok()) WriteFailed(std::move(ack), queued, record_bytes);
  }

  // What a record Kafka did not take means for the message it was for; any thread. A record the
  // log will never take (larger than it accepts: the producer's kInvalidArgument) is answered
  // REJECTED REASON_CODE_RECORD_TOO_LARGE, with `ack`'s id, and the stream goes on: writing it
  // again would fail again, and it must not cost the hub its other messages. Any other failure (no
  // broker confirmed it in time, the queue is full) fails the stream UNAVAILABLE: never an answer
  // for what is not in the log, and the hub resends it.
  void WriteFailed(Ack ack, const Status& status, size_t record_bytes) {
    spdlog::warn("record of {} bytes for {} (hub {}) not written: {}", record_bytes, key_of(ack),
                 hub_id(), status.message());
    if (status.code() == StatusCode::kInvalidArgument) {
      Answer(RecordRefusedAck(std::move(ack), status, record_bytes));
    } else {
      Fail(grpc::Status(grpc::StatusCode::UNAVAILABLE, status.message()));
    }
  }

  // A REJECTED answer to the message with this id.
  static Ack RejectedAck(const std::string& id, std::vector<v1::Reason> reasons) {
    Ack ack;
    set_key(ack, id);
    ack.set_outcome(v1::OUTCOME_REJECTED);
    for (auto& reason : reasons) *ack.add_reasons() = std::move(reason);
    return ack;
  }

  static const std::string& key_of(const v1::SubmissionAck& ack) { return ack.submission_id(); }
  static const std::string& key_of(const v1::DeploymentEventAck& ack) { return ack.event_id(); }
  static void set_key(v1::SubmissionAck& ack, const std::string& id) { ack.set_submission_id(id); }
  static void set_key(v1::DeploymentEventAck& ack, const std::string& id) { ack.set_event_id(id); }
  static const std::string& IdOf(const v1::StreamSubmissionsRequest& request) {
    return request.submission().submission_id();
  }
  static const std::string& IdOf(const v1::StreamDeploymentEventsRequest& request) {
    return request.event().event_id();
  }
  // Field numbers of the id from the top of the request, to name an unreadable message.
  static std::vector<int> IdPath(const v1::StreamSubmissionsRequest&) {
    return {v1::StreamSubmissionsRequest::kSubmissionFieldNumber,
            v1::Submission::kSubmissionIdFieldNumber};
  }
  static std::vector<int> IdPath(const v1::StreamDeploymentEventsRequest&) {
    return {v1::StreamDeploymentEventsRequest::kEventFieldNumber,
            v1::DeploymentEvent::kEventIdFieldNumber};
  }

  const std::shared_ptr<StreamEnvironment> env_;
  const std::string peer_;
  const domain::Hub* const hub_;  // nullptr: unauthenticated.
  const StreamLimits limits_;

 private:
  struct PendingAnswer {
    grpc::ByteBuffer bytes;
    int64_t charge;  // Released from in_flight_bytes_ once written: the message's and its answer's.
  };

  static Ack RecordRefusedAck(Ack ack, const Status& status, size_t record_bytes) {
    ack.set_outcome(v1::OUTCOME_REJECTED);
    ack.clear_reasons();
    v1::Reason* reason = ack.add_reasons();
    reason->set_code(v1::REASON_CODE_RECORD_TOO_LARGE);
    reason->set_message(fmt::format("the log refused its record of {} bytes: {}",
                                    Thousands(static_cast<int64_t>(record_bytes)),
                                    status.message()));
    return ack;
  }

  double Rate() const {
    return hub_ && hub_->max_submissions_per_second > 0 ? hub_->max_submissions_per_second
                                                        : env_->default_hub_rate;
  }
  bool WithinRate() { return env_->rate.TryAcquire(hub_id(), Rate()); }

  // Undoes what OnReadDone counted for a message that is not taken after all.
  void Untake(int64_t size) {
    std::lock_guard lock(mu_);
    --unanswered_;
    in_flight_bytes_ -= size;
  }

  // A message OnReadDone counted as taken: parse it and hand it on, or end the stream.
  void Take(grpc::ByteBuffer& bytes, int64_t size, int64_t position) {
    if (!WithinRate()) {
      Untake(size);
      EndAfterAnswering(grpc::Status(
          grpc::StatusCode::RESOURCE_EXHAUSTED,
          fmt::format("hub {} is over its rate limit of {} per second; back off and resend",
                      hub_id(), Rate())));
      return;
    }
    Request request;
    if (!ParseMessage(bytes, request)) {
      Untake(size);
      Unreadable(bytes, position, request);
      return;
    }
    {
      std::lock_guard lock(mu_);
      charges_.emplace(IdOf(request), size);
    }
    if (size > limits_.max_message_bytes) {
      spdlog::info("message {} of the stream from {} (hub {}) is {} bytes, above {}", position,
                   peer_, hub_id(), size, limits_.max_message_bytes);
      HandleTooLong(
          request,
          domain::MakeReason("", v1::REASON_CODE_TOO_LONG,
                             fmt::format("the message is {} bytes, above ingestion's "
                                         "limit of {} bytes (--max-message-bytes)",
                                         Thousands(size), Thousands(limits_.max_message_bytes))));
      return;
    }
    Handle(request);
  }

  // Stops reading at a message that does not parse: everything taken before it is answered, then
  // the stream ends INVALID_ARGUMENT naming it.
  void Unreadable(const grpc::ByteBuffer& bytes, int64_t position, const Request& request) {
    const std::string why =
        DescribeUnparseable(Flatten(bytes), *Request::descriptor(), IdPath(request));
    const std::string message = fmt::format(
        "message {} of this stream cannot be read: {}. The messages before it are answered; "
        "nothing after it was read: resend those without it",
        position, why);
    spdlog::warn("stream from {} (hub {}): {}", peer_, hub_id(), message);
    {
      // Finish has not started while finish_called_ is false under the lock, so the trailing
      // metadata is in place before it.
      std::lock_guard lock(mu_);
      if (!finish_called_) {
        context_->AddTrailingMetadata(kUnreadableMessageHeader, std::to_string(position));
      }
    }
    EndAfterAnswering(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, message));
  }

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
      grpc::WriteOptions write_options;
      if (!writing_ && !acks_.empty()) {
        write_ = std::move(acks_.front().bytes);
        write_charge_ = acks_.front().charge;
        acks_.pop_front();
        writing_ = write = true;
        // More answers wait behind this one: gRPC may hold it and send them in one piece; the
        // last of them goes without the hint, which sends everything held.
        if (!acks_.empty()) write_options.set_buffer_hint();
      }
      if (!reading_ && !read_closed_ && !end_ && unanswered_ < limits_.max_in_flight &&
          in_flight_bytes_ < limits_.max_in_flight_bytes) {
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
      if (write) this->StartWrite(&write_, write_options);
      if (read) this->StartRead(&read_);
      lock.lock();
      --issuing_;
    }
  }

  grpc::CallbackServerContext* const context_;  // Valid until OnDone.
  const std::string hub_key_;                   // Whose streams this one counts among.
  std::shared_ptr<AckingStream> self_;          // Held from Start until OnDone.
  // Set by Register in Start only when the stream was let in, read in OnDone: a refused stream has
  // none, so that it never unregisters another stream.
  std::optional<uint64_t> stream_id_;

  std::mutex mu_;
  bool reading_ = false;         // A read is outstanding or about to be started.
  bool read_closed_ = false;     // No more reads: the hub half-closed, or the stream is ending.
  bool writing_ = false;         // A write is outstanding or about to be started.
  int issuing_ = 0;              // Threads between deciding to start operations and starting them.
  int unanswered_ = 0;           // Messages taken whose answer is not written yet.
  int64_t in_flight_bytes_ = 0;  // Their bytes, and their answers' once ready (see the top).
  int64_t messages_read_ = 0;    // Every message read, taken or not: positions for the hub.
  // Message id -> its bytes, from read until its answer is queued (then the answer carries it).
  std::unordered_multimap<std::string, int64_t> charges_;
  std::deque<PendingAnswer> acks_;      // Answers waiting for the one write slot.
  std::optional<grpc::Status> end_;     // End with this once everything taken is answered.
  std::optional<grpc::Status> finish_;  // Decided final status.
  bool finish_called_ = false;

  grpc::ByteBuffer read_;   // Target of the outstanding read.
  grpc::ByteBuffer write_;  // Source of the outstanding write.
  int64_t write_charge_ = 0;
};

}  // namespace hattama::ingestion
