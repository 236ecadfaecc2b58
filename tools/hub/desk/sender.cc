#include "tools/hub/desk/sender.h"

#include <spdlog/spdlog.h>

#include "tools/hub/client/client.h"

namespace hattama::desk {

Sender::Sender(DeskStore& store, Options options) : store_(store), options_(std::move(options)) {}

Sender::~Sender() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Sender::Start() {
  thread_ = std::thread([this] { Run(); });
}

void Sender::Wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  wake_.notify_all();
}

std::string Sender::last_error() const {
  std::lock_guard lock(mutex_);
  return last_error_;
}

void Sender::Run() {
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      woken_ = false;
    }
    const bool sent = SendBatch();
    bool failed = false;
    {
      std::lock_guard lock(mutex_);
      failed = !last_error_.empty();
    }
    std::unique_lock lock(mutex_);
    // After a failure wait the retry interval (a wake-up does not hurry it: ingestion is still
    // down); with nothing to send, wait for a wake-up; with more to send, go on at once.
    if (failed) {
      wake_.wait_for(lock, options_.retry_interval, [&] { return stopping_; });
    } else if (!sent) {
      wake_.wait_for(lock, options_.retry_interval, [&] { return stopping_ || woken_; });
    }
  }
}

bool Sender::SendBatch() {
  auto batch = store_.Unanswered(options_.batch);
  if (!batch.ok()) {
    std::lock_guard lock(mutex_);
    last_error_ = batch.status().message();
    return false;
  }
  if (batch->empty()) return false;
  std::vector<int64_t> seqs;
  std::vector<const v1::Submission*> submissions;
  for (const QueueRow& row : *batch) {
    seqs.push_back(row.seq);
    submissions.push_back(&row.submission);
  }
  if (Status s = store_.MarkSent(seqs); !s.ok()) spdlog::warn("desk: {}", s.message());
  hub::StreamOptions stream = options_.stream;
  stream.give_up_after = options_.give_up_after;
  // Recorded as each answer arrives, so that a crash loses no answer already received.
  stream.on_answer = [&](size_t index, const v1::SubmissionAck& ack) {
    if (Status s = store_.RecordAnswer(submissions.at(index)->submission_id(), ack); !s.ok()) {
      spdlog::error("desk: cannot record the answer to {}: {}", ack.submission_id(), s.message());
    }
  };
  auto report = hub::StreamSubmissions(submissions, stream);
  std::string error;
  if (!report.ok()) {
    error = report.status().message();
    spdlog::warn("desk: {} queued submissions not answered, retrying: {}", submissions.size(),
                 error);
  } else {
    // Set aside without an answer (too large, unreadable): recorded with the reason, so that the
    // photo's screen says so and a correction may follow.
    for (size_t i = 0; i < report->acks.size(); ++i) {
      const hub::AckRecord& record = report->acks[i];
      if (record.answered || record.not_sent.empty()) continue;
      v1::SubmissionAck ack;
      ack.set_submission_id(submissions[i]->submission_id());
      v1::Reason& reason = *ack.add_reasons();
      reason.set_field("submission");
      reason.set_message(record.not_sent);
      if (Status s = store_.RecordAnswer(ack.submission_id(), ack); !s.ok()) {
        spdlog::error("desk: {}", s.message());
      }
    }
  }
  std::lock_guard lock(mutex_);
  last_error_ = error;
  return true;
}

}  // namespace hattama::desk
