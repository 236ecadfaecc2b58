#include "services/publication/tlog_watcher.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/tlog/checkpoint.h"
#include "common/tlog/note.h"

namespace hattama::publication {

Status VerifyCheckpoint(const v1::SignedCheckpoint& checkpoint, const tlog::NoteVerifier& log_key) {
  auto signed_text = tlog::OpenCheckpoint(checkpoint.signed_note(), checkpoint.origin(), log_key);
  if (!signed_text.ok()) return signed_text.status();
  if (signed_text->size != checkpoint.tree_size() ||
      tlog::HashBytes(signed_text->root) != checkpoint.root_hash()) {
    return Status::InvalidArgument(
        "the checkpoint's tree size or root hash (size " + std::to_string(checkpoint.tree_size()) +
        ") differ from its signed note's (size " + std::to_string(signed_text->size) + ")");
  }
  return Status::Ok();
}

Result<std::unique_ptr<TlogWatcher>> TlogWatcher::Start(TlogWatcherOptions options,
                                                        CheckpointHistory* history) {
  std::optional<tlog::NoteVerifier> verifier;
  if (!options.verifier_key.empty()) {
    auto parsed = tlog::NoteVerifier::FromVerifierKey(options.verifier_key);
    if (!parsed.ok()) {
      return Status::InvalidArgument("--tlog-verifier-key: " + parsed.status().message());
    }
    verifier = std::move(parsed).value();
  } else {
    spdlog::warn("no --tlog-verifier-key: checkpoints of {} are taken unchecked", options.address);
  }
  std::unique_ptr<TlogWatcher> watcher(
      new TlogWatcher(std::move(options), std::move(verifier), history));
  watcher->thread_ = std::thread([self = watcher.get()] { self->Run(); });
  return watcher;
}

TlogWatcher::TlogWatcher(TlogWatcherOptions options, std::optional<tlog::NoteVerifier> verifier,
                         CheckpointHistory* history)
    : options_(std::move(options)),
      verifier_(std::move(verifier)),
      history_(history),
      stub_(v1::TransparencyService::NewStub(
          grpc::CreateChannel(options_.address, grpc::InsecureChannelCredentials()))) {}

TlogWatcher::~TlogWatcher() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void TlogWatcher::Run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    auto checkpoint = Poll();
    if (checkpoint.ok()) {
      if (!last_failure_.empty()) spdlog::info("transparency log {} answers", options_.address);
      last_failure_.clear();
      history_->Add(*checkpoint);
      if (checkpoint->tree_size() != last_tree_size_) {
        last_tree_size_ = checkpoint->tree_size();
        if (options_.on_new_checkpoint) options_.on_new_checkpoint();
      }
    } else {
      Report(checkpoint.status());
    }
    lock.lock();
    wake_.wait_for(lock, options_.poll_interval, [this] { return stopping_; });
  }
}

Result<v1::SignedCheckpoint> TlogWatcher::Poll() {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + options_.deadline);
  v1::SignedCheckpoint checkpoint;
  grpc::Status status = stub_->GetCheckpoint(&context, v1::GetCheckpointRequest(), &checkpoint);
  if (!status.ok()) {
    return Status::Unavailable("GetCheckpoint of " + options_.address + ": " +
                               status.error_message());
  }
  if (verifier_.has_value()) {
    if (Status verified = VerifyCheckpoint(checkpoint, *verifier_); !verified.ok()) {
      return Status::InvalidArgument("checkpoint of " + options_.address +
                                     " not used: " + verified.message());
    }
  }
  return checkpoint;
}

void TlogWatcher::Report(const Status& failure) {
  if (failure.message() == last_failure_) return;
  last_failure_ = failure.message();
  if (failure.code() == StatusCode::kInvalidArgument) {
    spdlog::error("{}", failure.message());
  } else {
    spdlog::warn("{}; totals state tree size 0 until a checkpoint covers them", failure.message());
  }
}

}  // namespace hattama::publication
