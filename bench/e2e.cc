#include "bench/e2e.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "bench/say.h"
#include "common/redis/redis.h"
#include "hattama/v1/ingestion.grpc.pb.h"
#include "hattama/v1/publication.grpc.pb.h"
#include "tools/hub/simulator/plan.h"
#include "tools/hub/simulator/registry_files.h"
#include "tools/stack/stack.h"

namespace hattama::bench {
namespace {

using stack::Process;

Status Generate(const std::string& dir, int64_t stations) {
  if (hub::RegistryFilesExist(dir)) return Status::Ok();
  std::filesystem::create_directories(dir);
  auto process = Process::Start(
      {.argv = {stack::BinaryPath("hattama-hub"), "generate", "--out", dir, "--station-count",
                std::to_string(stations), "--seed", "2021", "--hubs", "4"},
       .log_path = dir + "/generate.log"});
  if (!process.ok()) return process.status();
  auto code = (*process)->Wait(std::chrono::hours(1));
  if (!code.ok() || *code != 0) {
    std::filesystem::remove(hub::StationsCsvPath(dir));
    return Status::Error("hattama-hub generate failed; see " + dir + "/generate.log");
  }
  return Status::Ok();
}

// Waits until publication's national totals report `expected` stations for every contest; the
// time they did.
Result<Clock::time_point> WaitUntilCounted(const std::string& publication,
                                           const std::string& nation,
                                           const std::map<std::string, int64_t>& expected,
                                           std::chrono::milliseconds timeout) {
  auto stub = v1::PublicationService::NewStub(
      grpc::CreateChannel(publication, grpc::InsecureChannelCredentials()));
  const auto deadline = Clock::now() + timeout;
  std::map<std::string, int64_t> seen;
  for (;;) {
    bool all = true;
    for (const auto& [contest, count] : expected) {
      if (seen[contest] >= count) continue;
      v1::GetAreaTotalsRequest request;
      request.set_area_id(nation);
      request.set_contest_id(contest);
      v1::AreaTotals totals;
      grpc::ClientContext context;
      if (stub->GetAreaTotals(&context, request, &totals).ok()) {
        seen[contest] = totals.stations_reporting();
      }
      if (seen[contest] < count) all = false;
    }
    if (all) return Clock::now();
    if (Clock::now() > deadline) {
      std::string detail;
      for (const auto& [contest, count] : expected) {
        detail += " " + contest + " " + std::to_string(seen[contest]) + "/" + std::to_string(count);
      }
      return Status::Error("publication did not report every accepted protocol in time:" + detail);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// The accepted protocols a run adds to each contest, counted as the answers come, and the moment
// every one was answered (or the run ended without them: nullopt).
class CountedWatch {
 public:
  CountedWatch(std::map<std::string, int64_t> before, size_t submissions)
      : expected_(std::move(before)), unanswered_(submissions) {}

  void Answered(const std::string& contest_id, v1::Outcome outcome) {
    std::lock_guard lock(mutex_);
    if (outcome == v1::OUTCOME_ACCEPTED || outcome == v1::OUTCOME_ACCEPTED_WITH_FLAGS) {
      ++expected_[contest_id];
    }
    if (unanswered_ > 0 && --unanswered_ == 0) changed_.notify_all();
  }
  // The run ended (every answer came, or it failed).
  void End() {
    std::lock_guard lock(mutex_);
    ended_ = true;
    changed_.notify_all();
  }
  std::optional<std::map<std::string, int64_t>> WaitForEveryAnswer() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return unanswered_ == 0 || ended_; });
    if (unanswered_ > 0) return std::nullopt;
    return expected_;
  }
  std::map<std::string, int64_t> expected() {
    std::lock_guard lock(mutex_);
    return expected_;
  }

  Result<Clock::time_point> counted = Status::Error("not every submission was answered");

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, int64_t> expected_;
  size_t unanswered_;
  bool ended_ = false;
};

// The ids of every `every`-th accepted submission of `sent` (answered in `result`).
std::vector<std::string> AcceptedIds(std::span<const v1::Submission> sent, const LoadResult& result,
                                     int64_t every) {
  std::vector<std::string> ids;
  int64_t accepted = 0;
  for (size_t i = 0; i < sent.size(); ++i) {
    if (result.outcomes[i] != v1::OUTCOME_ACCEPTED &&
        result.outcomes[i] != v1::OUTCOME_ACCEPTED_WITH_FLAGS) {
      continue;
    }
    if (accepted++ % every == 0) ids.push_back(sent[i].submission_id());
  }
  return ids;
}

// Redis's peak RSS, CPU seconds, keys and used memory: of its one server, or summed over the
// cluster's nodes (all masters: the benchmark's cluster has no replicas).
void RedisFigures(stack::Stack& s, E2eFigures& figures) {
  std::vector<Process*> processes;
  std::vector<std::string> addresses;
  if (figures.redis_masters > 1) {
    processes = s.redis_cluster().processes();
    addresses = s.redis_cluster().addresses();
  } else {
    processes = {&s.redis().process()};
    addresses = {s.redis().address()};
  }
  int64_t& rss = figures.peak_rss_kb["redis-server"];
  double& cpu = figures.cpu_seconds["redis-server"];
  for (Process* process : processes) {
    auto kb = process->PeakRssKb();
    rss = kb.ok() && rss >= 0 ? rss + *kb : -1;
    cpu += CpuSeconds(process->pid());
  }
  for (const std::string& address : addresses) {
    auto redis = redis::Connection::Connect(address, std::chrono::seconds(5));
    if (!redis.ok()) continue;
    if (auto keys = (*redis)->Run({"DBSIZE"}); keys.ok()) figures.redis_keys += keys->integer;
    if (auto info = (*redis)->Run({"INFO", "memory"}); info.ok()) {
      const auto at = info->str.find("used_memory:");
      if (at != std::string::npos) {
        figures.redis_used_memory += std::stoll(info->str.substr(at + 12));
      }
    }
  }
}

PhaseFigures Summarise(LoadResult& load, double rate) {
  PhaseFigures figures;
  figures.sent = load.sent;
  figures.accepted = load.accepted;
  figures.rejected = load.rejected;
  figures.rate = rate;
  figures.answered_per_second = load.answered_per_second();
  figures.accepted_per_second = load.accepted_per_second();
  figures.answer_p50_ms = Quantile(load.answer_ms, 0.50);
  figures.answer_p99_ms = Quantile(load.answer_ms, 0.99);
  figures.visible_p50_ms = Quantile(load.visible_ms, 0.50);
  figures.visible_p99_ms = Quantile(load.visible_ms, 0.99);
  figures.visible_max_ms = Quantile(load.visible_ms, 1.0);
  figures.samples = static_cast<int64_t>(load.visible_ms.size());
  figures.samples_not_visible = load.samples_not_visible;
  figures.resolution_ms = load.poll_pass_ms;
  return figures;
}

}  // namespace

Result<E2eFigures> RunEndToEnd(const E2eOptions& options) {
  E2eFigures figures;
  figures.stations = options.stations;
  figures.redis_masters = options.redis_masters;
  figures.aggregation_members = options.aggregation_members;
  const std::string dir = options.work_dir + "/stations-" + std::to_string(options.stations);
  Say("registry of " + std::to_string(options.stations) + " stations in " + dir);
  if (auto generated = Generate(dir, options.stations); !generated.ok()) return generated;
  auto registry = hub::LoadRegistryFiles(dir);
  if (!registry.ok()) return registry.status();

  // The night without resends (visible means publication lists the submission for its station x
  // contest, as the counted one or among the versions: load.cc).
  for (const auto& station : (*registry)->stations()) {
    figures.night_protocols += station.contest_ids_size();
  }
  std::vector<v1::Submission> night;
  {
    auto started = Clock::now();
    std::shared_ptr<const domain::Registry> covered = *registry;
    const auto all = static_cast<int64_t>((*registry)->stations().size());
    if (options.night_stations > 0 && all > options.night_stations) {
      std::vector<v1::Station> subset;
      const int64_t step = (all + options.night_stations - 1) / options.night_stations;
      for (int64_t i = 0; i < all; i += step) {
        subset.push_back((*registry)->stations()[i].ToProto());
      }
      // With the observers registered for the whole registry, so that the subset's night names
      // the observers, organisations and hubs ingestion knows.
      auto built = domain::Registry::Build((*registry)->election(), std::move(subset),
                                           (*registry)->shared_observers());
      if (!built.ok()) return built.status();
      covered = *built;
    }
    figures.night_stations = static_cast<int64_t>(covered->stations().size());
    auto plan = hub::DrawPlan(
        *covered,
        {.seed = 2021, .hubs = 4, .broken_rate = 0.01, .malformed_rate = 0.005, .resend_rate = 0});
    if (!plan.ok()) return plan.status();
    night.reserve(plan->submissions.size());
    for (auto& planned : plan->submissions) night.push_back(std::move(planned.submission));
    Say("drew the night of " + std::to_string(figures.night_stations) +
        " stations: " + std::to_string(night.size()) + " submissions in " +
        std::to_string(static_cast<int>(Seconds(Clock::now() - started))) + " s");
  }
  figures.peak_per_second = static_cast<double>(figures.night_protocols) * kPeakMinuteShare / 60.0;

  auto stack = stack::Stack::Start(
      {.registry_dir = dir,
       .partitions = options.partitions,
       .log_dir = dir + "/logs",
       .redis_cluster_masters = options.redis_masters > 1 ? options.redis_masters : 0,
       .redis_cluster_replicas = 0,
       .aggregation_instances = options.aggregation_members,
       .tlog = true});
  if (!stack.ok()) return Status::Error("the stack did not start: " + stack.status().message());
  auto& s = **stack;
  CheckpointWatcher checkpoints(s.tlog_address());
  auto channel = grpc::CreateChannel(s.ingestion_address(), grpc::InsecureChannelCredentials());
  auto ingestion = v1::IngestionService::NewStub(channel);
  LoadOptions load{
      .open = [&](grpc::ClientContext* context) { return ingestion->StreamSubmissions(context); },
      .streams = options.streams,
      .window = options.window,
      .publication_address = s.publication_address()};

  std::span<const v1::Submission> rest(night);
  std::map<std::string, int64_t> expected;  // contest -> accepted protocols so far
  int64_t accepted_records = 0;             // every one a leaf of the transparency log
  auto count_accepted = [&](std::span<const v1::Submission> sent, const LoadResult& result) {
    for (size_t i = 0; i < sent.size(); ++i) {
      if (result.outcomes[i] == v1::OUTCOME_ACCEPTED ||
          result.outcomes[i] == v1::OUTCOME_ACCEPTED_WITH_FLAGS) {
        ++expected[sent[i].protocol().contest_id()];
        ++accepted_records;
      }
    }
  };

  // Warm-up, not measured: until a first few protocols are visible the consumer group may still
  // be joining and connections are being made.
  {
    auto part = rest.first(std::min<size_t>(rest.size() / 10, 20));
    rest = rest.subspan(part.size());
    auto result = RunLoad(part, load);
    if (!result.ok()) return result.status();
    count_accepted(part, *result);
    auto counted = WaitUntilCounted(s.publication_address(), (*registry)->nation_id(), expected,
                                    std::chrono::minutes(2));
    if (!counted.ok()) return counted.status();
    Say("warm-up: " + std::to_string(part.size()) + " submissions visible");
  }

  if (options.paced_seconds > 0) {
    const double rate = figures.peak_per_second * options.peak_factor;
    const auto count = std::min<int64_t>(static_cast<int64_t>(rate * options.paced_seconds),
                                         static_cast<int64_t>(rest.size() / 2));
    auto part = rest.first(static_cast<size_t>(count));
    rest = rest.subspan(part.size());
    Say(fmt::format("paced run: {} submissions at {:.0f}/s ({:g} x the peak of {:.1f}/s)", count,
                    rate, options.peak_factor, figures.peak_per_second));
    load.rate = rate;
    load.send_tick = options.send_tick;
    load.sample_every = std::max<int64_t>(1, count / options.samples);
    auto result = RunLoad(part, load);
    if (!result.ok()) return result.status();
    count_accepted(part, *result);
    figures.paced = Summarise(*result, rate);
    figures.paced->send_tick_ms = static_cast<double>(options.send_tick.count());
    Say(fmt::format("  send->visible p50 {:.1f} ms, p99 {:.1f} ms", figures.paced->visible_p50_ms,
                    figures.paced->visible_p99_ms));
  }

  // The flat-out run starts from a drained pipeline, so that its rate is its own.
  if (auto drained = WaitUntilCounted(s.publication_address(), (*registry)->nation_id(), expected,
                                      std::chrono::minutes(30));
      !drained.ok()) {
    return drained.status();
  }
  if (options.send_limit > 0 && static_cast<int64_t>(rest.size()) > options.send_limit) {
    rest = rest.first(static_cast<size_t>(options.send_limit));
  }
  Say("flat-out run: " + std::to_string(rest.size()) + " submissions");
  load.rate = 0;
  // A quarter of the samples: send -> visible flat out is seconds of queueing, read well enough
  // from fewer, and each sample costs a station read of publication once visible, in the run
  // whose count rate is measured.
  load.sample_every = std::max<int64_t>(
      1, static_cast<int64_t>(rest.size()) / std::max<int64_t>(1, options.samples / 4));
  // Publication is asked for the national totals from the last answer on, while the poller still
  // waits for its samples: when counting ended does not depend on when the instrument is done.
  CountedWatch watch(expected, rest.size());
  load.on_answer = [&](size_t index, v1::Outcome outcome, Clock::time_point) {
    watch.Answered(rest[index].protocol().contest_id(), outcome);
  };
  std::thread watcher([&] {
    if (auto counts = watch.WaitForEveryAnswer()) {
      watch.counted = WaitUntilCounted(s.publication_address(), (*registry)->nation_id(), *counts,
                                       std::chrono::minutes(30));
    }
  });
  auto result = RunLoad(rest, load);
  load.on_answer = nullptr;
  watch.End();
  watcher.join();
  if (!result.ok()) return result.status();
  count_accepted(rest, *result);
  if (expected != watch.expected()) {
    return Status::Error("the accepted protocols counted as answered differ from the run's");
  }
  figures.flat = Summarise(*result, 0);
  auto& counted = watch.counted;
  if (!counted.ok()) return counted.status();
  figures.flat.visible_per_second =
      static_cast<double>(result->accepted) / Seconds(*counted - result->first_send);
  Say("  accepted " + std::to_string(static_cast<int64_t>(figures.flat.accepted_per_second)) +
      "/s at ingestion, counted " +
      std::to_string(static_cast<int64_t>(figures.flat.visible_per_second)) +
      "/s visible in publication");
  {
    const auto sampled =
        AcceptedIds(rest, *result,
                    std::max<int64_t>(1, result->accepted / std::max<int64_t>(1, options.samples)));
    auto log = FollowFlatOut(s.tlog_address(), checkpoints,
                             {.expected_leaves = accepted_records,
                              .first_send = result->first_send,
                              .counted = *counted},
                             sampled, std::chrono::minutes(10));
    if (!log.ok()) return log.status();
    figures.tlog = *log;
    Say(fmt::format(
        "  logged {} of {} accepted records, {:.0f}/s; checkpoint delay p50 {:.0f} ms, "
        "p99 {:.0f} ms",
        figures.tlog.leaves, figures.tlog.expected_leaves, figures.tlog.appends_per_second,
        figures.tlog.checkpoint_delay_p50_ms, figures.tlog.checkpoint_delay_p99_ms));
  }

  if (options.read) {
    ReadOptions read = options.read_options;
    read.grpc_address = s.publication_address();
    read.http_address = s.publication_http_address();
    Say("read benchmark on the loaded stack");
    auto rates = ReadRate(**registry, read);
    if (!rates.ok()) return rates.status();
    figures.read = *rates;
    Say("inclusion proofs from the log");
    const auto accepted_ids = AcceptedIds(rest, *result, 1);
    auto proofs =
        InclusionProofLatency(s.tlog_address(), accepted_ids, read.clients, read.duration);
    figures.tlog.proof_p50_ms = Quantile(proofs.ms, 0.50);
    figures.tlog.proof_p99_ms = Quantile(proofs.ms, 0.99);
    figures.tlog.proofs_per_second = proofs.per_second;
    figures.tlog.proof_errors = proofs.errors;
    auto single = InclusionProofLatency(s.tlog_address(), accepted_ids, 1, read.duration);
    figures.tlog.single_proof_p50_ms = Quantile(single.ms, 0.50);
    figures.tlog.single_proof_p99_ms = Quantile(single.ms, 0.99);
    figures.tlog.proof_errors += single.errors;
  }
  MeasureTiles(s.tlog_tiles_dir(), figures.tlog);

  // Of a part of several processes: the largest peak RSS, and the CPU of them all.
  auto rss = [&](const std::string& part, Process& process) {
    auto kb = process.PeakRssKb();
    const int64_t peak = kb.ok() ? *kb : -1;
    const double cpu = CpuSeconds(process.pid());
    auto [at, first] = figures.peak_rss_kb.emplace(part, peak);
    if (first) {
      figures.cpu_seconds[part] = cpu;
      return;
    }
    at->second = at->second < 0 || peak < 0 ? -1 : std::max(at->second, peak);
    double& seconds = figures.cpu_seconds[part];
    seconds = seconds < 0 || cpu < 0 ? -1 : seconds + cpu;
  };
  RedisFigures(s, figures);
  rss("devkafka", s.kafka().process());
  rss("ingestion", s.ingestion());
  for (size_t member = 0; member < s.aggregation_count(); ++member) {
    rss("aggregation", s.aggregation(member));
  }
  rss("publication", s.publication());
  rss("tlog", s.tlog());
  return figures;
}

}  // namespace hattama::bench
