#include "bench/table.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <iostream>

#include "bench/read.h"

namespace hattama::bench {
namespace {

std::string Rate(double value) {
  if (value <= 0) return "-";
  return Grouped(static_cast<int64_t>(value + 0.5));
}
std::string Ms(double value) { return fmt::format("{:.1f}", value); }
std::string MsPair(double p50, double p99) { return Ms(p50) + " / " + Ms(p99); }

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

// Rows of cells, figures aligned right; a section title is a row of its own.
class Table {
 public:
  explicit Table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
  void Row(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void Section(const std::string& title) { rows_.push_back({"", title}); }
  void Print(std::ostream& out) const {
    std::vector<size_t> width;
    for (const auto& row : rows_) {
      if (IsSection(row)) continue;
      for (size_t i = 0; i < row.size(); ++i) {
        if (width.size() <= i) width.push_back(0);
        width[i] = std::max(width[i], row[i].size());
      }
    }
    for (const auto& row : rows_) {
      if (IsSection(row)) {
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
  static bool IsSection(const std::vector<std::string>& row) {
    return row.size() == 2 && row[0].empty();
  }
  std::vector<std::vector<std::string>> rows_;
};

// Adds rows with one cell per end-to-end run (or one cell when there are none: raw figures only).
class Rows {
 public:
  Rows(Table& table, const std::vector<E2eFigures>& runs) : table_(table), runs_(runs) {}

  // `cell(run)`: run is null when the table has raw figures only.
  void Add(const std::string& name, const std::function<std::string(const E2eFigures*)>& cell) {
    std::vector<std::string> cells = {name};
    if (runs_.empty()) cells.push_back(cell(nullptr));
    for (const auto& run : runs_) cells.push_back(cell(&run));
    table_.Row(std::move(cells));
  }
  // The same figure in every column (a raw figure, measured once).
  void Same(const std::string& name, const std::string& value) {
    Add(name, [&](const E2eFigures*) { return value; });
  }
  // "  of <name>": part / whole in percent. A whole that is a raw limit (`ceiling`) below what
  // Hattama achieved through it is marked: that measurement is not a limit.
  void Ratio(const std::string& name, const std::function<double(const E2eFigures&)>& part,
             double whole, bool ceiling = true) {
    Add("  of " + name, [&](const E2eFigures* run) -> std::string {
      return run == nullptr ? "-" : Percent(part(*run), whole, ceiling);
    });
  }
  // The same, for a part measured once (a raw figure).
  void Ratio(const std::string& name, double part, double whole, bool ceiling = true) {
    if (runs_.empty()) {
      table_.Row({"  of " + name, Percent(part, whole, ceiling)});
      return;
    }
    Ratio(
        name, [part](const E2eFigures&) { return part; }, whole, ceiling);
  }
  bool exceeded() const { return exceeded_; }

 private:
  std::string Percent(double part, double whole, bool ceiling) {
    if (part <= 0 || whole <= 0) return "-";
    const bool exceeded = ceiling && part > whole;
    exceeded_ = exceeded_ || exceeded;
    return fmt::format("{:.0f} %{}", 100.0 * part / whole, exceeded ? " !" : "");
  }

  Table& table_;
  const std::vector<E2eFigures>& runs_;
  bool exceeded_ = false;
};

void RawReadRows(Rows& rows, Table& table, const RawFigures& raw) {
  table.Section(fmt::format(
      "raw limits of the read path, per second: {} client threads, one request in flight each",
      kReadClients));
  rows.Same("gRPC unary echo", Rate(raw.grpc_unary_echo));
  rows.Same("Redis GET", Rate(raw.redis_get));
}

// Issue #14 item 2: how fast a Redis lost on election night is rebuilt from the log.
constexpr double kRebuildTargetPerSecond = 100000;

void RawRows(Rows& rows, Table& table, const RawFigures& raw, const TableContext& context) {
  if (raw.grpc_stream_echo <= 0) {  // `hattama-bench read`: the read path's limits only.
    RawReadRows(rows, table, raw);
    return;
  }
  table.Section("raw limits of the write path, per second: each part alone, by a plain client");
  rows.Same(fmt::format("gRPC stream echo, answers ({} streams, window {})", context.streams,
                        context.window),
            Rate(raw.grpc_stream_echo));
  rows.Same("Kafka produce, plain librdkafka (idempotent, acks=all)", Rate(raw.kafka_produce));
  rows.Same("Kafka consume, plain librdkafka (one consumer, every partition)",
            Rate(raw.kafka_consume));
  rows.Same(fmt::format("Redis, the {} writes of a protocol, pipelined, protocols",
                        raw.redis_commands_per_protocol),
            Rate(raw.redis_protocol_writes));
  const auto slowest = raw.Slowest();
  rows.Same(fmt::format("the slowest raw part: {}", slowest.name), Rate(slowest.rate));
  RawReadRows(rows, table, raw);
  table.Section("Kafka, one record produce -> consumed, p50 / p99 ms (producer linger 5 ms)");
  rows.Same("  consumer fetch wait as Hattama's",
            MsPair(raw.kafka_latency_p50_ms, raw.kafka_latency_p99_ms));
  rows.Same("  fetch.wait.max.ms=5",
            MsPair(raw.kafka_short_wait_p50_ms, raw.kafka_short_wait_p99_ms));
  table.Section("Hattama's own part (not a raw limit), per second");
  rows.Same("aggregation's fold + write step, one member, batches of 500, protocols",
            Rate(raw.apply_script));
  rows.Ratio("the Redis writes of a protocol", raw.apply_script, raw.redis_protocol_writes, false);
  rows.Same(fmt::format("hattama-aggregation --rebuild of {} records into an empty Redis, records, "
                        "one lane",
                        raw.rebuild_records),
            Rate(raw.rebuild));
  rows.Same(
      fmt::format("  {} lanes (--rebuild-lanes, default: one a core)", raw.rebuild_lane_count),
      Rate(raw.rebuild_lanes));
  rows.Ratio(fmt::format("the {:.0f} aimed at", kRebuildTargetPerSecond), raw.rebuild_lanes,
             kRebuildTargetPerSecond, false);
  // What bounds it whatever the lanes: the CPU a record, against the cores there are.
  rows.Same("  CPU a record, one lane, us: rebuilding / redis-server",
            fmt::format("{:.1f} / {:.1f}", raw.rebuild_member_cpu_us, raw.rebuild_redis_cpu_us));
}

void FlatOutRows(Rows& rows, Table& table, const std::optional<RawFigures>& raw) {
  table.Section("flat out: hub -> ingestion -> Kafka -> aggregation -> Redis -> publication");
  rows.Add("submissions sent", [](const E2eFigures* r) { return Rate(r->flat.sent); });
  rows.Add("answered by ingestion, /s",
           [](const E2eFigures* r) { return Rate(r->flat.answered_per_second); });
  if (raw) {
    rows.Ratio(
        "gRPC stream echo", [](const E2eFigures& r) { return r.flat.answered_per_second; },
        raw->grpc_stream_echo);
  }
  rows.Add("accepted (durably in Kafka), /s",
           [](const E2eFigures* r) { return Rate(r->flat.accepted_per_second); });
  if (raw) {
    rows.Ratio(
        "Kafka produce", [](const E2eFigures& r) { return r.flat.accepted_per_second; },
        raw->kafka_produce);
  }
  rows.Add("counted, visible in publication, /s",
           [](const E2eFigures* r) { return Rate(r->flat.visible_per_second); });
  if (raw) {
    auto counted = [](const E2eFigures& r) { return r.flat.visible_per_second; };
    rows.Ratio("Kafka consume", counted, raw->kafka_consume);
    rows.Ratio("the Redis writes of a protocol", counted, raw->redis_protocol_writes);
    const auto slowest = raw->Slowest();
    rows.Ratio(fmt::format("the slowest raw part ({}): end to end", slowest.name), counted,
               slowest.rate);
    rows.Ratio("aggregation's fold step", counted, raw->apply_script, false);
  }
  rows.Add("the whole night at that rate, s", [](const E2eFigures* r) {
    return r->flat.visible_per_second <= 0
               ? std::string("-")
               : fmt::format("{:.1f}",
                             static_cast<double>(r->night_protocols) / r->flat.visible_per_second);
  });
  rows.Add("send -> answer p50 / p99, ms", [](const E2eFigures* r) {
    return MsPair(r->flat.answer_p50_ms, r->flat.answer_p99_ms);
  });
  rows.Add("send -> visible p50 / p99, ms", [](const E2eFigures* r) {
    return MsPair(r->flat.visible_p50_ms, r->flat.visible_p99_ms);
  });
}

void TlogRows(Rows& rows, Table& table) {
  table.Section("transparency log (hattama-tlog), the flat-out run");
  rows.Add("leaves in the last checkpoint / records accepted", [](const E2eFigures* r) {
    return Grouped(r->tlog.leaves) + " / " + Grouped(r->tlog.expected_leaves);
  });
  rows.Add("log appends while the run fed it, /s", [](const E2eFigures* r) {
    if (r->tlog.appends_per_second <= 0) return std::string("-");
    return fmt::format("{} ({:.0f} % of counted)", Rate(r->tlog.appends_per_second),
                       100.0 * r->tlog.appends_per_second / r->flat.visible_per_second);
  });
  rows.Add("last leaf signed, s after the last protocol counted", [](const E2eFigures* r) {
    return r->tlog.log_after_counted_s ? fmt::format("{:+.2f}", *r->tlog.log_after_counted_s)
                                       : std::string("never");
  });
  rows.Add("checkpoint delay p50 / p99, ms (accepted -> signed)", [](const E2eFigures* r) {
    return MsPair(r->tlog.checkpoint_delay_p50_ms, r->tlog.checkpoint_delay_p99_ms);
  });
  rows.Add(fmt::format("  samples / poll resolution ms"), [](const E2eFigures* r) {
    return fmt::format("{} / {}", r->tlog.delay_samples, kCheckpointPollInterval.count());
  });
  // Proofs are asked for only with the reads: "-" without them.
  auto proof_pair = [](double p50, double p99, const E2eFigures& r) {
    return r.tlog.proofs_per_second <= 0 ? std::string("-")
                                         : fmt::format("{:.2f} / {:.2f}", p50, p99);
  };
  rows.Add(fmt::format("inclusion proof p50 / p99, ms ({} client threads, flat out)", kReadClients),
           [&](const E2eFigures* r) {
             return proof_pair(r->tlog.proof_p50_ms, r->tlog.proof_p99_ms, *r);
           });
  rows.Add("inclusion proof p50 / p99, ms (one client thread)", [&](const E2eFigures* r) {
    return proof_pair(r->tlog.single_proof_p50_ms, r->tlog.single_proof_p99_ms, *r);
  });
  rows.Add(fmt::format("inclusion proofs, /s ({} client threads; failed)", kReadClients),
           [](const E2eFigures* r) {
             return fmt::format("{} ({})", Rate(r->tlog.proofs_per_second), r->tlog.proof_errors);
           });
  rows.Add("tiles on disk, bytes per leaf: entries + hashes (allocated)", [](const E2eFigures* r) {
    if (r->tlog.leaves <= 0) return std::string("-");
    const auto leaves = static_cast<double>(r->tlog.leaves);
    return fmt::format("{:.0f} + {:.1f} ({:.0f})", r->tlog.entry_bytes / leaves,
                       r->tlog.hash_bytes / leaves, r->tlog.allocated_bytes / leaves);
  });
}

void PacedRows(Rows& rows, Table& table) {
  table.Section("paced at ten times the night's peak");
  auto paced = [](auto f) {
    return [f](const E2eFigures* r) { return r->paced ? f(*r->paced) : std::string("-"); };
  };
  rows.Add("offered rate, /s", paced([](const PhaseFigures& p) { return Rate(p.rate); }));
  rows.Add("  each hub stream sending what fell due in ticks of, ms",
           paced([](const PhaseFigures& p) { return fmt::format("{:g}", p.send_tick_ms); }));
  rows.Add("submissions sent", paced([](const PhaseFigures& p) { return Rate(p.sent); }));
  rows.Add("send -> answer p50 / p99, ms",
           paced([](const PhaseFigures& p) { return MsPair(p.answer_p50_ms, p.answer_p99_ms); }));
  rows.Add("send -> visible p50 / p99, ms",
           paced([](const PhaseFigures& p) { return MsPair(p.visible_p50_ms, p.visible_p99_ms); }));
  rows.Add("send -> visible max, ms",
           paced([](const PhaseFigures& p) { return Ms(p.visible_max_ms); }));
  rows.Add("samples (not visible) / poll resolution ms", paced([](const PhaseFigures& p) {
             return fmt::format("{} ({}) / {:.1f}", p.samples, p.samples_not_visible,
                                p.resolution_ms);
           }));
}

void ResourceRows(Rows& rows, Table& table) {
  static const char* const kParts[] = {"redis-server", "devkafka",    "ingestion",
                                       "aggregation",  "publication", "tlog"};
  table.Section("peak RSS (VmHWM), MiB; aggregation: its largest member");
  for (const char* part : kParts) {
    rows.Add(part, [part](const E2eFigures* r) {
      auto it = r->peak_rss_kb.find(part);
      return it == r->peak_rss_kb.end() || it->second < 0
                 ? std::string("-")
                 : fmt::format("{:.0f}", it->second / 1024.0);
    });
  }
  rows.Add("Redis keys / used memory MiB", [](const E2eFigures* r) {
    return Grouped(r->redis_keys) + fmt::format(" / {:.0f}", r->redis_used_memory / 1048576.0);
  });
  table.Section("CPU seconds over the whole run (user + system); aggregation: all its members");
  for (const char* part : kParts) {
    rows.Add(part, [part](const E2eFigures* r) {
      auto it = r->cpu_seconds.find(part);
      return it == r->cpu_seconds.end() || it->second < 0 ? std::string("-")
                                                          : fmt::format("{:.1f}", it->second);
    });
  }
}

void ReadRows(Rows& rows, Table& table, const std::optional<RawFigures>& raw) {
  table.Section(fmt::format("reads: area totals (issue #6), /s, {} client threads", kReadClients));
  auto read = [](auto f) {
    return [f](const E2eFigures* r) { return r->read ? f(*r->read) : std::string("-"); };
  };
  auto grpc = [](const E2eFigures& r) { return r.read ? r.read->grpc_per_second : 0.0; };
  auto http = [](const E2eFigures& r) { return r.read ? r.read->http_per_second : 0.0; };
  rows.Add("GetAreaTotals over gRPC",
           read([](const ReadRates& x) { return Rate(x.grpc_per_second); }));
  if (raw) {
    rows.Ratio("gRPC unary echo", grpc, raw->grpc_unary_echo);
    rows.Ratio("Redis GET", grpc, raw->redis_get);
  }
  rows.Add("/v1/GetAreaTotals over HTTP",
           read([](const ReadRates& x) { return Rate(x.http_per_second); }));
  if (raw) rows.Ratio("Redis GET", http, raw->redis_get);
  rows.Add("GetElection over gRPC, one client every 20 ms, p50 / p99 / max ms",
           read([](const ReadRates& x) {
             return MsPair(x.sync_p50_ms, x.sync_p99_ms) + " / " + Ms(x.sync_max_ms);
           }));
  rows.Add("failed read requests", read([](const ReadRates& x) { return Rate(x.errors); }));
}

// Issue #14 item 4, each column's registry (null: not measured for that column).
void RegistryRows(Table& table, const std::vector<const RegistryFigures*>& columns) {
  table.Section("the registry's memory and start-up, each in a fresh process (issue #14 item 4)");
  auto row = [&](const std::string& name,
                 const std::function<std::string(const RegistryFigures&)>& cell) {
    std::vector<std::string> cells = {name};
    for (const auto* r : columns) cells.push_back(r == nullptr ? "-" : cell(*r));
    table.Row(std::move(cells));
  };
  auto of = [](double part, double whole) { return fmt::format("{:.0f} %", 100.0 * part / whole); };
  auto mib = [](int64_t kb) { return static_cast<double>(kb) / 1024.0; };
  row("hattama-hub generate, s",
      [](const RegistryFigures& r) { return fmt::format("{:.2f}", r.generate_seconds); });
  row(fmt::format("  of the {:.0f} s aimed at (a million stations)", kGenerateTargetSeconds),
      [&](const RegistryFigures& r) { return of(r.generate_seconds, kGenerateTargetSeconds); });
  row("hattama-hub generate, peak RSS MiB",
      [&](const RegistryFigures& r) { return fmt::format("{:.0f}", mib(r.generate_peak_kb)); });
  row(fmt::format("  of the {:.0f} MiB aimed at", kGenerateTargetMiB),
      [&](const RegistryFigures& r) { return of(mib(r.generate_peak_kb), kGenerateTargetMiB); });
  row("Registry::Load as a service starts, s (CPU s of the whole process)",
      [](const RegistryFigures& r) {
        return fmt::format("{:.2f} ({:.2f})", r.load_seconds, r.load_cpu_seconds);
      });
  row(fmt::format("  of the {:.0f} s aimed at", kRegistryLoadTargetSeconds),
      [&](const RegistryFigures& r) { return of(r.load_seconds, kRegistryLoadTargetSeconds); });
  row("peak RSS with the registry loaded, MiB (before loading)", [&](const RegistryFigures& r) {
    return fmt::format("{:.0f} ({:.0f})", mib(r.load_peak_kb), mib(r.before_load_kb));
  });
  row(fmt::format("  of the {:.0f} MiB aimed at", kRegistryTargetMiB),
      [&](const RegistryFigures& r) { return of(mib(r.load_peak_kb), kRegistryTargetMiB); });
}

}  // namespace

std::string Grouped(int64_t value) {
  std::string digits = std::to_string(value < 0 ? -value : value);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(i, ",");
  return value < 0 ? "-" + digits : digits;
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  double one = 0, five = 0, fifteen = 0;
  in >> one >> five >> fifteen;
  return fmt::format("{:.2f} {:.2f} {:.2f}", one, five, fifteen);
}

void PrintTable(const std::optional<RawFigures>& raw, const std::vector<E2eFigures>& runs,
                const TableContext& context, const std::vector<RegistryFigures>& registries) {
  std::cout << "\n== Hattama benchmark: " << Machine() << "; load average " << context.load_before
            << " at the start, " << LoadAverage() << " at the end\n";
  std::vector<std::string> header = {"figure"};
  for (const auto& run : runs) header.push_back(Grouped(run.stations) + " stations");
  // Without runs, each registry measured is a column.
  std::vector<const RegistryFigures*> registry_columns;
  for (const auto& run : runs) {
    auto same = std::find_if(registries.begin(), registries.end(),
                             [&](const RegistryFigures& r) { return r.stations == run.stations; });
    registry_columns.push_back(same == registries.end() ? nullptr : &*same);
  }
  if (runs.empty()) {
    for (const auto& registry : registries) {
      header.push_back(Grouped(registry.stations) + " stations");
      registry_columns.push_back(&registry);
    }
  }
  if (runs.empty() && registries.empty()) header.push_back("rate");
  Table table(header);
  Rows rows(table, runs);
  if (raw) RawRows(rows, table, *raw, context);
  if (!runs.empty()) {
    table.Section("the night");
    rows.Add("protocols (station x contest)",
             [](const E2eFigures* r) { return Rate(r->night_protocols); });
    rows.Add("stations the night sent covers",
             [](const E2eFigures* r) { return Rate(r->night_stations); });
    rows.Add("election night peak (busiest minute), /s",
             [](const E2eFigures* r) { return fmt::format("{:.1f}", r->peak_per_second); });
    rows.Add("Redis masters (1: one redis-server; more: a Redis Cluster)",
             [](const E2eFigures* r) { return std::to_string(r->redis_masters); });
    rows.Add("aggregation members (processes in the consumer group)",
             [](const E2eFigures* r) { return std::to_string(r->aggregation_members); });
    FlatOutRows(rows, table, raw);
    TlogRows(rows, table);
    PacedRows(rows, table);
    ResourceRows(rows, table);
    bool any_read = false;
    for (const auto& run : runs) any_read = any_read || run.read.has_value();
    if (any_read) ReadRows(rows, table, raw);
  }
  if (!registries.empty()) RegistryRows(table, registry_columns);
  table.Print(std::cout);
  if (rows.exceeded()) {
    std::cout << "! Hattama achieved more through that part than its raw row: that raw "
                 "measurement is not a limit.\n";
  }
  std::cout << std::flush;
}

}  // namespace hattama::bench
