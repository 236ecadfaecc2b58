#include "bench/tlog.h"

#include <grpcpp/grpcpp.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <filesystem>

#include "bench/hammer.h"
#include "hattama/v1/transparency.grpc.pb.h"

namespace hattama::bench {
namespace {

std::unique_ptr<v1::TransparencyService::Stub> Connect(const std::string& address,
                                                       int channel_id = 0) {
  // A channel argument of its own gives each client thread its own HTTP/2 connection.
  grpc::ChannelArguments arguments;
  arguments.SetInt("bench_client", channel_id);
  return v1::TransparencyService::NewStub(
      grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), arguments));
}

double UnixNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

CheckpointWatcher::CheckpointWatcher(const std::string& tlog_address)
    : thread_([this, tlog_address] { Run(tlog_address); }) {}

CheckpointWatcher::~CheckpointWatcher() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  thread_.join();
}

void CheckpointWatcher::Run(const std::string& address) {
  auto stub = Connect(address);
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stop_) return;
    }
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
    v1::SignedCheckpoint checkpoint;
    // UNAVAILABLE until the writer's first checkpoint: keep asking.
    if (stub->GetCheckpoint(&context, v1::GetCheckpointRequest(), &checkpoint).ok()) {
      // Taken once the answer is here: a checkpoint is counted as signed when a reader has it.
      const Seen seen{checkpoint.tree_size(), Clock::now(), UnixNow()};
      std::lock_guard lock(mutex_);
      if (seen_.empty() || seen.size > seen_.back().size) seen_.push_back(seen);
    }
    std::this_thread::sleep_for(kCheckpointPollInterval);
  }
}

const CheckpointWatcher::Seen* CheckpointWatcher::FirstAtLeastLocked(int64_t size) const {
  auto it = std::lower_bound(seen_.begin(), seen_.end(), size,
                             [](const Seen& seen, int64_t wanted) { return seen.size < wanted; });
  return it == seen_.end() ? nullptr : &*it;
}

std::optional<Clock::time_point> CheckpointWatcher::FirstAtLeast(int64_t size) const {
  std::lock_guard lock(mutex_);
  const Seen* seen = FirstAtLeastLocked(size);
  if (seen == nullptr) return std::nullopt;
  return seen->at;
}

std::optional<double> CheckpointWatcher::FirstAtLeastUnix(int64_t size) const {
  std::lock_guard lock(mutex_);
  const Seen* seen = FirstAtLeastLocked(size);
  if (seen == nullptr) return std::nullopt;
  return seen->unix_seconds;
}

std::optional<CheckpointWatcher::Seen> CheckpointWatcher::FirstGrowthAfter(
    Clock::time_point time) const {
  std::lock_guard lock(mutex_);
  auto it =
      std::find_if(seen_.begin(), seen_.end(), [&](const Seen& seen) { return seen.at > time; });
  // seen_ holds only growing sizes: each one after the first grew.
  if (it == seen_.end() || it == seen_.begin()) return std::nullopt;
  return *it;
}

int64_t CheckpointWatcher::latest_size() const {
  std::lock_guard lock(mutex_);
  return seen_.empty() ? 0 : seen_.back().size;
}

bool CheckpointWatcher::WaitFor(int64_t size, std::chrono::milliseconds timeout) const {
  const auto deadline = Clock::now() + timeout;
  while (latest_size() < size) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(kCheckpointPollInterval);
  }
  return true;
}

Result<std::vector<double>> CheckpointDelaysMs(const std::string& tlog_address,
                                               std::span<const std::string> submission_ids,
                                               const CheckpointWatcher& watcher) {
  auto stub = Connect(tlog_address);
  std::vector<double> delays;
  delays.reserve(submission_ids.size());
  for (const std::string& id : submission_ids) {
    v1::GetInclusionProofRequest request;
    request.set_submission_id(id);
    v1::InclusionProof proof;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    if (grpc::Status status = stub->GetInclusionProof(&context, request, &proof); !status.ok()) {
      if (status.error_code() == grpc::StatusCode::NOT_FOUND) continue;
      return Status::Error("GetInclusionProof(" + id + "): " + status.error_message());
    }
    const auto& accepted = proof.entry().record().accepted_time();
    const auto signed_at = watcher.FirstAtLeastUnix(proof.leaf_index() + 1);
    if (!signed_at || accepted.seconds() == 0) continue;
    const double accepted_at =
        static_cast<double>(accepted.seconds()) + static_cast<double>(accepted.nanos()) / 1e9;
    delays.push_back((*signed_at - accepted_at) * 1000.0);
  }
  return delays;
}

Result<TlogFigures> FollowFlatOut(const std::string& tlog_address, const CheckpointWatcher& watcher,
                                  const FlatOutRun& run, std::span<const std::string> sampled_ids,
                                  std::chrono::milliseconds timeout) {
  TlogFigures figures;
  figures.expected_leaves = run.expected_leaves;
  watcher.WaitFor(run.expected_leaves, timeout);
  figures.leaves = watcher.latest_size();
  const auto complete = watcher.FirstAtLeast(run.expected_leaves);
  if (complete) {
    figures.log_after_counted_s = std::chrono::duration<double>(*complete - run.counted).count();
  }
  const auto grown = watcher.FirstGrowthAfter(run.first_send);
  if (complete && grown && *complete > grown->at) {
    figures.appends_per_second = static_cast<double>(run.expected_leaves - grown->size) /
                                 std::chrono::duration<double>(*complete - grown->at).count();
  }
  auto delays = CheckpointDelaysMs(tlog_address, sampled_ids, watcher);
  if (!delays.ok()) return delays.status();
  figures.delay_samples = static_cast<int64_t>(delays->size());
  figures.checkpoint_delay_p50_ms = Quantile(*delays, 0.50);
  figures.checkpoint_delay_p99_ms = Quantile(*delays, 0.99);
  return figures;
}

ProofLatency InclusionProofLatency(const std::string& tlog_address,
                                   std::span<const std::string> submission_ids, int clients,
                                   std::chrono::milliseconds duration) {
  ProofLatency latency;
  if (submission_ids.empty()) return latency;
  std::vector<std::unique_ptr<v1::TransparencyService::Stub>> stubs;
  for (int c = 0; c < clients; ++c) stubs.push_back(Connect(tlog_address, c));
  std::atomic<int64_t> errors{0};
  latency.per_second = Hammer(
      clients, duration, submission_ids.size(), errors,
      [&](int c, size_t target) {
        v1::GetInclusionProofRequest request;
        request.set_submission_id(submission_ids[target]);
        v1::InclusionProof proof;
        grpc::ClientContext context;
        return stubs[static_cast<size_t>(c)]->GetInclusionProof(&context, request, &proof).ok();
      },
      &latency.ms);
  latency.errors = errors.load();
  return latency;
}

void MeasureTiles(const std::string& tiles_dir, TlogFigures& figures) {
  namespace fs = std::filesystem;
  std::error_code error;
  for (fs::recursive_directory_iterator it(tiles_dir, error), end; !error && it != end;
       it.increment(error)) {
    const std::string path = it->path().string();
    if (path.find("/.tmp") != std::string::npos || !it->is_regular_file()) continue;
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) continue;
    figures.allocated_bytes += static_cast<int64_t>(info.st_blocks) * 512;
    if (path.find("/tile/entries/") != std::string::npos) {
      figures.entry_bytes += static_cast<int64_t>(info.st_size);
    } else if (path.find("/tile/") != std::string::npos) {
      figures.hash_bytes += static_cast<int64_t>(info.st_size);
    }
  }
}

}  // namespace hattama::bench
