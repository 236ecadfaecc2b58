// hattama-bench: figures, not assertions. The raw limits of the parts on this machine (gRPC echo,
// the embedded Kafka and Redis, each driven alone by a plain client), the end-to-end rate and
// freshness of the whole stack for one or more registry sizes, issue #6's read benchmark, and each
// part's peak memory, printed as one table at the end with every figure's ratio to its ceiling.
//
//   hattama-bench all  [--stations 10000,1000000] [--quick]   everything below
//                      [--redis-masters 1,3]                   each size on 1, then 3 masters
//   hattama-bench raw                                          the raw limits only
//   hattama-bench e2e  [--stations ...]                        end to end (+ memory) only
//   hattama-bench read [--stations ...]                        load the night, then the reads
//   hattama-bench registry [--stations ...]                    generate and load the registry
//   hattama-bench portal [--stations 10000]                    snapshot files through nginx
#include <csignal>
#include <filesystem>
#include <iostream>
#include <optional>
#include <sstream>

#include "bench/e2e.h"
#include "bench/portal.h"
#include "bench/raw.h"
#include "bench/raw_grpc.h"
#include "bench/registry.h"
#include "bench/table.h"
#include "common/config/config.h"

namespace {

using namespace hattama;
using namespace hattama::bench;

std::vector<int64_t> ParseStations(const std::string& list) {
  std::vector<int64_t> out;
  std::stringstream in(list);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) out.push_back(std::stoll(item));
  }
  return out;
}

// Every registry size with every count of Redis masters, in that order.
std::vector<std::pair<int64_t, int>> EndToEndRuns(const std::string& stations,
                                                  const std::string& masters) {
  std::vector<std::pair<int64_t, int>> runs;
  for (int64_t size : ParseStations(stations)) {
    for (int64_t count : ParseStations(masters)) runs.emplace_back(size, static_cast<int>(count));
  }
  return runs;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{
      "Benchmarks of Hattama on this machine, printing figures (not asserting them): the raw "
      "limits of the parts, end-to-end rate and send->visible freshness of the whole stack, the "
      "read rate of publication, and each part's peak memory."};
  app.require_subcommand(1);
  std::string stations_list = "10000,1000000";
  std::string masters_list = "1";
  bool quick = false;
  // The flags set these for every registry size; the defaults are E2eOptions' own.
  E2eOptions base;
  double read_seconds = 5;
  int send_tick_ms = static_cast<int>(base.send_tick.count());
  auto add_common = [&](CLI::App* sub) {
    // No HATTAMA_STATIONS fallback: the services read that one as the registry's CSV path.
    sub->add_option("--stations", stations_list,
                    "Registry sizes to run end to end, comma separated")
        ->capture_default_str();
    sub->add_option("--redis-masters", masters_list,
                    "Redis masters of the end-to-end runs, comma separated: 1 is one "
                    "redis-server, more a Redis Cluster of that many masters without replicas "
                    "(each registry size runs once per entry)")
        ->capture_default_str();
    sub->add_flag("--quick", quick,
                  "A short run: 10,000 stations unless --stations says otherwise, shorter paced "
                  "and read runs, smaller raw benchmarks");
    hattama::config::AddFlag(*sub, "work-dir", base.work_dir,
                             "Where registries (reused between runs) and logs go (default: "
                             "/tmp/hattama-bench)");
    hattama::config::AddFlag(*sub, "partitions", base.partitions, "Partitions of each Kafka topic");
    hattama::config::AddFlag(*sub, "aggregation-members", base.aggregation_members,
                             "Aggregation processes in the consumer group")
        ->check(CLI::Range(1, 64));
    hattama::config::AddFlag(*sub, "streams", base.streams, "Concurrent hub streams");
    hattama::config::AddFlag(*sub, "window", base.window, "Unanswered submissions per stream");
    hattama::config::AddFlag(*sub, "paced-seconds", base.paced_seconds,
                             "Length of the run at ten times the night's peak (0: none)");
    hattama::config::AddFlag(
        *sub, "send-tick-ms", send_tick_ms,
        "Paced runs: each hub stream wakes once a tick and sends what fell due within it "
        "together, each submission's clock starting when it was due (0: each alone, when due)")
        ->check(CLI::Range(0, 1000));
    hattama::config::AddFlag(*sub, "send-limit", base.send_limit,
                             "The flat-out run sends at most this many submissions of the night "
                             "(0: all); the registry stays whole");
    hattama::config::AddFlag(*sub, "night-stations", base.night_stations,
                             "The night sent covers at most this many stations, every k-th of "
                             "the registry (0: all); services still load the whole registry");
    hattama::config::AddFlag(*sub, "samples", base.samples,
                             "Submissions per run watched from send until visible")
        ->check(CLI::Range(1, 1'000'000));
    hattama::config::AddFlag(
        *sub, "read-seconds", read_seconds,
        "Length of each read benchmark (gRPC, HTTP) and of their raw ceilings (unary echo, "
        "Redis GET)");
  };
  auto* all = app.add_subcommand("all", "Raw limits, end to end with reads, memory");
  auto* raw_cmd = app.add_subcommand("raw", "Raw limits of the parts only");
  auto* e2e = app.add_subcommand("e2e", "End to end and memory, without reads");
  auto* read = app.add_subcommand("read", "Load the night flat out, then the read benchmark");
  auto* registry_cmd = app.add_subcommand(
      "registry",
      "The registry's memory and start-up only: generate, then load in a fresh process");
  auto* portal = app.add_subcommand(
      "portal",
      "The public portal at the edge: acknowledged -> shown by the snapshot files through nginx at "
      "ten times the peak, and nginx serving them against a plain file (wrk)");
  for (auto* sub : {all, raw_cmd, e2e, read, registry_cmd, portal}) add_common(sub);
  // The fresh process the registry benchmark loads the registry in; not for people.
  std::string registry_dir;
  auto* registry_load = app.add_subcommand("registry-load", "");
  registry_load->add_option("dir", registry_dir)->required();
  registry_load->group("");
  // The gRPC echo of the raw limits, in a process of its own; not for people either.
  auto* echo_server = app.add_subcommand("echo-server", "");
  echo_server->group("");
  if (auto code = hattama::config::Parse(app, argc, argv)) return *code;
  if (registry_load->parsed()) return LoadRegistryAndReport(registry_dir);
  if (echo_server->parsed()) return ServeEcho();

  if (quick) {
    if (stations_list == "10000,1000000") stations_list = "10000";
    base.paced_seconds = std::min(base.paced_seconds, 10.0);
    read_seconds = std::min(read_seconds, 2.0);
    base.samples = std::min<int64_t>(base.samples, 500);
  }
  base.send_tick = std::chrono::milliseconds(send_tick_ms);
  if (base.work_dir.empty()) base.work_dir = "/tmp/hattama-bench";
  std::filesystem::create_directories(base.work_dir);
  if (portal->parsed()) {
    return RunPortalCommand({.stations = ParseStations(stations_list).front(),
                             .work_dir = base.work_dir,
                             .partitions = base.partitions,
                             .paced_seconds = base.paced_seconds,
                             .send_tick = base.send_tick,
                             .samples = base.samples,
                             .wrk_seconds = quick ? 2.0 : 5.0});
  }

  const std::string load_before = LoadAverage();
  std::optional<RawFigures> raw;
  if (all->parsed() || raw_cmd->parsed()) {
    auto figures = RunRaw(
        {.quick = quick,
         .partitions = base.partitions,
         .streams = base.streams,
         .window = base.window,
         .read_duration = std::chrono::milliseconds(static_cast<int64_t>(read_seconds * 1000))});
    if (!figures.ok()) {
      std::cerr << "raw benchmarks failed: " << figures.status().message() << "\n";
      return 1;
    }
    raw = *figures;
  } else if (read->parsed()) {
    // The reads' own ceilings, measured beside them, so that their ratios print too.
    auto figures =
        RunRawReads(std::chrono::milliseconds(static_cast<int64_t>(read_seconds * 1000)));
    if (!figures.ok()) {
      std::cerr << "raw read benchmarks failed: " << figures.status().message() << "\n";
      return 1;
    }
    raw = *figures;
  }
  std::vector<RegistryFigures> registries;
  if (all->parsed() || registry_cmd->parsed()) {
    for (int64_t stations : ParseStations(stations_list)) {
      std::cout << "== registry memory and start-up, " << stations << " stations\n" << std::flush;
      auto figures = RunRegistryBenchmark(stations, base.work_dir);
      if (!figures.ok()) {
        std::cerr << "registry benchmark failed: " << figures.status().message() << "\n";
        return 1;
      }
      registries.push_back(*figures);
    }
  }
  std::vector<E2eFigures> runs;
  if (!raw_cmd->parsed() && !registry_cmd->parsed()) {
    for (const auto& [stations, masters] : EndToEndRuns(stations_list, masters_list)) {
      std::cout << "== end to end, " << stations << " stations, " << masters << " Redis master(s)\n"
                << std::flush;
      E2eOptions options = base;
      options.stations = stations;
      options.redis_masters = masters;
      if (read->parsed()) options.paced_seconds = 0;
      options.read = !e2e->parsed();
      options.read_options.duration =
          std::chrono::milliseconds(static_cast<int64_t>(read_seconds * 1000));
      auto figures = RunEndToEnd(options);
      if (!figures.ok()) {
        std::cerr << "end-to-end run of " << stations
                  << " stations failed: " << figures.status().message() << "\n";
        return 1;
      }
      runs.push_back(*figures);
    }
  }
  PrintTable(raw, runs,
             {.streams = base.streams, .window = base.window, .load_before = load_before},
             registries);
  return 0;
}
