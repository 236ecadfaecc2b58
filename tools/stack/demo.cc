// hattama-demo: a whole synthetic national election through the full stack on this machine.
// Generates the registry, starts redis-server, the embedded Kafka and the three services, lets
// the simulator stream every station x contest and check every published figure against its
// ground truth, then stops everything it started.
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "common/config/config.h"
#include "tools/stack/stack.h"

namespace {

using hattama::stack::BinaryPath;
using hattama::stack::Process;

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
      "(redis-server, the embedded Kafka, ingestion, aggregation, publication) and checks every "
      "published total against the simulator's ground truth. Exits 0 only if all match."};
  int stations = 10000;
  int seed = 2021;
  int hubs = 4;
  int partitions = 12;
  std::string work_dir;
  hattama::config::AddFlag(app, "station-count", stations, "Polling stations in the election");
  hattama::config::AddFlag(app, "seed", seed, "Seed of the synthetic election");
  hattama::config::AddFlag(app, "hubs", hubs, "Concurrent regional hubs streaming submissions");
  hattama::config::AddFlag(app, "partitions", partitions, "Partitions of each Kafka topic");
  bool keep = false;
  app.add_flag("--keep", keep,
               "Keep the stack running after the run, for a person to browse the portal; "
               "Ctrl-C stops it");
  hattama::config::AddFlag(app, "work-dir", work_dir,
                           "Where the registry, ground truth and logs go (default: a new "
                           "temporary directory, kept only if the demo fails)");
  if (auto code = hattama::config::Parse(app, argc, argv)) return *code;
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

  std::cout << "== starting redis-server, the embedded Kafka and the services\n" << std::flush;
  auto stack = hattama::stack::Stack::Start(
      {.registry_dir = work_dir,
       .partitions = partitions,
       .log_dir = work_dir + "/logs",
       // Every hub authenticates with its own token and may submit only for its regions.
       .hub_registry = work_dir + "/hubs.csv"});
  if (!stack.ok()) {
    std::cerr << "the stack did not start: " << stack.status().message() << "\n";
    for (const char* part : {"devkafka", "aggregation", "ingestion", "publication"}) {
      PrintLogTail(work_dir + "/logs/" + part + ".log");
    }
    if (temp) std::cerr << "(logs removed with " << work_dir << "; pass --work-dir to keep)\n";
    return 1;
  }
  std::cout << "   redis " << (*stack)->redis().address() << ", kafka "
            << (*stack)->kafka().bootstrap() << ", ingestion " << (*stack)->ingestion_address()
            << " (hubs authenticated by token: " << work_dir << "/hubs.csv)"
            << ", publication " << (*stack)->publication_address() << "\n"
            << std::flush;

  int code = RunTool({BinaryPath("hattama-hub"), "simulate", "--dir", work_dir, "--ingestion",
                      (*stack)->ingestion_address(), "--publication",
                      (*stack)->publication_address(), "--station-count", stations_text, "--seed",
                      seed_text, "--hubs", std::to_string(hubs)});
  if (code != 0) {
    for (const char* part : {"ingestion", "aggregation", "publication"}) {
      PrintLogTail(work_dir + "/logs/" + part + ".log");
    }
  }
  const std::string portal = "http://" + (*stack)->publication_http_address() + "/";
  std::cout << "== portal: " << portal << "\n" << std::flush;
  if (keep) {
    std::cout << "   the stack keeps running (--keep); Ctrl-C stops it\n" << std::flush;
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    int signal = 0;
    sigwait(&signals, &signal);
  }
  std::cout << "== stopping everything\n" << std::flush;
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
