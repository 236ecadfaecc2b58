#include "bench/registry.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "tools/hub/simulator/registry_files.h"
#include "tools/stack/stack.h"

extern char** environ;

namespace hattama::bench {
namespace {

struct Finished {
  int exit_code = -1;
  double seconds = 0;
  int64_t peak_rss_kb = 0;  // VmHWM, the last read while it ran
  double cpu_seconds = 0;   // user + system
};

// A "<field>: <n> kB" line of /proc/<pid>/status ("self" for this process); -1 when there is none
// (the process ended).
int64_t StatusKb(const std::string& pid, std::string_view field) {
  std::ifstream status("/proc/" + pid + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind(field, 0) == 0 && line.size() > field.size() && line[field.size()] == ':') {
      return std::stoll(line.substr(field.size() + 1));
    }
  }
  return -1;
}

// Runs `argv` to its end with stdout (and stderr) appended to `output_path`. Its peak RSS is read
// from /proc every 2 ms while it runs: wait4's ru_maxrss would also count this process's pages,
// which a child shares until its exec replaces them.
Result<Finished> RunToEnd(std::vector<std::string> argv, const std::string& output_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, output_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  std::vector<char*> args;
  for (auto& arg : argv) args.push_back(arg.data());
  args.push_back(nullptr);
  const auto start = std::chrono::steady_clock::now();
  pid_t pid = -1;
  const int spawned = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return Status::Error("cannot start " + argv[0] + ": " + std::strerror(spawned));
  int status = 0;
  rusage usage{};
  Finished finished;
  for (;;) {
    const pid_t ended = wait4(pid, &status, WNOHANG, &usage);
    if (ended == pid) break;
    if (ended < 0 && errno != EINTR) {
      return Status::Error("wait4: " + std::string(std::strerror(errno)));
    }
    finished.peak_rss_kb = std::max(finished.peak_rss_kb, StatusKb(std::to_string(pid), "VmHWM"));
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  finished.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  finished.cpu_seconds = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  finished.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return finished;
}

}  // namespace

Result<RegistryFigures> RunRegistryBenchmark(int64_t stations, const std::string& work_dir) {
  const std::string dir = work_dir + "/registry-bench-" + std::to_string(stations);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string log = work_dir + "/registry-bench-" + std::to_string(stations) + ".log";
  std::filesystem::remove(log);
  RegistryFigures figures;
  figures.stations = stations;

  auto generated = RunToEnd({stack::BinaryPath("hattama-hub"), "generate", "--out", dir,
                             "--station-count", std::to_string(stations), "--seed", "2021"},
                            log);
  if (!generated.ok()) return generated.status();
  if (generated->exit_code != 0) return Status::Error("hattama-hub generate failed; see " + log);
  figures.generate_seconds = generated->seconds;
  figures.generate_peak_kb = generated->peak_rss_kb;

  const std::string report = dir + "/load-report.txt";
  auto loaded = RunToEnd(
      {std::filesystem::canonical("/proc/self/exe").string(), "registry-load", dir}, report);
  if (!loaded.ok()) return loaded.status();
  std::ifstream in(report);
  if (loaded->exit_code != 0 ||
      !(in >> figures.load_seconds >> figures.before_load_kb >> figures.load_peak_kb)) {
    return Status::Error("loading the generated registry failed; see " + report);
  }
  figures.load_cpu_seconds = loaded->cpu_seconds;
  return figures;
}

int LoadRegistryAndReport(const std::string& dir) {
  const int64_t before = StatusKb("self", "VmRSS");
  const auto start = std::chrono::steady_clock::now();
  auto registry = hub::LoadRegistryFiles(dir);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!registry.ok()) {
    std::cout << registry.status().message() << "\n";
    return 1;
  }
  std::cout << seconds << " " << before << " " << StatusKb("self", "VmHWM") << "\n" << std::flush;
  return 0;
}

}  // namespace hattama::bench
