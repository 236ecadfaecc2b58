#include "services/ingestion/ingestion_service.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/time_util.h>
#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <deque>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "common/domain/checks.h"
#include "common/domain/partition.h"
#include "hattama/v1/records.pb.h"

namespace hattama::ingestion {

struct IngestionService::Shared {
  std::shared_ptr<const domain::Registry> registry;
  kafka::Producer* producer;
  int32_t partition_count;
  ServiceOptions options;
  SeenIds seen;

  Shared(std::shared_ptr<const domain::Registry> registry, kafka::Producer* producer,
         int32_t partition_count, ServiceOptions options)
      : registry(std::move(registry)),
        producer(producer),
        partition_count(partition_count),
        options(options),
        seen(options.remembered_ids) {}
};

std::string SubmissionDigest(const v1::Submission& submission) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream output(&bytes);
    google::protobuf::io::CodedOutputStream coded(&output);
    coded.SetSerializationDeterministic(true);
    submission.SerializeToCodedStream(&coded);
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &size, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(digest), size);
}

namespace {

using Reactor = grpc::ServerBidiReactor<v1::StreamSubmissionsRequest, v1::SubmissionAck>;

v1::SubmissionAck MakeAck(const std::string& submission_id, v1::Outcome outcome,
                          const std::vector<v1::Reason>& reasons) {
  v1::SubmissionAck ack;
  ack.set_submission_id(submission_id);
  ack.set_outcome(outcome);
  for (const auto& reason : reasons) *ack.add_reasons() = reason;
  return ack;
}

// One hub stream. Reads, writes and the final Finish are started only from Pump, which runs them
// outside the lock (gRPC may run a reaction inline) and never calls Finish while another thread is
// between deciding to start an operation and starting it. The stream keeps itself alive until
// OnDone; delivery callbacks hold only a weak reference, because Kafka may confirm a write after
// the hub went away.
class SubmissionStream final : public Reactor,
                               public std::enable_shared_from_this<SubmissionStream> {
 public:
  SubmissionStream(std::shared_ptr<IngestionService::Shared> shared,
                   grpc::CallbackServerContext* context)
      : shared_(std::move(shared)), peer_(context->peer()) {}

  void Start() {
    self_ = shared_from_this();
    spdlog::debug("stream opened by {}", peer_);
    std::unique_lock lock(mu_);
    Pump(lock);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      std::unique_lock lock(mu_);
      reading_ = false;
      read_closed_ = true;  // The hub half-closed (or the call broke): answer what is pending.
      Pump(lock);
      return;
    }
    v1::Submission submission = std::move(*request_.mutable_submission());
    bool failing;
    {
      std::lock_guard lock(mu_);
      failing = finish_.has_value();
      if (!failing) ++unanswered_;
    }
    // A failing stream answers nothing more; the hub resends on a new stream.
    if (!failing) Handle(std::move(submission));
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
    std::shared_ptr<SubmissionStream> self;
    {
      std::lock_guard lock(mu_);
      spdlog::debug("stream from {} done, {} unanswered", peer_, unanswered_);
      self = std::move(self_);
    }
    // `self` may be the last reference: the stream ends with this scope.
  }

 private:
  // Queues the answer to one submission; any thread.
  void Answer(v1::SubmissionAck ack) {
    std::unique_lock lock(mu_);
    if (finish_) return;
    acks_.push_back(std::move(ack));
    Pump(lock);
  }

  // Ends the stream with `status`, dropping what is not answered yet; any thread.
  void Fail(grpc::Status status) {
    std::unique_lock lock(mu_);
    if (!finish_) {
      spdlog::warn("stream from {} failing with {} unanswered: {}", peer_, unanswered_,
                   status.error_message());
      finish_ = std::move(status);
    }
    Pump(lock);
  }

  void Pump(std::unique_lock<std::mutex>& lock) {
    while (!finish_called_) {
      if (finish_) {
        if (issuing_ > 0) return;  // That thread comes back here once it has started its ops.
        finish_called_ = true;
        grpc::Status status = *finish_;
        lock.unlock();
        Finish(std::move(status));  // OnDone may run from here on: touch nothing after.
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
      if (!reading_ && !read_closed_ && unanswered_ < shared_->options.max_in_flight) {
        reading_ = read = true;
      }
      if (!write && !read) {
        if (read_closed_ && !reading_ && !writing_ && unanswered_ == 0) {
          finish_ = grpc::Status::OK;  // Every submission of the stream has its answer.
          continue;
        }
        return;
      }
      ++issuing_;
      lock.unlock();
      if (write) StartWrite(&write_);
      if (read) StartRead(&request_);
      lock.lock();
      --issuing_;
    }
  }

  void Handle(v1::Submission submission) {
    const std::string& id = submission.submission_id();
    domain::Validation validation = domain::Validate(submission, *shared_->registry);
    if (validation.rejected()) {
      Reject(submission, validation.rejections);
      return;
    }
    std::string digest = SubmissionDigest(submission);
    if (std::optional<std::string> seen = shared_->seen.Find(id)) {
      if (*seen == digest) {
        spdlog::debug("submission {} from hub {} is a resend", id, submission.hub_id());
        Answer(MakeAck(id, v1::OUTCOME_DUPLICATE, {}));
        return;
      }
      v1::Reason reason;
      reason.set_field("submission_id");
      reason.set_code(v1::REASON_CODE_ID_REUSED);
      reason.set_message("submission id '" + id + "' was already used for a different submission");
      Reject(submission, {reason});
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
    Produce(kafka::kSubmissionsTopic, partition, key, record.SerializeAsString(), std::move(ack),
            std::move(digest));
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
    record.set_hub_id(submission.hub_id());
    for (const auto& reason : reasons) *record.add_reasons() = reason;
    *record.mutable_rejected_time() = google::protobuf::util::TimeUtil::GetCurrentTime();
    Produce(kafka::kRejectionsTopic, -1, id, record.SerializeAsString(),
            MakeAck(id, v1::OUTCOME_REJECTED, reasons), std::nullopt);
  }

  // Writes one record and answers `ack` once Kafka confirmed it. `digest` is remembered for an
  // accepted submission, so that a resend is recognised.
  void Produce(const char* topic, int32_t partition, const std::string& key, std::string value,
               v1::SubmissionAck ack, std::optional<std::string> digest) {
    std::weak_ptr<SubmissionStream> weak = weak_from_this();
    std::shared_ptr<IngestionService::Shared> shared = shared_;
    Status queued = shared_->producer->Produce(
        topic, partition, key, value,
        [weak, shared, ack = std::move(ack), digest = std::move(digest)](const Status& status,
                                                                         int32_t, int64_t) mutable {
          if (status.ok() && digest) shared->seen.Insert(ack.submission_id(), *digest);
          std::shared_ptr<SubmissionStream> stream = weak.lock();
          if (!status.ok()) {
            spdlog::warn("submission {} not written: {}", ack.submission_id(), status.message());
            // The hub gets no answer for it and resends: never an ack for what is not in the log.
            if (stream) stream->Fail(grpc::Status(grpc::StatusCode::UNAVAILABLE, status.message()));
            return;
          }
          if (stream) stream->Answer(std::move(ack));
        });
    if (!queued.ok()) Fail(grpc::Status(grpc::StatusCode::UNAVAILABLE, queued.message()));
  }

  const std::shared_ptr<IngestionService::Shared> shared_;
  const std::string peer_;
  std::shared_ptr<SubmissionStream> self_;  // Held from Start until OnDone.

  std::mutex mu_;
  bool reading_ = false;      // A read is outstanding or about to be started.
  bool read_closed_ = false;  // No more reads: the hub half-closed, or the stream is ending.
  bool writing_ = false;      // A write is outstanding or about to be started.
  int issuing_ = 0;           // Threads between deciding to start operations and starting them.
  int unanswered_ = 0;        // Submissions read whose answer is not written yet.
  std::deque<v1::SubmissionAck> acks_;  // Answers waiting for the one write slot.
  std::optional<grpc::Status> finish_;  // Decided final status.
  bool finish_called_ = false;

  v1::StreamSubmissionsRequest request_;  // Target of the outstanding read.
  v1::SubmissionAck write_;               // Source of the outstanding write.
};

}  // namespace

IngestionService::IngestionService(std::shared_ptr<const domain::Registry> registry,
                                   kafka::Producer& producer, int32_t partition_count,
                                   ServiceOptions options)
    : shared_(std::make_shared<Shared>(std::move(registry), &producer, partition_count, options)) {}

IngestionService::~IngestionService() = default;

grpc::ServerBidiReactor<v1::StreamSubmissionsRequest, v1::SubmissionAck>*
IngestionService::StreamSubmissions(grpc::CallbackServerContext* context) {
  auto stream = std::make_shared<SubmissionStream>(shared_, context);
  stream->Start();
  return stream.get();
}

}  // namespace hattama::ingestion
