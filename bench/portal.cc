#include "bench/portal.h"

#include <fmt/format.h>
#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <regex>
#include <thread>

#include "bench/e2e.h"
#include "bench/load.h"
#include "bench/say.h"
#include "hattama/v1/ingestion.grpc.pb.h"
#include "services/publication/snapshot_directory.h"
#include "tools/hub/simulator/plan.h"
#include "tools/hub/simulator/registry_files.h"
#include "tools/hub/simulator/synthetic.h"
#include "tools/stack/nginx.h"
#include "tools/stack/stack.h"

namespace hattama::bench {
namespace {

// The path the index (or a bucket file) names for file `name` ("v/<hex>.json"), or "" when it
// names none. Searched as text, as publication writes them: one "name": "path" a line.
std::string PathIn(const std::string& index, const std::string& name) {
  const std::string key = "\"" + name + "\": \"";
  const size_t at = index.find(key);
  if (at == std::string::npos) return "";
  const size_t start = at + key.size();
  return index.substr(start, index.find('"', start) - start);
}

// The index's bucket files, by bucket (README "Served from the edge", format 2).
std::vector<std::string> BucketPaths(const std::string& index) {
  std::vector<std::string> paths;
  const size_t buckets = index.find("\"buckets\": {");
  if (buckets == std::string::npos) return paths;
  size_t at = index.find('[', buckets);
  const size_t end = index.find(']', at);
  while (at != std::string::npos && (at = index.find('"', at + 1)) < end) {
    const size_t close = index.find('"', at + 1);
    paths.push_back(index.substr(at + 1, close - at - 1));
    at = close;
  }
  return paths;
}

// Reads files by name through an index as a browser does: the index's own, else through the
// name's bucket file, which is immutable and so fetched once per version.
class IndexReader {
 public:
  explicit IndexReader(httplib::Client& client) : client_(client) {}

  // The index as last read through nginx (kept when a read fails).
  void Refresh() {
    auto fetched = client_.Get("/data/index.json");
    if (!fetched || fetched->status != 200) return;
    index_ = std::move(fetched->body);
    buckets_ = BucketPaths(index_);
    // Bucket files the new index no longer names are not needed again.
    std::map<std::string, std::string> kept;
    for (const std::string& path : buckets_) {
      if (auto it = bucket_files_.find(path); it != bucket_files_.end()) kept.insert(*it);
    }
    bucket_files_.swap(kept);
  }
  // The path of file `name`'s newest version as the index read names it; "" when none does.
  std::string PathOf(const std::string& name) {
    std::string path = PathIn(index_, name);
    if (!path.empty() || buckets_.empty()) return path;
    const std::string& bucket =
        buckets_[publication::SnapshotBucket(name, static_cast<uint32_t>(buckets_.size()))];
    auto it = bucket_files_.find(bucket);
    if (it == bucket_files_.end()) {
      auto fetched = client_.Get("/data/" + bucket);
      if (!fetched || fetched->status != 200) return "";
      it = bucket_files_.emplace(bucket, std::move(fetched->body)).first;
    }
    return PathIn(it->second, name);
  }
  const std::string& index() const { return index_; }
  const std::vector<std::string>& buckets() const { return buckets_; }

 private:
  httplib::Client& client_;
  std::string index_;
  std::vector<std::string> buckets_;
  std::map<std::string, std::string> bucket_files_;  // path -> bytes
};

// Watches acknowledged protocols until the snapshot files, read through nginx as a browser reads
// them, show them counted: index.json (through the station's bucket file) names a version of the
// station's file whose counted_submission_id is the protocol's. One request in flight at a time.
class SnapshotPoller {
 public:
  explicit SnapshotPoller(const std::string& url) : client_(url) {
    client_.set_keep_alive(true);
    client_.set_read_timeout(5);
  }

  // `submission` was acknowledged at `acknowledged`.
  void Add(const v1::Submission& submission, Clock::time_point acknowledged) {
    std::lock_guard lock(mutex_);
    inbox_.push_back({"GetStationResults?station_id=" + submission.protocol().station_id(),
                      "\"counted_submission_id\":\"" + submission.submission_id() + "\"",
                      acknowledged, ""});
  }
  void Finish(std::chrono::milliseconds timeout) {
    std::lock_guard lock(mutex_);
    deadline_ = Clock::now() + timeout;
    finishing_ = true;
  }

  void Run() {
    std::vector<Sample> pending;
    IndexReader index(client_);
    int64_t passes = 0;
    Clock::duration pass_time{};
    for (;;) {
      {
        std::lock_guard lock(mutex_);
        pending.insert(pending.end(), inbox_.begin(), inbox_.end());
        inbox_.clear();
        if (finishing_ && (pending.empty() || Clock::now() > deadline_)) break;
      }
      const auto pass_start = Clock::now();
      // Fetched whole each pass: cpp-httplib waits out its read timeout on a kept-alive 304.
      index.Refresh();
      std::vector<Sample> still;
      for (Sample& sample : pending) {
        const std::string path = index.PathOf(sample.file);
        if (path.empty() || path == sample.checked) {
          still.push_back(std::move(sample));
          continue;
        }
        auto file = client_.Get("/data/" + path);
        if (file && file->status == 200 && file->body.find(sample.counted) != std::string::npos) {
          fresh_ms_.push_back(Millis(Clock::now() - sample.acknowledged));
          continue;
        }
        sample.checked = path;  // This version does not show it; wait for the next.
        still.push_back(std::move(sample));
      }
      pending.swap(still);
      pass_time += Clock::now() - pass_start;
      ++passes;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    not_visible_ = static_cast<int64_t>(pending.size());
    pass_ms_ = passes > 0 ? Millis(pass_time) / static_cast<double>(passes) + 5 : 0;
  }

  std::vector<double> fresh_ms_;
  int64_t not_visible_ = 0;
  double pass_ms_ = 0;

 private:
  struct Sample {
    std::string file;     // the station's file name
    std::string counted;  // what its file holds once the protocol is counted
    Clock::time_point acknowledged;
    std::string checked;  // the last version found without it
  };
  httplib::Client client_;
  std::mutex mutex_;
  std::vector<Sample> inbox_;
  bool finishing_ = false;
  Clock::time_point deadline_;
};

// One wrk run; its requests per second and latency percentiles from its --latency report.
Result<WrkFigures> Wrk(const std::string& what, const std::string& base, const std::string& path,
                       int64_t bytes, const PortalOptions& options) {
  auto process =
      stack::Process::Start({.argv = {"wrk", "-t", std::to_string(options.wrk_threads), "-c",
                                      std::to_string(options.wrk_connections), "-d",
                                      fmt::format("{:.0f}s", std::max(1.0, options.wrk_seconds)),
                                      "--latency", base + path},
                             .capture_stdout = true});
  if (!process.ok()) {
    return Status::Error("cannot run wrk (install Debian's wrk: ./hattama setup): " +
                         process.status().message());
  }
  std::string report;
  for (auto line = (*process)->ReadLine(std::chrono::seconds(60)); line.ok();
       line = (*process)->ReadLine(std::chrono::seconds(60))) {
    report += *line + "\n";
  }
  (*process)->Wait(std::chrono::seconds(10));
  WrkFigures figures{.what = what, .path = path, .bytes = bytes};
  auto number = [&report](const std::string& pattern) -> double {
    std::smatch match;
    return std::regex_search(report, match, std::regex(pattern)) ? std::stod(match[1]) : -1;
  };
  // Latency lines read "     99%    1.23ms" (or us, or s).
  auto latency = [&report](const std::string& percent) -> double {
    std::smatch match;
    if (!std::regex_search(report, match, std::regex(" " + percent + "%\\s+([0-9.]+)(us|ms|s)"))) {
      return -1;
    }
    const double value = std::stod(match[1]);
    return match[2] == "us" ? value / 1000 : match[2] == "s" ? value * 1000 : value;
  };
  figures.requests_per_second = number(R"(Requests/sec:\s+([0-9.]+))");
  figures.p50_ms = latency("50");
  figures.p99_ms = latency("99");
  const double non2xx = number(R"(Non-2xx or 3xx responses:\s+(\d+))");
  figures.errors = non2xx > 0 ? static_cast<int64_t>(non2xx) : 0;
  if (figures.requests_per_second < 0) return Status::Error("unreadable wrk report:\n" + report);
  return figures;
}

// A static file of `bytes` bytes (JSON-looking, so that nginx treats it as the portal's files),
// written into the portal's directory; its path.
std::string WritePlainFile(const std::string& portal_dir, int64_t bytes) {
  const std::string name = "/plain-" + std::to_string(bytes) + ".json";
  std::string text = "[";
  while (static_cast<int64_t>(text.size()) < bytes - 2) text += "1234567,";
  text.resize(static_cast<size_t>(std::max<int64_t>(1, bytes - 2)));
  text += "]\n";
  std::ofstream(portal_dir + name, std::ios::binary) << text;
  return name;
}

// The night of the registry: without resends, confirmations or disputes, so that a station's
// counted submission is the one protocol sent for it (as the end-to-end benchmark draws it).
Result<std::vector<v1::Submission>> DrawNight(const domain::Registry& registry) {
  auto plan = hub::DrawPlan(registry, {.seed = 2021, .hubs = 4, .resend_rate = 0});
  if (!plan.ok()) return plan.status();
  std::vector<v1::Submission> night;
  night.reserve(plan->submissions.size());
  for (auto& planned : plan->submissions) night.push_back(std::move(planned.submission));
  return night;
}

}  // namespace

Result<PortalFigures> RunPortalBenchmark(const PortalOptions& options) {
  PortalFigures figures;
  figures.stations = options.stations;
  // Its own registry (the end-to-end benchmark's has hubs and observers this one does not need).
  const std::string dir = options.work_dir + "/portal-stations-" + std::to_string(options.stations);
  if (!hub::RegistryFilesExist(dir)) {
    Say("generating a registry of " + std::to_string(options.stations) + " stations in " + dir);
    auto generated = hub::GenerateRegistryFiles({.stations = options.stations, .seed = 2021}, dir);
    if (!generated.ok()) return generated.status();
  }
  auto registry = hub::LoadRegistryFiles(dir);
  if (!registry.ok()) return registry.status();
  auto night = DrawNight(**registry);
  if (!night.ok()) return night.status();
  int64_t protocols = 0;
  for (const auto& station : (*registry)->stations()) protocols += station.contest_ids_size();
  figures.peak_per_second = static_cast<double>(protocols) * kPeakMinuteShare / 60.0;

  const std::string data = dir + "/portal-run/data";
  const std::string pages = dir + "/portal-run/portal";
  std::filesystem::remove_all(dir + "/portal-run");
  auto stack =
      stack::Stack::Start({.registry_dir = dir,
                           .partitions = options.partitions,
                           .log_dir = dir + "/logs",
                           .tlog = true,
                           .publication_flags = {"--snapshot-dir", data, "--portal-dir", pages}});
  if (!stack.ok()) return Status::Error("the stack did not start: " + stack.status().message());
  auto nginx = stack::Nginx::Start(
      {.snapshot_dir = data, .portal_dir = pages, .workers = options.nginx_workers});
  if (!nginx.ok()) return nginx.status();
  Say("portal through nginx at " + (*nginx)->url() + "/");

  auto channel =
      grpc::CreateChannel((*stack)->ingestion_address(), grpc::InsecureChannelCredentials());
  auto ingestion = v1::IngestionService::NewStub(channel);
  std::span<const v1::Submission> rest(*night);
  SnapshotPoller poller((*nginx)->url());
  std::atomic<int64_t> accepted{0};
  int64_t sample_every = 1;
  std::span<const v1::Submission> part;
  LoadOptions load{
      .open = [&](grpc::ClientContext* context) { return ingestion->StreamSubmissions(context); },
      .on_answer =
          [&](size_t index, v1::Outcome outcome, Clock::time_point answered) {
            if (outcome != v1::OUTCOME_ACCEPTED && outcome != v1::OUTCOME_ACCEPTED_WITH_FLAGS) {
              return;
            }
            if (accepted.fetch_add(1) % sample_every == 0) poller.Add(part[index], answered);
          }};

  // Warm-up, not timed: the first protocols through, the first files written.
  part = rest.first(std::min<size_t>(rest.size() / 10, 20));
  rest = rest.subspan(part.size());
  {
    std::thread watching([&] { poller.Run(); });
    auto warm = RunLoad(part, load);
    poller.Finish(std::chrono::minutes(2));
    watching.join();
    if (!warm.ok()) return warm.status();
    Say(fmt::format("warm-up: {} protocols, {} shown by the files", part.size(),
                    poller.fresh_ms_.size()));
  }

  figures.rate = figures.peak_per_second * options.peak_factor;
  const auto count = std::min<int64_t>(static_cast<int64_t>(figures.rate * options.paced_seconds),
                                       static_cast<int64_t>(rest.size()));
  part = rest.first(static_cast<size_t>(count));
  Say(fmt::format("paced run: {} protocols at {:.0f}/s ({:g} x the peak of {:.1f}/s)", count,
                  figures.rate, options.peak_factor, figures.peak_per_second));
  SnapshotPoller timed((*nginx)->url());
  load.rate = figures.rate;
  load.send_tick = options.send_tick;
  accepted = 0;
  sample_every = std::max<int64_t>(1, count / std::max<int64_t>(1, options.samples));
  load.on_answer = [&](size_t index, v1::Outcome outcome, Clock::time_point answered) {
    if (outcome != v1::OUTCOME_ACCEPTED && outcome != v1::OUTCOME_ACCEPTED_WITH_FLAGS) return;
    if (accepted.fetch_add(1) % sample_every == 0) timed.Add(part[index], answered);
  };
  {
    std::thread watching([&] { timed.Run(); });
    auto paced = RunLoad(part, load);
    timed.Finish(std::chrono::minutes(1));
    watching.join();
    if (!paced.ok()) return paced.status();
    figures.sent = paced->sent;
  }
  figures.samples = static_cast<int64_t>(timed.fresh_ms_.size());
  figures.samples_not_visible = timed.not_visible_;
  figures.resolution_ms = timed.pass_ms_;
  figures.fresh_p50_ms = Quantile(timed.fresh_ms_, 0.50);
  figures.fresh_p99_ms = Quantile(timed.fresh_ms_, 0.99);
  figures.fresh_max_ms = Quantile(timed.fresh_ms_, 1.0);
  Say(fmt::format("  acknowledged -> in the files p50 {:.0f} ms, p99 {:.0f} ms ({} samples)",
                  figures.fresh_p50_ms, figures.fresh_p99_ms, figures.samples));

  // What a browser reads, through nginx, against a plain file of each one's size.
  httplib::Client edge((*nginx)->url());
  IndexReader index(edge);
  index.Refresh();
  if (index.index().empty()) return Status::Error("no index.json through nginx");
  figures.index_bytes = static_cast<int64_t>(index.index().size());
  figures.buckets = static_cast<int64_t>(index.buckets().size());
  // Files: the index's own lines and its buckets' ("name": "path" a line).
  auto lines = [](const std::string& json) {
    return static_cast<int64_t>(std::count(json.begin(), json.end(), '\n'));
  };
  figures.files = lines(index.index().substr(0, index.index().find("\"buckets\": {"))) - 1;
  for (const std::string& bucket : index.buckets()) {
    auto fetched = edge.Get("/data/" + bucket);
    if (!fetched || fetched->status != 200) return Status::Error("unreadable bucket " + bucket);
    figures.files += lines(fetched->body) - 1;
    figures.bucket_bytes += static_cast<int64_t>(fetched->body.size());
  }
  httplib::Client zipped((*nginx)->url());
  zipped.set_decompress(false);
  if (auto gz = zipped.Get("/data/index.json", {{"Accept-Encoding", "gzip"}}); gz) {
    figures.index_gzip_bytes = static_cast<int64_t>(gz->body.size());
  }
  const domain::Registry& r = **registry;
  const std::string contest = r.election().contests(0).contest_id();
  const std::string district = r.stations().front().district_id();
  const std::string station = "GetStationResults?station_id=" + r.stations().front().station_id();
  const std::pair<std::string, std::string> portal_files[] = {
      {"nation totals", "GetAreaTotals?area_id=" + r.nation_id() + "&contest_id=" + contest},
      {"district stations", "ListStations?area_id=" + district + "&contest_id=" + contest},
      {"station", station}};
  auto measure = [&](const std::string& what, const std::string& path, int64_t bytes) -> Status {
    auto file = Wrk(what, (*nginx)->url(), path, bytes, options);
    if (!file.ok()) return file.status();
    const std::string plain_path = WritePlainFile(pages, bytes);
    auto plain = Wrk("plain file", (*nginx)->url(), plain_path, bytes, options);
    if (!plain.ok()) return plain.status();
    figures.serving.emplace_back(*file, *plain);
    Say(fmt::format("  {}: {:.0f}/s p99 {:.2f} ms; plain file of {} bytes {:.0f}/s p99 {:.2f} ms",
                    what, file->requests_per_second, file->p99_ms, bytes,
                    plain->requests_per_second, plain->p99_ms));
    return Status::Ok();
  };
  for (const auto& [what, name] : portal_files) {
    const std::string path = index.PathOf(name);
    auto file = edge.Get("/data/" + path);
    if (path.empty() || !file || file->status != 200) {
      return Status::Error("the index names no readable file for " + name);
    }
    if (Status measured = measure(what, "/data/" + path, static_cast<int64_t>(file->body.size()));
        !measured.ok()) {
      return measured;
    }
  }
  const std::string& bucket = index.buckets().at(
      publication::SnapshotBucket(station, static_cast<uint32_t>(index.buckets().size())));
  auto bucket_file = edge.Get("/data/" + bucket);
  if (!bucket_file || bucket_file->status != 200) return Status::Error("unreadable " + bucket);
  if (Status measured = measure("a station's bucket", "/data/" + bucket,
                                static_cast<int64_t>(bucket_file->body.size()));
      !measured.ok()) {
    return measured;
  }
  if (Status measured = measure("index.json", "/data/index.json", figures.index_bytes);
      !measured.ok()) {
    return measured;
  }
  return figures;
}

void PrintPortalFigures(const PortalFigures& f) {
  std::cout << fmt::format(
      "\nThe public portal at the edge, {} stations ({} files, index.json {} bytes, {} gzipped; "
      "{} bucket files of {} bytes on average)\n",
      f.stations, f.files, f.index_bytes, f.index_gzip_bytes, f.buckets,
      f.bucket_bytes / std::max<int64_t>(1, f.buckets));
  std::cout << fmt::format(
      "  freshness at {:.0f}/s ({:g} x the night's peak of {:.1f}/s), acknowledged -> shown by the "
      "files through nginx: p50 {:.0f} ms, p99 {:.0f} ms, max {:.0f} ms ({} samples, {} never "
      "shown, poll pass {:.0f} ms)\n",
      f.rate, f.rate / std::max(0.001, f.peak_per_second), f.peak_per_second, f.fresh_p50_ms,
      f.fresh_p99_ms, f.fresh_max_ms, f.samples, f.samples_not_visible, f.resolution_ms);
  std::cout << fmt::format("  {:<20} {:>9} {:>12} {:>9} {:>12} {:>9} {:>12} {:>7}\n",
                           "through nginx", "bytes", "portal /s", "p99 ms", "plain /s", "p99 ms",
                           "ratio", "errors");
  for (const auto& [file, plain] : f.serving) {
    std::cout << fmt::format(
        "  {:<20} {:>9} {:>12.0f} {:>9.2f} {:>12.0f} {:>9.2f} {:>11.0f}% {:>7}\n", file.what,
        file.bytes, file.requests_per_second, file.p99_ms, plain.requests_per_second, plain.p99_ms,
        100 * file.requests_per_second / std::max(1.0, plain.requests_per_second),
        file.errors + plain.errors);
  }
  std::cout << std::flush;
}

int RunPortalCommand(const PortalOptions& options) {
  std::cout << "== the public portal at the edge, " << options.stations << " stations\n"
            << std::flush;
  auto figures = RunPortalBenchmark(options);
  if (!figures.ok()) {
    std::cerr << "portal benchmark failed: " << figures.status().message() << "\n";
    return 1;
  }
  PrintPortalFigures(*figures);
  return 0;
}

}  // namespace hattama::bench
