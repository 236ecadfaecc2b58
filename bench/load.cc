#include "bench/load.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "bench/say.h"
#include "hattama/v1/publication.grpc.pb.h"

namespace hattama::bench {
namespace {

// Per-submission times, written by one stream's threads and read after they are joined (or, for
// the send time, handed to the poller through its inbox).
struct Times {
  std::vector<Clock::time_point> sent;
  std::vector<Clock::time_point> answered;
  std::vector<std::atomic<int>> outcome;
  explicit Times(size_t n) : sent(n), answered(n), outcome(n) {}
};

struct Sample {
  size_t index;
  Clock::time_point sent;
};

// Watches sampled submissions until publication shows them, with one request in flight and a
// bounded load, so that the instrument stays small next to what it measures. Asking for every
// pending sample over and over, it kept publication and Redis busy with thousands of station reads
// a second: the flat-out run counted 7-12 % less than with a single sample.
//
// So each pass asks for the pending samples oldest first until one is not visible yet, and the next
// pass starts 1 ms after: at most 1,000 reads a second miss (about 100 us of CPU each over the
// machine: bench, publication, Redis). Samples become visible about in the order they were sent:
// the oldest, which make the tail, are asked every pass, and a batch of aggregation that makes many
// visible at once is seen in one pass. A younger sample visible before an older one is seen when
// the older one is: its latency is over-stated by at most that wait, never under-stated. Measured
// flat out at 10,000 stations, alternated with runs of one sample: no difference in the count rate
// beyond the machine's noise.
class VisibilityPoller {
 public:
  VisibilityPoller(const std::string& address, std::span<const v1::Submission> submissions,
                   const Times& times)
      : stub_(v1::PublicationService::NewStub(
            grpc::CreateChannel(address, grpc::InsecureChannelCredentials()))),
        submissions_(submissions),
        times_(times) {}

  void Add(Sample sample) {
    std::lock_guard lock(mutex_);
    inbox_.push_back(sample);
  }
  // No more samples will come; the poller ends when the pending ones are visible or `timeout`
  // passed since now.
  void Finish(std::chrono::milliseconds timeout) {
    std::lock_guard lock(mutex_);
    deadline_ = Clock::now() + timeout;
    finishing_ = true;
  }

  void Run() {
    std::vector<Sample> pending;  // Oldest first.
    int64_t passes = 0;
    Clock::duration pass_time{};
    for (;;) {
      bool finishing;
      Clock::time_point deadline;
      bool added;
      {
        std::lock_guard lock(mutex_);
        added = !inbox_.empty();
        pending.insert(pending.end(), inbox_.begin(), inbox_.end());
        inbox_.clear();
        finishing = finishing_;
        deadline = deadline_;
      }
      // Several streams add samples: keep them in the order they were sent.
      auto older = [](const Sample& a, const Sample& b) { return a.sent < b.sent; };
      if (added && !std::is_sorted(pending.begin(), pending.end(), older)) {
        std::stable_sort(pending.begin(), pending.end(), older);
      }
      if (finishing && (pending.empty() || Clock::now() > deadline)) {
        not_visible_ += static_cast<int64_t>(pending.size());
        break;
      }
      if (pending.empty()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        continue;
      }
      const auto pass_start = Clock::now();
      bool missed = false;
      std::vector<Sample> still;
      for (const Sample& sample : pending) {
        if (missed) {
          still.push_back(sample);
          continue;
        }
        const int outcome = times_.outcome[sample.index].load(std::memory_order_acquire);
        if (outcome == v1::OUTCOME_REJECTED || outcome == v1::OUTCOME_DUPLICATE) continue;
        if (Visible(sample.index)) {
          visible_ms_.push_back(Millis(Clock::now() - sample.sent));
        } else {
          missed = true;
          still.push_back(sample);
        }
      }
      pending.swap(still);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      pass_time += Clock::now() - pass_start;
      ++passes;
    }
    poll_pass_ms_ = passes > 0 ? Millis(pass_time) / static_cast<double>(passes) : 0;
  }

  std::vector<double> visible_ms_;
  int64_t not_visible_ = 0;
  double poll_pass_ms_ = 0;

 private:
  // Whether publication shows submissions_[index] for its station x contest: as the one counted,
  // or among the versions applied (one the dispute rule does not count, such as a second
  // observer's copy, never becomes the counted one; both are written in the same step).
  bool Visible(size_t index) {
    const auto& protocol = submissions_[index].protocol();
    v1::GetStationResultsRequest request;
    request.set_station_id(protocol.station_id());
    v1::StationResults reply;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    if (!stub_->GetStationResults(&context, request, &reply).ok()) return false;
    const std::string& id = submissions_[index].submission_id();
    for (const auto& contest : reply.contests()) {
      if (contest.contest_id() != protocol.contest_id()) continue;
      if (contest.counted_submission_id() == id) return true;
      for (const auto& version : contest.versions()) {
        if (version.submission().submission_id() == id) return true;
      }
    }
    return false;
  }

  std::unique_ptr<v1::PublicationService::Stub> stub_;
  std::span<const v1::Submission> submissions_;
  const Times& times_;
  std::mutex mutex_;
  std::vector<Sample> inbox_;
  bool finishing_ = false;
  Clock::time_point deadline_;
};

// When each submission is due and when its stream sends it. The i-th submission of the run is due
// at start + i / rate; ticks are counted from the start, and a stream sends everything that falls
// due within one tick together, woken once at the tick's end, so that the hub's threads and the
// service's readers wake once a tick rather than once a submission.
class Pacer {
 public:
  Pacer(double rate, Clock::duration tick, Clock::time_point start)
      : rate_(rate), tick_(tick), start_(start) {}
  bool paced() const { return rate_ > 0; }
  Clock::time_point Due(size_t i) const {
    if (rate_ <= 0) return Clock::now();
    return start_ + std::chrono::duration_cast<Clock::duration>(
                        std::chrono::duration<double>(static_cast<double>(i) / rate_));
  }
  Clock::time_point Release(Clock::time_point due) const {
    if (tick_ <= Clock::duration::zero() || due <= start_) return due;
    const auto ticks = (due - start_ + tick_ - Clock::duration(1)) / tick_;
    return start_ + ticks * tick_;
  }

 private:
  double rate_;
  Clock::duration tick_;
  Clock::time_point start_;
};

}  // namespace

double Quantile(std::vector<double>& values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t index = static_cast<size_t>(q * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

Result<LoadResult> RunLoad(std::span<const v1::Submission> submissions,
                           const LoadOptions& options) {
  const size_t n = submissions.size();
  const int streams = std::max(1, options.streams);
  Times times(n);
  std::unique_ptr<VisibilityPoller> poller;
  std::thread poller_thread;
  if (!options.publication_address.empty()) {
    poller = std::make_unique<VisibilityPoller>(options.publication_address, submissions, times);
    poller_thread = std::thread([&] { poller->Run(); });
  }

  const auto start = Clock::now();
  const Pacer pacer(options.rate, options.send_tick, start);
  std::mutex error_mutex;
  std::string error;
  std::vector<std::thread> threads;
  for (int s = 0; s < streams; ++s) {
    threads.emplace_back([&, s] {
      std::vector<size_t> mine;
      for (size_t i = s; i < n; i += streams) mine.push_back(i);
      std::unordered_map<std::string, size_t> index_of;
      index_of.reserve(mine.size());
      for (size_t i : mine) index_of.emplace(submissions[i].submission_id(), i);

      grpc::ClientContext context;
      auto stream = options.open(&context);
      std::mutex mutex;
      std::condition_variable room;
      int64_t in_flight = 0;
      size_t answered = 0;
      std::thread reader([&] {
        v1::SubmissionAck ack;
        while (answered < mine.size() && stream->Read(&ack)) {
          auto now = Clock::now();
          auto it = index_of.find(ack.submission_id());
          if (it == index_of.end()) continue;
          times.answered[it->second] = now;
          times.outcome[it->second].store(ack.outcome(), std::memory_order_release);
          if (options.on_answer) options.on_answer(it->second, ack.outcome(), now);
          std::lock_guard lock(mutex);
          --in_flight;
          ++answered;
          room.notify_one();
        }
        std::lock_guard lock(mutex);
        answered = mine.size();  // nothing more will come: release the writer
        room.notify_one();
      });
      v1::StreamSubmissionsRequest request;
      bool more_room = false;
      for (size_t k = 0; k < mine.size(); ++k) {
        const size_t i = mine[k];
        {
          std::unique_lock lock(mutex);
          room.wait(lock, [&] { return in_flight < options.window || answered >= mine.size(); });
          if (answered >= mine.size()) break;
          ++in_flight;
          more_room = in_flight < options.window;
        }
        const auto due = pacer.Due(i);
        const auto release = pacer.Release(due);
        if (pacer.paced()) std::this_thread::sleep_until(release);
        times.sent[i] = due;
        if (poller && static_cast<int64_t>(i) % options.sample_every == 0) {
          poller->Add({i, due});
        }
        *request.mutable_submission() = submissions[i];
        // More of this tick to follow, with room in the window to send it: gRPC may hold this
        // one back to send them together.
        grpc::WriteOptions write;
        if (pacer.paced() && more_room && k + 1 < mine.size() &&
            pacer.Release(pacer.Due(mine[k + 1])) <= release) {
          write.set_buffer_hint();
        }
        if (!stream->Write(request, write)) break;
      }
      stream->WritesDone();
      reader.join();
      grpc::Status status = stream->Finish();
      if (!status.ok()) {
        std::lock_guard lock(error_mutex);
        error = "stream " + std::to_string(s) + " failed: " + status.error_message();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  if (poller) {
    poller->Finish(options.visible_timeout);
    poller_thread.join();
  }
  if (!error.empty()) return Status::Error(error);

  LoadResult result;
  result.first_send = start;
  result.last_answer = start;
  result.outcomes.resize(n, v1::OUTCOME_UNSPECIFIED);
  result.answer_ms.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const auto outcome = static_cast<v1::Outcome>(times.outcome[i].load());
    result.outcomes[i] = outcome;
    ++result.sent;
    switch (outcome) {
      case v1::OUTCOME_ACCEPTED:
        ++result.accepted;
        break;
      case v1::OUTCOME_ACCEPTED_WITH_FLAGS:
        ++result.accepted;
        ++result.flagged;
        break;
      case v1::OUTCOME_DUPLICATE:
        ++result.duplicate;
        break;
      case v1::OUTCOME_REJECTED:
        ++result.rejected;
        break;
      default:
        ++result.unanswered;
        continue;
    }
    result.last_answer = std::max(result.last_answer, times.answered[i]);
    result.answer_ms.push_back(Millis(times.answered[i] - times.sent[i]));
  }
  if (poller) {
    result.visible_ms = std::move(poller->visible_ms_);
    result.samples_not_visible = poller->not_visible_;
    result.poll_pass_ms = poller->poll_pass_ms_;
  }
  return result;
}

}  // namespace hattama::bench
