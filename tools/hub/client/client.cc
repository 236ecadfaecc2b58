#include "tools/hub/client/client.h"

#include <fmt/format.h>
#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "hattama/v1/ingestion.grpc.pb.h"
#include "tools/hub/client/channel_credentials.h"

namespace hattama::hub {
namespace {

using Clock = std::chrono::steady_clock;

// Counters shared by all hub streams, read by the progress reporter.
struct Counters {
  std::atomic<int64_t> acked{0};
  std::atomic<int64_t> accepted{0};
  std::atomic<int64_t> reconnects{0};
  std::atomic<int64_t> throttled{0};
};

bool Retryable(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::INTERNAL:  // e.g. a RST_STREAM when the server went away
    case grpc::StatusCode::UNKNOWN:   // e.g. "Stream removed"
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::CANCELLED:  // our own watchdog; the stall check decides on giving up
      return true;
    default:
      return false;
  }
}

// One hub's stream: sends its submissions in order, matches answers by submission id, and
// reconnects until each has an answer.
class HubStream {
 public:
  HubStream(std::string hub_id, std::vector<size_t> indices,
            std::span<const v1::Submission* const> submissions, std::vector<AckRecord>& acks,
            const StreamOptions& options, Counters& counters,
            std::shared_ptr<grpc::ChannelCredentials> credentials)
      : hub_id_(std::move(hub_id)),
        indices_(std::move(indices)),
        submissions_(submissions),
        acks_(acks),
        options_(options),
        counters_(counters),
        sent_before_(indices_.size(), false),
        max_message_bytes_(options.max_message_bytes) {
    grpc::ChannelArguments args;
    // A connection of its own, as separate hubs would have.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetMaxReceiveMessageSize(64 << 20);
    // gRPC's own reconnect backoff grows to two minutes by default, during which new streams fail
    // without trying: a restarted ingestion would sit idle. Our loop below does the backing off.
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
    channel_ = grpc::CreateCustomChannel(options.ingestion_address, credentials, args);
    stub_ = v1::IngestionService::NewStub(channel_);
    if (auto it = options.tokens.find(hub_id_); it != options.tokens.end()) token_ = it->second;
  }

  Status Run() {
    last_progress_ = Clock::now();
    auto backoff = std::chrono::milliseconds(100);
    while (true) {
      const int64_t before = settled_;
      const grpc::Status status = Attempt();
      // A message ingestion could not read, or one above its receive limit, is set aside: the
      // stream is then tried again for the rest at once.
      const bool set_aside = SetAsideWhatCannotBeSent(status);
      if (settled_ == static_cast<int64_t>(indices_.size())) return Status::Ok();
      const bool stalled = Clock::now() - last_progress_ > options_.give_up_after;
      const std::string why = status.ok() ? "the stream ended before every submission was answered"
                                          : fmt::format("{} ({})", status.error_message(),
                                                        static_cast<int>(status.error_code()));
      if (stalled) {
        return Status::Error(fmt::format(
            "{}: no answer from ingestion at {} for {} s; last error: {}; {} of {} unanswered",
            hub_id_, options_.ingestion_address,
            std::chrono::duration_cast<std::chrono::seconds>(options_.give_up_after).count(), why,
            indices_.size() - settled_, indices_.size()));
      }
      if (!status.ok() && !set_aside && !Retryable(status.error_code())) {
        return Status::Error(fmt::format("{}: ingestion refused the stream: {}", hub_id_, why));
      }
      // Over the rate limit the service answered what it took before ending the stream: progress
      // then says nothing about the limit, so the backoff keeps growing until a stream fits.
      const bool throttled =
          status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED && !set_aside;
      if (throttled) counters_.throttled += 1;
      if (settled_ > before && !throttled) backoff = std::chrono::milliseconds(100);
      spdlog::warn("hub {}: stream broke ({}); {} unanswered, reconnecting in {} ms", hub_id_, why,
                   indices_.size() - settled_, backoff.count());
      counters_.reconnects += 1;
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
    }
  }

 private:
  // One stream: writes everything unanswered, reads answers on a second thread, and cancels the
  // call when nothing was answered for give_up_after (a server that hangs would otherwise block
  // Write or Read forever).
  grpc::Status Attempt() {
    // Wait for a connection first: a stream opened on a channel that is not connected fails at
    // once, and a hub whose ingestion restarts would burn its attempts while the port is closed.
    const auto left = options_.give_up_after - (Clock::now() - last_progress_);
    const auto wait = std::max<Clock::duration>(left, std::chrono::milliseconds(100));
    if (!channel_->WaitForConnected(std::chrono::system_clock::now() + wait)) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                          "cannot connect to " + options_.ingestion_address);
    }
    grpc::ClientContext context;
    context.AddMetadata("hattama-hub-id", hub_id_);
    if (!token_.empty()) context.AddMetadata("authorization", "Bearer " + token_);
    auto stream = stub_->StreamSubmissions(&context);
    {
      std::lock_guard lock(mutex_);
      in_flight_.clear();
      sent_this_attempt_.clear();
      reader_done_ = false;
      attempt_done_ = false;
    }

    std::thread reader([&] {
      v1::SubmissionAck ack;
      while (stream->Read(&ack)) Record(ack);
      std::lock_guard lock(mutex_);
      reader_done_ = true;
      cv_.notify_all();
    });
    std::thread watchdog([&] {
      std::unique_lock lock(mutex_);
      while (!attempt_done_) {
        cv_.wait_for(lock, std::chrono::milliseconds(200));
        if (!attempt_done_ && Clock::now() - last_progress_ > options_.give_up_after) {
          context.TryCancel();
          return;
        }
      }
    });

    bool wrote_all = true;
    for (size_t k = 0; k < indices_.size(); ++k) {
      const size_t index = indices_[k];
      const v1::Submission& submission = *submissions_[index];
      {
        std::lock_guard lock(mutex_);
        if (acks_[index].answered || !acks_[index].not_sent.empty()) continue;
      }
      v1::StreamSubmissionsRequest request;
      *request.mutable_submission() = submission;
      const int64_t size = static_cast<int64_t>(request.ByteSizeLong());
      {
        std::unique_lock lock(mutex_);
        if (size > max_message_bytes_) {
          SetAside(index, fmt::format("not sent: its message is {} bytes, above the {} bytes "
                                      "ingestion takes (max_message_bytes)",
                                      size, max_message_bytes_));
          continue;
        }
        cv_.wait(lock, [&] {
          return reader_done_ || (static_cast<int64_t>(in_flight_.size()) < options_.window &&
                                  !in_flight_.contains(submission.submission_id()));
        });
        if (reader_done_) {
          wrote_all = false;
          break;
        }
        in_flight_.emplace(submission.submission_id(), index);
        sent_this_attempt_.push_back({index, size});
        if (sent_before_[k]) acks_[index].resent_after_reconnect = true;
        sent_before_[k] = true;
      }
      if (!stream->Write(request)) {
        wrote_all = false;
        break;
      }
    }
    if (wrote_all) stream->WritesDone();
    reader.join();
    {
      std::lock_guard lock(mutex_);
      attempt_done_ = true;
      cv_.notify_all();
    }
    watchdog.join();
    const grpc::Status status = stream->Finish();
    unreadable_position_ = 0;
    if (status.error_code() == grpc::StatusCode::INVALID_ARGUMENT) {
      const auto& trailers = context.GetServerTrailingMetadata();
      if (auto it = trailers.find(kUnreadableMessageHeader); it != trailers.end()) {
        unreadable_position_ =
            std::atoll(std::string(it->second.data(), it->second.size()).c_str());
      }
    }
    return status;
  }

  // After an attempt: sets aside the submission ingestion could not read (INVALID_ARGUMENT with
  // its position in the stream), or those above ingestion's receive limit (RESOURCE_EXHAUSTED
  // "larger than max (A vs. B)" from gRPC), so that the next attempt goes on without them. True
  // when it set one aside.
  bool SetAsideWhatCannotBeSent(const grpc::Status& status) {
    std::lock_guard lock(mutex_);
    if (status.error_code() == grpc::StatusCode::INVALID_ARGUMENT && unreadable_position_ > 0 &&
        unreadable_position_ <= static_cast<int64_t>(sent_this_attempt_.size())) {
      const size_t index = sent_this_attempt_[unreadable_position_ - 1].first;
      if (acks_[index].answered) return false;
      SetAside(index, "not sent again: ingestion could not read it: " + status.error_message());
      return true;
    }
    if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      const int64_t limit = ReceiveLimitIn(status.error_message());
      if (limit <= 0) return false;
      bool any = false;
      for (const auto& [index, size] : sent_this_attempt_) {
        if (size <= limit || acks_[index].answered || !acks_[index].not_sent.empty()) continue;
        SetAside(index, fmt::format("not sent again: its message is {} bytes, above ingestion's "
                                    "receive limit of {}: {}",
                                    size, limit, status.error_message()));
        any = true;
      }
      max_message_bytes_ = std::min(max_message_bytes_, limit);
      return any;
    }
    return false;
  }

  // B of gRPC's "Received message larger than max (A vs. B)", or 0.
  static int64_t ReceiveLimitIn(const std::string& message) {
    const std::string marker = "larger than max (";
    const size_t at = message.find(marker);
    if (at == std::string::npos) return 0;
    const size_t vs = message.find(" vs. ", at);
    if (vs == std::string::npos) return 0;
    return std::atoll(message.c_str() + vs + 5);
  }

  // Marks a submission as one that gets no answer; under mutex_.
  void SetAside(size_t index, std::string why) {
    spdlog::warn("hub {}: submission '{}' set aside: {}", hub_id_,
                 submissions_[index]->submission_id(), why);
    acks_[index].not_sent = std::move(why);
    settled_ += 1;
    last_progress_ = Clock::now();
  }

  void Record(const v1::SubmissionAck& ack) {
    std::lock_guard lock(mutex_);
    auto it = in_flight_.find(ack.submission_id());
    if (it == in_flight_.end()) {
      unexpected_.push_back(fmt::format("{}: answer {} for '{}', which was not in flight", hub_id_,
                                        v1::Outcome_Name(ack.outcome()), ack.submission_id()));
      return;
    }
    AckRecord& record = acks_[it->second];
    record.answered = true;
    record.outcome = ack.outcome();
    record.reasons.assign(ack.reasons().begin(), ack.reasons().end());
    if (options_.on_answer) options_.on_answer(it->second, ack);
    in_flight_.erase(it);
    settled_ += 1;
    last_progress_ = Clock::now();
    counters_.acked += 1;
    if (ack.outcome() == v1::OUTCOME_ACCEPTED || ack.outcome() == v1::OUTCOME_ACCEPTED_WITH_FLAGS) {
      counters_.accepted += 1;
    }
    cv_.notify_all();
  }

 public:
  std::vector<std::string> TakeUnexpected() { return std::move(unexpected_); }

 private:
  const std::string hub_id_;
  // Positions in `submissions_` of this hub's submissions, in send order.
  const std::vector<size_t> indices_;
  std::span<const v1::Submission* const> submissions_;
  // Shared by all hubs; each hub writes only its own indices, under its own mutex.
  std::vector<AckRecord>& acks_;
  const StreamOptions& options_;
  Counters& counters_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::IngestionService::Stub> stub_;
  std::string token_;

  std::mutex mutex_;
  std::condition_variable cv_;
  // Submission id -> position, for answers that come out of order.
  std::unordered_map<std::string, size_t> in_flight_;
  std::vector<bool> sent_before_;
  bool reader_done_ = false;
  bool attempt_done_ = false;
  // Submissions answered or set aside (not_sent): the hub is done when all are.
  int64_t settled_ = 0;
  // What this attempt wrote, in order, with each message's size: ingestion names an unreadable
  // message by its position.
  std::vector<std::pair<size_t, int64_t>> sent_this_attempt_;
  int64_t unreadable_position_ = 0;  // From the last attempt's trailing metadata; 0: none.
  int64_t max_message_bytes_;        // options_.max_message_bytes, lowered to ingestion's limit.
  Clock::time_point last_progress_;
  std::vector<std::string> unexpected_;
};

}  // namespace

Result<StreamReport> StreamSubmissions(std::span<const v1::Submission* const> submissions,
                                       const StreamOptions& options) {
  if (options.window < 1) return Status::Error("the window must be at least 1");
  StreamReport report;
  report.acks.resize(submissions.size());

  std::map<std::string, std::vector<size_t>> by_hub;
  for (size_t i = 0; i < submissions.size(); ++i) {
    by_hub[submissions[i]->hub_id()].push_back(i);
  }
  auto credentials = ChannelCredentials(options);
  if (!credentials.ok()) return credentials.status();
  Counters counters;
  std::vector<std::unique_ptr<HubStream>> hubs;
  for (auto& [hub_id, indices] : by_hub) {
    hubs.push_back(std::make_unique<HubStream>(hub_id, std::move(indices), submissions, report.acks,
                                               options, counters, *credentials));
  }

  const auto start = Clock::now();
  std::mutex done_mutex;
  std::condition_variable done_cv;
  bool done = false;
  // Reports progress once a second and keeps the best one-second rate of accepted answers.
  std::thread reporter([&] {
    int64_t last_acked = 0, last_accepted = 0;
    auto last_time = start;
    std::unique_lock lock(done_mutex);
    while (!done_cv.wait_for(lock, std::chrono::seconds(1), [&] { return done; })) {
      const auto now = Clock::now();
      const double dt = std::chrono::duration<double>(now - last_time).count();
      const int64_t acked = counters.acked, accepted = counters.accepted;
      report.peak_accepted_per_second =
          std::max(report.peak_accepted_per_second, (accepted - last_accepted) / dt);
      if (options.on_progress) {
        options.on_progress(
            {acked, static_cast<int64_t>(submissions.size()), (acked - last_acked) / dt,
             std::chrono::duration<double>(now - start).count(), counters.reconnects});
      }
      last_acked = acked;
      last_accepted = accepted;
      last_time = now;
    }
  });

  std::vector<Status> results(hubs.size(), Status::Ok());
  std::vector<std::thread> threads;
  for (size_t h = 0; h < hubs.size(); ++h) {
    threads.emplace_back([&, h] { results[h] = hubs[h]->Run(); });
  }
  for (auto& thread : threads) thread.join();
  {
    std::lock_guard lock(done_mutex);
    done = true;
  }
  done_cv.notify_all();
  reporter.join();

  report.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  report.reconnects = counters.reconnects;
  report.throttled = counters.throttled;
  // A run shorter than a reporting interval has no full window: its mean is its peak.
  if (report.seconds < 1.0 && report.seconds > 0) {
    report.peak_accepted_per_second =
        std::max(report.peak_accepted_per_second, counters.accepted / report.seconds);
  }
  if (options.on_progress) {
    options.on_progress({counters.acked, static_cast<int64_t>(submissions.size()),
                         counters.acked / std::max(report.seconds, 1e-9), report.seconds,
                         counters.reconnects});
  }
  for (auto& hub : hubs) {
    for (auto& line : hub->TakeUnexpected()) report.unexpected_acks.push_back(std::move(line));
  }
  for (const auto& status : results) {
    if (!status.ok()) return status;
  }
  for (const auto& ack : report.acks) {
    if (!ack.not_sent.empty()) report.not_sent += 1;
    switch (ack.outcome) {
      case v1::OUTCOME_ACCEPTED:
        report.accepted += 1;
        break;
      case v1::OUTCOME_ACCEPTED_WITH_FLAGS:
        report.flagged += 1;
        break;
      case v1::OUTCOME_DUPLICATE:
        report.duplicate += 1;
        break;
      case v1::OUTCOME_REJECTED:
        report.rejected += 1;
        break;
      default:
        break;
    }
  }
  return report;
}

}  // namespace hattama::hub
