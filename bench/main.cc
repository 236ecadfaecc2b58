// hattama-bench: figures, not assertions. The raw limits of the parts on this machine (gRPC
// streaming, the embedded Kafka, Redis running apply.lua), the end-to-end rate and freshness of
// the whole stack for one or more registry sizes, issue #6's read benchmark, and each part's peak
// memory, printed as one table at the end.
//
//   hattama-bench all  [--stations 10000,1000000] [--quick]   everything below
//   hattama-bench raw                                          the raw limits only
//   hattama-bench e2e  [--stations ...]                        end to end (+ memory) only
//   hattama-bench read [--stations ...]                        load the night, then the reads
#include <fmt/format.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "bench/e2e.h"
#include "bench/raw.h"
#include "common/config/config.h"
#include "hattama/v1/ingestion.grpc.pb.h"
#include "tools/hub/simulator/plan.h"
#include "tools/hub/simulator/synthetic.h"
#include "tools/stack/process.h"

namespace {

using namespace hattama;
using namespace hattama::bench;

struct RawFigures {
  double grpc_echo = 0;
  double kafka_produce = 0;
  double kafka_consume = 0;
  double redis_apply = 0;
  double kafka_latency_p50_ms = 0, kafka_latency_p99_ms = 0;
  double kafka_short_wait_p50_ms = 0, kafka_short_wait_p99_ms = 0;
};

// 1234567 -> "1,234,567".
std::string Grouped(int64_t value) {
  std::string digits = std::to_string(value < 0 ? -value : value);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(i, ",");
  return value < 0 ? "-" + digits : digits;
}
std::string Rate(double value) {
  if (value <= 0) return "-";
  return Grouped(static_cast<int64_t>(value + 0.5));
}
std::string Ms(double value) { return fmt::format("{:.1f}", value); }
std::string Percent(double part, double whole) {
  if (part <= 0 || whole <= 0) return "-";
  return fmt::format("{:.0f} %", 100.0 * part / whole);
}

std::string Machine() {
  std::string cpu;
  std::ifstream info("/proc/cpuinfo");
  for (std::string line; std::getline(info, line);) {
    if (line.rfind("model name", 0) == 0) {
      cpu = line.substr(line.find(':') + 2);
      break;
    }
  }
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page = sysconf(_SC_PAGE_SIZE);
  return fmt::format("{}, {} cores, {:.0f} GiB", cpu, sysconf(_SC_NPROCESSORS_ONLN),
                     static_cast<double>(pages) * static_cast<double>(page) / (1 << 30));
}

// The 1-, 5- and 15-minute load averages: other work on the machine shows in every figure.
std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  double one = 0, five = 0, fifteen = 0;
  in >> one >> five >> fifteen;
  return fmt::format("{:.2f} {:.2f} {:.2f}", one, five, fifteen);
}

// A small night's submissions, to give the raw benchmarks messages of the real size.
std::vector<v1::Submission> SampleSubmissions(int64_t stations) {
  std::vector<v1::Submission> out;
  auto registry = hub::GenerateRegistry({.stations = stations, .seed = 2021});
  if (!registry.ok()) return out;
  auto plan = hub::DrawPlan(**registry, {.seed = 2021, .malformed_rate = 0, .resend_rate = 0});
  if (!plan.ok()) return out;
  for (auto& planned : plan->submissions) out.push_back(std::move(planned.submission));
  return out;
}

Result<RawFigures> RunRaw(bool quick, int partitions, int streams, int64_t window) {
  RawFigures raw;
  auto samples = SampleSubmissions(quick ? 2'000 : 20'000);
  if (samples.empty()) return Status::Error("cannot draw sample submissions");
  std::cout << "== raw limits (" << samples.size() << " sample submissions of "
            << samples[0].ByteSizeLong() << " bytes)\n"
            << std::flush;
  auto echo = GrpcEchoRate(samples, streams, window);
  if (!echo.ok()) return echo.status();
  raw.grpc_echo = *echo;
  std::cout << "   gRPC echo " << Rate(raw.grpc_echo) << "/s\n" << std::flush;
  auto kafka = KafkaRate(samples, quick ? 20'000 : 100'000, partitions, quick ? 10 : 50);
  if (!kafka.ok()) return kafka.status();
  raw.kafka_produce = kafka->produce_per_second;
  raw.kafka_consume = kafka->consume_per_second;
  raw.kafka_latency_p50_ms = kafka->latency_p50_ms;
  raw.kafka_latency_p99_ms = kafka->latency_p99_ms;
  raw.kafka_short_wait_p50_ms = kafka->short_wait_latency_p50_ms;
  raw.kafka_short_wait_p99_ms = kafka->short_wait_latency_p99_ms;
  std::cout << "   Kafka produce " << Rate(raw.kafka_produce) << "/s, consume "
            << Rate(raw.kafka_consume) << "/s (" << kafka->consumed << " of " << kafka->produced
            << " records read)\n"
            << std::flush;
  auto redis = RedisApplyScriptRate(samples[0], quick ? 20'000 : 200'000);
  if (!redis.ok()) return redis.status();
  raw.redis_apply = *redis;
  std::cout << "   Redis apply.lua " << Rate(raw.redis_apply) << "/s\n" << std::flush;
  return raw;
}

class Table {
 public:
  explicit Table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
  void Row(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void Section(const std::string& title) { rows_.push_back({"", title}); }
  void Print(std::ostream& out) const {
    std::vector<size_t> width;
    for (const auto& row : rows_) {
      if (row.size() == 2 && row[0].empty()) continue;
      for (size_t i = 0; i < row.size(); ++i) {
        if (width.size() <= i) width.push_back(0);
        width[i] = std::max(width[i], row[i].size());
      }
    }
    for (const auto& row : rows_) {
      if (row.size() == 2 && row[0].empty()) {
        out << row[1] << "\n";
        continue;
      }
      for (size_t i = 0; i < row.size(); ++i) {
        // The first column reads left to right, figures line up on the right.
        out << (i == 0 ? fmt::format("  {:<{}}", row[i], width[i])
                       : fmt::format("  {:>{}}", row[i], width[i]));
      }
      out << "\n";
    }
  }

 private:
  std::vector<std::vector<std::string>> rows_;
};

void PrintTable(const std::optional<RawFigures>& raw, const std::vector<E2eFigures>& runs,
                int streams, int64_t window, const std::string& load_before) {
  std::cout << "\n== Hattama benchmark: " << Machine() << "; load average " << load_before
            << " at the start, " << LoadAverage() << " at the end\n";
  std::vector<std::string> header = {"figure"};
  for (const auto& run : runs) header.push_back(Grouped(run.stations) + " stations");
  if (runs.empty()) header.push_back("rate");
  Table table(header);
  auto row = [&](const std::string& name, auto value) {
    std::vector<std::string> cells = {name};
    for (const auto& run : runs) cells.push_back(value(run));
    table.Row(cells);
  };
  double slowest = 0;
  if (raw) {
    slowest = std::min({raw->grpc_echo, raw->kafka_produce, raw->kafka_consume, raw->redis_apply});
    table.Section("raw limits of the parts (per second)");
    auto raw_row = [&](const std::string& name, double value) {
      std::vector<std::string> cells = {name};
      for (size_t i = 0; i < std::max<size_t>(1, runs.size()); ++i) cells.push_back(Rate(value));
      table.Row(cells);
    };
    raw_row(fmt::format("gRPC stream echo ({} streams, window {})", streams, window),
            raw->grpc_echo);
    raw_row("Kafka produce (mock cluster, idempotent, acks=all)", raw->kafka_produce);
    raw_row("Kafka consume (one group member)", raw->kafka_consume);
    raw_row("Redis apply.lua by EVALSHA (8 clients, -P 16)", raw->redis_apply);
    auto ms_row = [&](const std::string& name, double p50, double p99) {
      std::vector<std::string> cells = {name};
      for (size_t i = 0; i < std::max<size_t>(1, runs.size()); ++i) {
        cells.push_back(Ms(p50) + " / " + Ms(p99));
      }
      table.Row(cells);
    };
    ms_row("Kafka one record produce -> consumed p50 / p99, ms", raw->kafka_latency_p50_ms,
           raw->kafka_latency_p99_ms);
    ms_row("  the same with fetch.wait.max.ms=5", raw->kafka_short_wait_p50_ms,
           raw->kafka_short_wait_p99_ms);
  }
  if (!runs.empty()) {
    table.Section("the night");
    row("protocols (station x contest)",
        [](const E2eFigures& r) { return Rate(r.night_protocols); });
    row("stations the night sent covers",
        [](const E2eFigures& r) { return Rate(r.night_stations); });
    row("election night peak (busiest minute), /s",
        [](const E2eFigures& r) { return fmt::format("{:.1f}", r.peak_per_second); });
    table.Section("flat out: hub -> ingestion -> Kafka -> aggregation -> Redis -> publication");
    row("submissions sent", [](const E2eFigures& r) { return Rate(r.flat.sent); });
    row("accepted at ingestion, /s",
        [](const E2eFigures& r) { return Rate(r.flat.accepted_per_second); });
    if (raw) {
      row("  of gRPC echo",
          [&](const E2eFigures& r) { return Percent(r.flat.answered_per_second, raw->grpc_echo); });
      row("  of Kafka produce", [&](const E2eFigures& r) {
        return Percent(r.flat.accepted_per_second, raw->kafka_produce);
      });
    }
    row("counted, visible in publication, /s",
        [](const E2eFigures& r) { return Rate(r.flat.visible_per_second); });
    if (raw) {
      row("  of Kafka consume", [&](const E2eFigures& r) {
        return Percent(r.flat.visible_per_second, raw->kafka_consume);
      });
      row("  of Redis apply.lua", [&](const E2eFigures& r) {
        return Percent(r.flat.visible_per_second, raw->redis_apply);
      });
      row("  end to end, of the slowest raw part",
          [&](const E2eFigures& r) { return Percent(r.flat.visible_per_second, slowest); });
    }
    row("send -> answer p50 / p99, ms", [](const E2eFigures& r) {
      return Ms(r.flat.answer_p50_ms) + " / " + Ms(r.flat.answer_p99_ms);
    });
    row("send -> visible p50 / p99, ms", [](const E2eFigures& r) {
      return Ms(r.flat.visible_p50_ms) + " / " + Ms(r.flat.visible_p99_ms);
    });
    table.Section("paced at ten times the night's peak");
    auto paced = [](auto f) {
      return [f](const E2eFigures& r) { return r.paced ? f(*r.paced) : std::string("-"); };
    };
    row("offered rate, /s", paced([](const PhaseFigures& p) { return Rate(p.rate); }));
    row("submissions sent", paced([](const PhaseFigures& p) { return Rate(p.sent); }));
    row("send -> answer p50 / p99, ms", paced([](const PhaseFigures& p) {
          return Ms(p.answer_p50_ms) + " / " + Ms(p.answer_p99_ms);
        }));
    row("send -> visible p50 / p99, ms", paced([](const PhaseFigures& p) {
          return Ms(p.visible_p50_ms) + " / " + Ms(p.visible_p99_ms);
        }));
    row("send -> visible max, ms",
        paced([](const PhaseFigures& p) { return Ms(p.visible_max_ms); }));
    row("samples (not visible) / poll resolution ms", paced([](const PhaseFigures& p) {
          return fmt::format("{} ({}) / {:.1f}", p.samples, p.samples_not_visible, p.resolution_ms);
        }));
    table.Section("peak RSS (VmHWM), MiB");
    for (const char* part :
         {"redis-server", "devkafka", "ingestion", "aggregation", "publication"}) {
      row(part, [part](const E2eFigures& r) {
        auto it = r.peak_rss_kb.find(part);
        return it == r.peak_rss_kb.end() || it->second < 0
                   ? std::string("-")
                   : fmt::format("{:.0f}", it->second / 1024.0);
      });
    }
    row("Redis keys / used memory MiB", [](const E2eFigures& r) {
      return Grouped(r.redis_keys) + fmt::format(" / {:.0f}", r.redis_used_memory / 1048576.0);
    });
    table.Section("CPU seconds over the whole run (user + system)");
    for (const char* part :
         {"redis-server", "devkafka", "ingestion", "aggregation", "publication"}) {
      row(part, [part](const E2eFigures& r) {
        auto it = r.cpu_seconds.find(part);
        return it == r.cpu_seconds.end() || it->second < 0 ? std::string("-")
                                                           : fmt::format("{:.1f}", it->second);
      });
    }
    bool any_read = false;
    for (const auto& run : runs) any_read = any_read || run.read.has_value();
    if (any_read) {
      table.Section("reads: area totals (issue #6), /s");
      auto read = [](auto f) {
        return [f](const E2eFigures& r) { return r.read ? f(*r.read) : std::string("-"); };
      };
      row("GetAreaTotals over gRPC",
          read([](const ReadRates& x) { return Rate(x.grpc_per_second); }));
      row("/v1/GetAreaTotals over HTTP",
          read([](const ReadRates& x) { return Rate(x.http_per_second); }));
      row("redis-benchmark GET (50 clients)",
          read([](const ReadRates& x) { return Rate(x.redis_get_per_second); }));
      row("redis-benchmark GET (50 clients, -P 16)",
          read([](const ReadRates& x) { return Rate(x.redis_get_pipelined_per_second); }));
      row("  gRPC totals of Redis GET", read([](const ReadRates& x) {
            return Percent(x.grpc_per_second, x.redis_get_per_second);
          }));
      row("failed read requests", read([](const ReadRates& x) { return Rate(x.errors); }));
    }
  }
  table.Print(std::cout);
  std::cout << std::flush;
}

std::vector<int64_t> ParseStations(const std::string& list) {
  std::vector<int64_t> out;
  std::stringstream in(list);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) out.push_back(std::stoll(item));
  }
  return out;
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
  bool quick = false;
  // The flags set these for every registry size; the defaults are E2eOptions' own.
  E2eOptions base;
  double read_seconds = 5;
  auto add_common = [&](CLI::App* sub) {
    // No HATTAMA_STATIONS fallback: the services read that one as the registry's CSV path.
    sub->add_option("--stations", stations_list,
                    "Registry sizes to run end to end, comma separated")
        ->capture_default_str();
    sub->add_flag("--quick", quick,
                  "A short run: 10,000 stations unless --stations says otherwise, shorter paced "
                  "and read runs, smaller raw benchmarks");
    hattama::config::AddFlag(*sub, "work-dir", base.work_dir,
                             "Where registries (reused between runs) and logs go (default: "
                             "/tmp/hattama-bench)");
    hattama::config::AddFlag(*sub, "partitions", base.partitions, "Partitions of each Kafka topic");
    hattama::config::AddFlag(*sub, "streams", base.streams, "Concurrent hub streams");
    hattama::config::AddFlag(*sub, "window", base.window, "Unanswered submissions per stream");
    hattama::config::AddFlag(*sub, "paced-seconds", base.paced_seconds,
                             "Length of the run at ten times the night's peak (0: none)");
    hattama::config::AddFlag(*sub, "send-limit", base.send_limit,
                             "The flat-out run sends at most this many submissions of the night "
                             "(0: all); the registry stays whole");
    hattama::config::AddFlag(*sub, "night-stations", base.night_stations,
                             "The night sent covers at most this many stations, every k-th of "
                             "the registry (0: all); services still load the whole registry");
    hattama::config::AddFlag(*sub, "samples", base.samples,
                             "Submissions per run watched from send until visible");
    hattama::config::AddFlag(*sub, "read-seconds", read_seconds,
                             "Length of each read benchmark (gRPC, HTTP)");
  };
  auto* all = app.add_subcommand("all", "Raw limits, end to end with reads, memory");
  auto* raw_cmd = app.add_subcommand("raw", "Raw limits of the parts only");
  auto* e2e = app.add_subcommand("e2e", "End to end and memory, without reads");
  auto* read = app.add_subcommand("read", "Load the night flat out, then the read benchmark");
  for (auto* sub : {all, raw_cmd, e2e, read}) add_common(sub);
  if (auto code = hattama::config::Parse(app, argc, argv)) return *code;

  if (quick) {
    if (stations_list == "10000,1000000") stations_list = "10000";
    base.paced_seconds = std::min(base.paced_seconds, 10.0);
    read_seconds = std::min(read_seconds, 2.0);
    base.samples = std::min<int64_t>(base.samples, 500);
  }
  if (base.work_dir.empty()) base.work_dir = "/tmp/hattama-bench";
  std::filesystem::create_directories(base.work_dir);

  const std::string load_before = LoadAverage();
  std::optional<RawFigures> raw;
  if (all->parsed() || raw_cmd->parsed()) {
    auto figures = RunRaw(quick, base.partitions, base.streams, base.window);
    if (!figures.ok()) {
      std::cerr << "raw benchmarks failed: " << figures.status().message() << "\n";
      return 1;
    }
    raw = *figures;
  }
  std::vector<E2eFigures> runs;
  if (!raw_cmd->parsed()) {
    for (int64_t stations : ParseStations(stations_list)) {
      std::cout << "== end to end, " << stations << " stations\n" << std::flush;
      E2eOptions options = base;
      options.stations = stations;
      if (read->parsed()) options.paced_seconds = 0;
      options.read = !e2e->parsed();
      options.read_options.duration =
          std::chrono::milliseconds(static_cast<int64_t>(read_seconds * 1000));
      options.read_options.redis_requests = quick ? 50'000 : 200'000;
      auto figures = RunEndToEnd(options);
      if (!figures.ok()) {
        std::cerr << "end-to-end run of " << stations
                  << " stations failed: " << figures.status().message() << "\n";
        return 1;
      }
      runs.push_back(*figures);
    }
  }
  PrintTable(raw, runs, base.streams, base.window, load_before);
  return 0;
}
