#include "services/ingestion/ingestion_service.h"

#include <fmt/format.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/time_util.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/base/digest.h"
#include "common/domain/checks.h"
#include "common/domain/partition.h"
#include "common/metrics/service_metrics.h"
#include "hattama/v1/records.pb.h"
#include "services/ingestion/rate_limiter.h"

namespace hattama::ingestion {

// A stream that can be told to stop reading and end once what it took is answered.
class Drainable {
 public:
  virtual ~Drainable() = default;
  virtual void Drain() = 0;
};

struct IngestionService::Shared {
  std::shared_ptr<const domain::Registry> registry;
  kafka::Producer* producer;
  int32_t partition_count;
  ServiceOptions options;
  SeenIds seen;
  SeenIds seen_events;
  RateLimiter rate;

  std::mutex streams_mu;
  bool draining = false;
  uint64_t next_stream = 0;
  std::unordered_map<uint64_t, std::weak_ptr<Drainable>> streams;

  Shared(std::shared_ptr<const domain::Registry> registry, kafka::Producer* producer,
         int32_t partition_count, ServiceOptions options)
      : registry(std::move(registry)),
        producer(producer),
        partition_count(partition_count),
        options(options),
        seen(options.remembered_ids),
        seen_events(options.remembered_ids) {}

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
};

std::string SubmissionDigest(const v1::Submission& submission) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream output(&bytes);
    google::protobuf::io::CodedOutputStream coded(&output);
    coded.SetSerializationDeterministic(true);
    submission.SerializeToCodedStream(&coded);
  }
  return Sha256(bytes);
}

namespace {

using domain::MakeReason;

v1::SubmissionAck MakeAck(const std::string& submission_id, v1::Outcome outcome,
                          const std::vector<v1::Reason>& reasons) {
  v1::SubmissionAck ack;
  ack.set_submission_id(submission_id);
  ack.set_outcome(outcome);
  for (const auto& reason : reasons) *ack.add_reasons() = reason;
  return ack;
}

// The hub a stream's token belongs to; nullptr when the service runs unauthenticated.
Result<const domain::Hub*> Authenticate(const IngestionService::Shared& shared,
                                        grpc::CallbackServerContext* context) {
  if (!shared.options.hubs) return static_cast<const domain::Hub*>(nullptr);
  const auto& metadata = context->client_metadata();
  auto it = metadata.find(kAuthorizationHeader);
  if (it == metadata.end())
    return Status::Error("no hub token: send 'authorization: Bearer <token>'");
  std::string_view value(it->second.data(), it->second.size());
  constexpr std::string_view kBearer = "Bearer ";
  if (!value.starts_with(kBearer))
    return Status::Error("the authorization must be 'Bearer <token>'");
  const domain::Hub* hub = shared.options.hubs->Authenticate(value.substr(kBearer.size()));
  if (hub == nullptr) return Status::Error("unknown hub token");
  return hub;
}

// The region area of a station (the enclosing area of kind REGION), or "".
std::string RegionOf(const domain::Registry& registry, const v1::Station& station) {
  for (const v1::Area* area : registry.EnclosingAreas(station)) {
    if (area->kind() == v1::AREA_KIND_REGION) return area->area_id();
  }
  return "";
}

// The authorisation checks every message of an authenticated hub passes: it names its own hub,
// and a station of one of its regions. Empty when allowed (or unauthenticated).
std::vector<v1::Reason> HubReasons(const domain::Registry& registry, const domain::Hub* hub,
                                   const std::string& hub_id, const v1::Station& station,
                                   const std::string& station_field) {
  std::vector<v1::Reason> reasons;
  if (hub == nullptr) return reasons;
  if (hub_id != hub->hub_id) {
    reasons.push_back(MakeReason(
        "hub_id", v1::REASON_CODE_HUB_MISMATCH,
        "names hub '" + hub_id + "' but the stream is authenticated as '" + hub->hub_id + "'"));
  }
  const std::string region = RegionOf(registry, station);
  if (!hub->MaySubmitFor(region)) {
    reasons.push_back(MakeReason(station_field, v1::REASON_CODE_REGION_NOT_ALLOWED,
                                 "station " + station.station_id() + " is in region " + region +
                                     ", which hub " + hub->hub_id + " may not submit for"));
  }
  return reasons;
}

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
  AckingStream(std::shared_ptr<IngestionService::Shared> shared,
               grpc::CallbackServerContext* context, const domain::Hub* hub)
      : shared_(std::move(shared)), peer_(context->peer()), hub_(hub) {}

  void Start() {
    self_ = this->shared_from_this();
    if (!shared_->Register(stream_id_, this->weak_from_this())) {
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
    shared_->Unregister(stream_id_);
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
    Status queued = shared_->producer->Produce(
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

  const std::shared_ptr<IngestionService::Shared> shared_;
  const std::string peer_;
  const domain::Hub* const hub_;  // nullptr: unauthenticated.

 private:
  double Rate() const {
    return hub_ && hub_->max_submissions_per_second > 0 ? hub_->max_submissions_per_second
                                                        : shared_->options.default_hub_rate;
  }
  bool WithinRate() { return shared_->rate.TryAcquire(hub_id(), Rate()); }

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
      if (!reading_ && !read_closed_ && !end_ && unanswered_ < shared_->options.max_in_flight) {
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

class SubmissionStream final
    : public AckingStream<v1::StreamSubmissionsRequest, v1::SubmissionAck> {
 public:
  using AckingStream::AckingStream;

 private:
  void Handle(v1::StreamSubmissionsRequest& request) override {
    v1::Submission submission = std::move(*request.mutable_submission());
    // A hub that leaves its id out is the hub its token says.
    if (hub_ != nullptr && submission.hub_id().empty()) submission.set_hub_id(hub_->hub_id);
    const std::string& id = submission.submission_id();
    domain::Validation validation = domain::Validate(submission, *shared_->registry);
    if (validation.rejected()) {
      Reject(submission, validation.rejections);
      return;
    }
    // Validation found the station, so it exists.
    const v1::Station& station =
        *shared_->registry->FindStation(submission.protocol().station_id());
    if (auto refused = HubReasons(*shared_->registry, hub_, submission.hub_id(), station,
                                  "protocol.station_id");
        !refused.empty()) {
      Reject(submission, refused);
      return;
    }
    std::string digest = SubmissionDigest(submission);
    if (std::optional<std::string> seen = shared_->seen.Find(id)) {
      if (*seen == digest) {
        spdlog::debug("submission {} from hub {} is a resend", id, submission.hub_id());
        Answer(MakeAck(id, v1::OUTCOME_DUPLICATE, {}));
        return;
      }
      Reject(submission, {MakeReason("submission_id", v1::REASON_CODE_ID_REUSED,
                                     "submission id '" + id +
                                         "' was already used for a different submission")});
      return;
    }

    const v1::Protocol& protocol = submission.protocol();
    const int32_t partition = domain::PartitionOf(protocol.station_id(), shared_->partition_count);
    const std::string key = domain::SubmissionKey(protocol.station_id(), protocol.contest_id());
    v1::SubmissionAck ack = MakeAck(
        id, validation.flags.empty() ? v1::OUTCOME_ACCEPTED : v1::OUTCOME_ACCEPTED_WITH_FLAGS,
        validation.flags);
    v1::SubmissionRecord record;
    for (const auto& flag : validation.flags) *record.add_flags() = flag;
    *record.mutable_accepted_time() = google::protobuf::util::TimeUtil::GetCurrentTime();
    record.set_digest(digest);
    *record.mutable_submission() = std::move(submission);

    spdlog::debug("submission {} for station {} contest {} from hub {}: writing to partition {}",
                  id, protocol.station_id(), protocol.contest_id(), record.submission().hub_id(),
                  partition);
    auto shared = shared_;
    Produce(kafka::kSubmissionsTopic, partition, key, record.SerializeAsString(), std::move(ack),
            [shared, id, digest = std::move(digest)] { shared->seen.Insert(id, digest); });
  }

  // Rejections are written to their own topic before the hub hears of them: nothing a hub sent is
  // silently lost.
  void Reject(const v1::Submission& submission, const std::vector<v1::Reason>& reasons) {
    const std::string& id = submission.submission_id();
    spdlog::info("submission {} for station {} from hub {} rejected: {} ({} reasons)", id,
                 submission.protocol().station_id(), submission.hub_id(),
                 reasons.empty() ? "" : reasons.front().message(), reasons.size());
    v1::RejectionRecord record;
    record.set_raw_submission(submission.SerializeAsString());
    // The authenticated hub, not the one the submission claims.
    record.set_hub_id(hub_ ? hub_->hub_id : submission.hub_id());
    for (const auto& reason : reasons) *record.add_reasons() = reason;
    *record.mutable_rejected_time() = google::protobuf::util::TimeUtil::GetCurrentTime();
    Produce(kafka::kRejectionsTopic, -1, id, record.SerializeAsString(),
            MakeAck(id, v1::OUTCOME_REJECTED, reasons), nullptr);
  }
};

bool IsProtocolEvent(v1::DeploymentEventKind kind) {
  return kind == v1::DEPLOYMENT_EVENT_KIND_PROTOCOL_OBTAINED ||
         kind == v1::DEPLOYMENT_EVENT_KIND_PROTOCOL_REFUSED ||
         kind == v1::DEPLOYMENT_EVENT_KIND_PROTOCOL_CONFISCATED;
}

class DeploymentStream final
    : public AckingStream<v1::StreamDeploymentEventsRequest, v1::DeploymentEventAck> {
 public:
  using AckingStream::AckingStream;

 private:
  static v1::DeploymentEventAck MakeEventAck(const std::string& id, v1::Outcome outcome,
                                             const std::vector<v1::Reason>& reasons) {
    v1::DeploymentEventAck ack;
    ack.set_event_id(id);
    ack.set_outcome(outcome);
    for (const auto& reason : reasons) *ack.add_reasons() = reason;
    return ack;
  }

  void Handle(v1::StreamDeploymentEventsRequest& request) override {
    v1::DeploymentEvent event = std::move(*request.mutable_event());
    if (hub_ != nullptr && event.hub_id().empty()) event.set_hub_id(hub_->hub_id);
    const std::string id = event.event_id();
    const domain::Registry& registry = *shared_->registry;
    std::vector<v1::Reason> reasons;
    if (id.empty())
      reasons.push_back(MakeReason("event_id", v1::REASON_CODE_MISSING, "no event id"));
    if (event.kind() == v1::DEPLOYMENT_EVENT_KIND_UNSPECIFIED ||
        !v1::DeploymentEventKind_IsValid(event.kind())) {
      reasons.push_back(MakeReason("kind", v1::REASON_CODE_INVALID_VALUE, "no known event kind"));
    }
    const v1::Station* station = registry.FindStation(event.station_id());
    if (station == nullptr) {
      reasons.push_back(MakeReason("station_id", v1::REASON_CODE_UNKNOWN_STATION,
                                   "unknown station '" + event.station_id() + "'"));
    } else {
      if (IsProtocolEvent(event.kind())) {
        if (registry.FindContest(event.contest_id()) == nullptr) {
          reasons.push_back(MakeReason("contest_id", v1::REASON_CODE_UNKNOWN_CONTEST,
                                       "unknown contest '" + event.contest_id() + "'"));
        } else if (std::find(station->contest_ids().begin(), station->contest_ids().end(),
                             event.contest_id()) == station->contest_ids().end()) {
          reasons.push_back(MakeReason(
              "contest_id", v1::REASON_CODE_CONTEST_NOT_AT_STATION,
              "contest " + event.contest_id() + " is not held at " + station->station_id()));
        }
      }
      auto refused = HubReasons(registry, hub_, event.hub_id(), *station, "station_id");
      reasons.insert(reasons.end(), refused.begin(), refused.end());
    }
    if (!reasons.empty()) {
      spdlog::info("deployment event {} from hub {} rejected: {}", id, hub_id(),
                   reasons.front().message());
      Answer(MakeEventAck(id, v1::OUTCOME_REJECTED, reasons));
      return;
    }
    const std::string digest = event.SerializeAsString();
    if (auto seen = shared_->seen_events.Find(id)) {
      if (*seen == digest) {
        Answer(MakeEventAck(id, v1::OUTCOME_DUPLICATE, {}));
      } else {
        Answer(MakeEventAck(id, v1::OUTCOME_REJECTED,
                            {MakeReason("event_id", v1::REASON_CODE_ID_REUSED,
                                        "event id '" + id +
                                            "' was already used for another "
                                            "event")}));
      }
      return;
    }
    if (!event.has_time())
      *event.mutable_time() = google::protobuf::util::TimeUtil::GetCurrentTime();
    auto shared = shared_;
    Produce(kafka::kDeploymentTopic, -1, event.station_id(), event.SerializeAsString(),
            MakeEventAck(id, v1::OUTCOME_ACCEPTED, {}),
            [shared, id, digest] { shared->seen_events.Insert(id, digest); });
  }
};

template <typename Stream, typename Request, typename Ack>
grpc::ServerBidiReactor<Request, Ack>* Open(std::shared_ptr<IngestionService::Shared> shared,
                                            grpc::CallbackServerContext* context) {
  auto hub = Authenticate(*shared, context);
  if (!hub.ok()) {
    spdlog::warn("stream from {} refused: {}", context->peer(), hub.status().message());
    return new Refusal<Request, Ack>(
        grpc::Status(grpc::StatusCode::UNAUTHENTICATED, hub.status().message()));
  }
  auto stream = std::make_shared<Stream>(std::move(shared), context, *hub);
  stream->Start();
  return stream.get();
}

}  // namespace

IngestionService::IngestionService(std::shared_ptr<const domain::Registry> registry,
                                   kafka::Producer& producer, int32_t partition_count,
                                   ServiceOptions options)
    : shared_(std::make_shared<Shared>(std::move(registry), &producer, partition_count, options)) {}

IngestionService::~IngestionService() = default;

grpc::ServerBidiReactor<v1::StreamSubmissionsRequest, v1::SubmissionAck>*
IngestionService::StreamSubmissions(grpc::CallbackServerContext* context) {
  return Open<SubmissionStream, v1::StreamSubmissionsRequest, v1::SubmissionAck>(shared_, context);
}

grpc::ServerBidiReactor<v1::StreamDeploymentEventsRequest, v1::DeploymentEventAck>*
IngestionService::StreamDeploymentEvents(grpc::CallbackServerContext* context) {
  return Open<DeploymentStream, v1::StreamDeploymentEventsRequest, v1::DeploymentEventAck>(shared_,
                                                                                           context);
}

void IngestionService::Drain() {
  std::vector<std::shared_ptr<Drainable>> open;
  {
    std::lock_guard lock(shared_->streams_mu);
    shared_->draining = true;
    for (auto& [id, weak] : shared_->streams) {
      if (auto stream = weak.lock()) open.push_back(std::move(stream));
    }
  }
  spdlog::info("draining {} open streams", open.size());
  for (auto& stream : open) stream->Drain();
}

}  // namespace hattama::ingestion
