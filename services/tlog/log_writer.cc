#include "services/tlog/log_writer.h"

#include <spdlog/spdlog.h>

namespace hattama::transparency {

Result<std::unique_ptr<LogWriter>> LogWriter::Start(const WriterOptions& options,
                                                    tlog::NoteSigner signer,
                                                    std::unique_ptr<kafka::RecordWriter> writer) {
  std::unique_ptr<LogWriter> log(new LogWriter());
  auto store = TileStore::Open(options.tiles_dir);
  if (!store.ok()) return store.status();
  log->store_ = std::move(store).value();
  log->tree_ = std::make_unique<LogTree>();
  log->publisher_ = std::make_unique<Publisher>(*log->store_, std::move(signer));
  auto witnesses =
      Witnesses::Open(options.witness_keys, *log->store_, *log->tree_, *log->publisher_);
  if (!witnesses.ok()) return witnesses.status();
  log->witnesses_ = std::move(witnesses).value();
  log->follower_ = std::make_unique<Follower>(
      FollowerOptions{.kafka_bootstrap = options.kafka_bootstrap,
                      .checkpoint_interval = options.checkpoint_interval},
      *log->tree_, *log->publisher_);
  log->sequencer_ =
      std::make_unique<Sequencer>(SequencerOptions{.kafka_bootstrap = options.kafka_bootstrap,
                                                   .max_in_flight = options.max_in_flight},
                                  *log->tree_, *log->follower_, std::move(writer));
  LogWriter* self = log.get();
  log->follower_thread_ = std::thread(
      [self] { self->RunHalf("follower", [self] { return self->follower_->Run(self->stop_); }); });
  log->sequencer_thread_ = std::thread([self] {
    self->RunHalf("sequencer", [self] { return self->sequencer_->Run(self->stop_); });
  });
  return log;
}

void LogWriter::RunHalf(const char* name, std::function<Status()> run) {
  Status status = run();
  if (status.ok()) return;
  spdlog::error("the log's {} stopped: {}", name, status.message());
  {
    std::lock_guard lock(mutex_);
    if (!failure_) failure_ = status;
  }
  stop_.store(true);
}

LogWriter::~LogWriter() { Stop(); }

void LogWriter::Stop() {
  stop_.store(true);
  if (sequencer_thread_.joinable()) sequencer_thread_.join();
  if (follower_thread_.joinable()) follower_thread_.join();
}

std::optional<Status> LogWriter::Failure() const {
  std::lock_guard lock(mutex_);
  return failure_;
}

}  // namespace hattama::transparency
