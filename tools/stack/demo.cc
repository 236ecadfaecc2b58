// hattama-demo: a whole synthetic national election through the full stack on this machine.
// Generates the registry, starts redis-server (or with --redis-cluster a Redis Cluster of 3
// masters and 3 replicas), the embedded Kafka, the three services and the transparency log, lets
// the simulator stream every station x contest and check every published figure against its
// ground truth, then verifies the night as anyone could, with hattama-verify and the log's key
// alone (the recount and inclusion), and stops everything it started.
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>

#include "common/base/stop_signals.h"
#include "common/config/config.h"
#include "tools/hub/desk/demo_desk.h"
#include "tools/stack/nginx.h"
#include "tools/stack/reform_table.h"
#include "tools/stack/stack.h"

namespace {

using hattama::stack::BinaryPath;
using hattama::stack::Process;

// Synthetic protocol photos the demo's desk (--desk) holds ready to type.
constexpr size_t kDeskPhotos = 4;

// Runs a tool to its end with its output on our terminal; its exit code, or -1 if it cannot start.
int RunTool(std::vector<std::string> argv) {
  auto process = Process::Start({.argv = std::move(argv)});
  if (!process.ok()) {
    std::cerr << "cannot start " << argv[0] << ": " << process.status().message() << "\n";
    return -1;
  }
  auto code = (*process)->Wait(std::chrono::hours(24));
  return code.ok() ? *code : -1;
}

// Runs a tool to its end with its stdout echoed to ours; its exit code (-1 if it cannot start)
// and its last line, the summary hattama-verify ends with.
struct ToolRun {
  int code = -1;
  std::string last_line;
};
ToolRun RunToolForSummary(std::vector<std::string> argv) {
  const std::string name = argv[0];
  auto process = Process::Start({.argv = std::move(argv), .capture_stdout = true});
  if (!process.ok()) {
    std::cerr << "cannot start " << name << ": " << process.status().message() << "\n";
    return {};
  }
  ToolRun run;
  // Until the tool closes its output: a recount of a large night downloads for a while.
  for (auto line = (*process)->ReadLine(std::chrono::hours(24)); line.ok();
       line = (*process)->ReadLine(std::chrono::hours(24))) {
    std::cout << "   " << *line << "\n" << std::flush;
    run.last_line = *line;
  }
  auto code = (*process)->Wait(std::chrono::minutes(1));
  run.code = code.ok() ? *code : -1;
  return run;
}

// The first number group of `pattern` in `line`, or "?".
std::string Capture(const std::string& line, const std::string& pattern) {
  std::smatch match;
  return std::regex_search(line, match, std::regex(pattern)) ? match[1].str() : "?";
}

// The night checked as anyone can check it, with hattama-verify and the log's verifier key alone:
// the recount of the log's entries equals every total publication shows (each at the log position
// it states), and every answer of the night that says "logged" has an inclusion proof in the
// signed log. The recount goes first: it waits for publication to state the positions, by which
// time the log's checkpoint holds every accepted record. True when both hold.
bool VerifyNight(hattama::stack::Stack& stack, const std::string& registry_dir,
                 const std::string& answers) {
  const std::string verify = BinaryPath("hattama-verify");
  const std::vector<std::string> log = {"--log-url", "http://" + stack.tlog_http_address(),
                                        "--log-key", stack.tlog_verifier_key()};
  std::cout << "== verifying the night with hattama-verify and the log's key alone ("
            << stack.tlog_verifier_key() << ")\n   recount of every published total:\n"
            << std::flush;
  std::vector<std::string> recount_argv = {
      verify,       "recount",   "--publication-url", "http://" + stack.publication_http_address(),
      "--registry", registry_dir};
  recount_argv.insert(recount_argv.end(), log.begin(), log.end());
  const ToolRun recount = RunToolForSummary(recount_argv);
  std::cout << "   inclusion of every accepted answer (" << answers << "):\n" << std::flush;
  std::vector<std::string> inclusion_argv = {verify, "inclusion", answers};
  inclusion_argv.insert(inclusion_argv.end(), log.begin(), log.end());
  const ToolRun inclusion = RunToolForSummary(inclusion_argv);
  if (recount.code != 0 || inclusion.code != 0) {
    std::cout << "== the night does NOT verify: "
              << (recount.code != 0 ? "the recount does not equal the published totals"
                                    : "some accepted answers are not proven in the log")
              << "\n"
              << std::flush;
    return false;
  }
  std::cout << "== the night verifies: the log holds all "
            << Capture(inclusion.last_line, R"((\d+) of \d+ logged answers)")
            << " accepted protocols; the recount at tree size "
            << Capture(recount.last_line, R"(tree sizes? ([\d to]+\d))") << " equals all "
            << Capture(recount.last_line, R"(all (\d+) published totals)") << " published totals\n"
            << std::flush;
  return true;
}

void PrintLogTail(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  size_t from = lines.size() > 15 ? lines.size() - 15 : 0;
  std::cerr << "--- last lines of " << path << "\n";
  for (size_t i = from; i < lines.size(); ++i) std::cerr << lines[i] << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Runs a whole synthetic national election through the full Hattama stack on this machine "
      "(redis-server, the embedded Kafka, ingestion, aggregation, publication, the transparency "
      "log) and checks every published total against the simulator's ground truth, then "
      "verifies the night with hattama-verify: the recount of the log equals every published "
      "total, and every accepted answer is in the log. Exits 0 only if all of it holds."};
  int stations = 10000;
  int seed = 2021;
  int hubs = 4;
  int partitions = 12;
  std::string work_dir;
  bool redis_cluster = false;
  hattama::config::AddFlag(app, "station-count", stations, "Polling stations in the election");
  hattama::config::AddFlag(app, "seed", seed, "Seed of the synthetic election");
  hattama::config::AddFlag(app, "hubs", hubs, "Concurrent regional hubs streaming submissions");
  hattama::config::AddFlag(app, "partitions", partitions, "Partitions of each Kafka topic");
  app.add_flag("--redis-cluster", redis_cluster,
               "Run on a Redis Cluster of 3 masters and 3 replicas (every write waiting for its "
               "master's replica, --redis-replica-acks 1) instead of one redis-server")
      ->envname(hattama::config::EnvName("redis-cluster"));
  std::string scenario;
  hattama::config::AddFlag(app, "scenario", scenario,
                           "A named deployment scenario streamed instead of the drawn deployment "
                           "and checked exactly (non-zero exit on a mismatch): haq-2021, the "
                           "observers' report's mandate table per city (needs 5,000 stations or "
                           "more); default: none")
      ->check(CLI::IsMember({std::string(), std::string("haq-2021")}));
  bool desk = false;
  app.add_flag("--desk", desk,
               "After the night, start the hub's desk (hattama-hub desk) with three operators and "
               "a few synthetic protocol photos to type, for a person to try; implies --keep");
  bool keep = false;
  app.add_flag("--keep", keep,
               "Keep the stack running after the run, for a person to browse the portal; "
               "Ctrl-C stops it");
  std::string arrival = "shuffled";
  hattama::config::AddFlag(app, "arrival", arrival,
                           "Order the protocols arrive in: shuffled (over the whole country) or "
                           "cities-first (city voters give the first list 30 % fewer votes and "
                           "city protocols arrive first, the PVT sample's before all: the "
                           "'reported so far' estimate is then biased, the sample's is not)")
      ->check(CLI::IsMember({std::string("shuffled"), std::string("cities-first")}));
  hattama::config::AddFlag(app, "work-dir", work_dir,
                           "Where the registry, ground truth and logs go (default: a new "
                           "temporary directory, kept only if the demo fails)");
  if (auto code = hattama::config::Parse(app, argc, argv)) return *code;
  keep = keep || desk;
  std::signal(SIGPIPE, SIG_IGN);

  std::unique_ptr<hattama::stack::TempDir> temp;
  if (work_dir.empty()) {
    temp = std::make_unique<hattama::stack::TempDir>("hattama-demo");
    work_dir = temp->path();
  }
  std::filesystem::create_directories(work_dir);
  const std::string seed_text = std::to_string(seed);
  const std::string stations_text = std::to_string(stations);

  std::cout << "== generating a synthetic election: " << stations << " stations, seed " << seed
            << "\n"
            << std::flush;
  if (RunTool({BinaryPath("hattama-hub"), "generate", "--out", work_dir, "--station-count",
               stations_text, "--seed", seed_text, "--hubs", std::to_string(hubs)}) != 0) {
    return 1;
  }

  // The PVT sample, drawn before the night as observer groups draw it: publication publishes its
  // SHA-256 and the estimate from its stations beside the one from all stations reported so far.
  const std::string pvt_sample = work_dir + "/pvt-sample.txt";
  std::cout << "== drawing the PVT sample before the night\n" << std::flush;
  if (RunTool({BinaryPath("hattama-hub"), "draw-sample", "--dir", work_dir, "--seed", seed_text}) !=
      0) {
    return 1;
  }

  std::cout << "== starting "
            << (redis_cluster ? "a Redis Cluster (3 masters, 3 replicas)" : "redis-server")
            << ", the embedded Kafka, the services and the transparency log\n"
            << std::flush;
  auto stack = hattama::stack::Stack::Start(
      {.registry_dir = work_dir,
       .partitions = partitions,
       .log_dir = work_dir + "/logs",
       .redis_cluster_masters = redis_cluster ? 3 : 0,
       .redis_replica_acks = redis_cluster ? 1 : 0,
       // Every hub authenticates with its own token and may submit only for its regions.
       .hub_registry = work_dir + "/hubs.csv",
       // Every accepted record a leaf of the signed log, so that the night can be verified.
       .tlog = true,
       // With --keep, the portal's answers as files, and its page, for nginx to serve.
       .publication_flags =
           keep ? std::vector<std::string>{"--snapshot-dir", work_dir + "/data", "--portal-dir",
                                           work_dir + "/portal", "--pvt-sample", pvt_sample}
                : std::vector<std::string>{"--pvt-sample", pvt_sample}});
  if (!stack.ok()) {
    std::cerr << "the stack did not start: " << stack.status().message() << "\n";
    for (const char* part : {"devkafka", "aggregation", "ingestion", "publication", "tlog"}) {
      PrintLogTail(work_dir + "/logs/" + part + ".log");
    }
    if (temp) std::cerr << "(logs removed with " << work_dir << "; pass --work-dir to keep)\n";
    return 1;
  }
  std::cout << "   " << hattama::redis::Describe((*stack)->redis_options()) << ", kafka "
            << (*stack)->kafka().bootstrap() << ", ingestion " << (*stack)->ingestion_address()
            << " (hubs authenticated by token: " << work_dir << "/hubs.csv)"
            << ", publication " << (*stack)->publication_address() << ", transparency log http://"
            << (*stack)->tlog_http_address() << "\n"
            << std::flush;

  const std::string answers = work_dir + "/night.answers.jsonl";
  std::vector<std::string> simulate = {BinaryPath("hattama-hub"), "simulate", "--dir", work_dir};
  simulate.insert(simulate.end(),
                  {"--ingestion", (*stack)->ingestion_address(), "--publication",
                   (*stack)->publication_address(), "--station-count", stations_text, "--seed",
                   seed_text, "--hubs", std::to_string(hubs), "--answers", answers});
  // The scenario's deployment replaces the drawn one; simulate checks its table exactly and
  // prints it with the deployment per organisation.
  if (!scenario.empty()) simulate.insert(simulate.end(), {"--scenario", scenario});
  // On a cities-first night the sample's stations report first, as a PVT's observers do.
  simulate.insert(simulate.end(), {"--arrival", arrival, "--pvt-sample", pvt_sample});
  // The desk's photos are of stations the night leaves unreported: typed, they add protocols.
  if (desk) {
    auto held_back = hattama::desk::DemoDeskStations(work_dir, kDeskPhotos);
    if (!held_back.ok()) {
      std::cerr << "no stations for the desk: " << held_back.status().message() << "\n";
      return 1;
    }
    std::string ids;
    for (const std::string& id : *held_back) ids += (ids.empty() ? "" : ",") + id;
    std::cout << "== holding back " << held_back->size()
              << " stations for the hub's desk to type: " << ids << "\n"
              << std::flush;
    simulate.insert(simulate.end(), {"--hold-back", ids});
  }
  int code = RunTool(std::move(simulate));
  if (code == 0 && !VerifyNight(**stack, work_dir, answers)) code = 1;
  // The reforms the observers propose, computed on the night's counts (issue #16 item 3).
  if (code == 0 &&
      !hattama::stack::PrintReformTable((*stack)->publication_address(), "mazhilis", std::cout)) {
    code = 1;
  }
  if (code != 0) {
    for (const char* part : {"ingestion", "aggregation", "publication", "tlog"}) {
      PrintLogTail(work_dir + "/logs/" + part + ".log");
    }
  }
  const std::string api = "http://" + (*stack)->publication_http_address() + "/";
  std::unique_ptr<hattama::stack::Nginx> nginx;
  if (keep) {
    // The portal as the public gets it: nginx serving publication's snapshot files, never
    // reaching publication itself.
    auto started = hattama::stack::Nginx::Start(
        {.snapshot_dir = work_dir + "/data", .portal_dir = work_dir + "/portal"});
    if (started.ok()) {
      nginx = std::move(started).value();
    } else {
      std::cerr << "nginx did not start (" << started.status().message()
                << "); the portal is served by publication only\n";
    }
  }
  if (nginx) {
    std::cout << "== portal: " << nginx->url() << "/ (nginx, from the snapshot files in "
              << work_dir << "/data)\n== API and publication's own portal: " << api << "\n"
              << std::flush;
  } else {
    std::cout << "== portal: " << api << "\n" << std::flush;
  }
  // The desk stands apart from the night's verdict: a person may try it either way.
  std::unique_ptr<hattama::stack::Process> desk_process;
  if (desk) {
    auto started = hattama::desk::StartDemoDesk(work_dir, (*stack)->ingestion_address(),
                                                (*stack)->publication_address(), work_dir,
                                                kDeskPhotos, std::cout);
    if (started.ok()) {
      desk_process = std::move(started->process);
    } else {
      std::cerr << "the desk did not start: " << started.status().message() << "\n";
      code = 1;
    }
  }
  if (keep) {
    std::cout << "   the stack keeps running (--keep); Ctrl-C stops it\n" << std::flush;
    hattama::WaitForSignal(hattama::BlockStopSignals());
  }
  std::cout << "== stopping everything\n" << std::flush;
  desk_process.reset();
  nginx.reset();
  stack->reset();
  if (code != 0 && temp) {
    // Keep the evidence of a failed run: the registry, truth and logs.
    std::string kept = work_dir + "-failed";
    std::filesystem::rename(work_dir, kept);
    std::filesystem::create_directories(work_dir);
    std::cerr << "registry, ground truth and logs kept in " << kept << "\n";
  }
  return code == 0 ? 0 : 1;
}
