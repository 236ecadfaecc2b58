// Child processes for tests and the demo: started with argv and environment, stopped and reaped
// when their owner goes away, so nothing outlives the test that started it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/base/result.h"

namespace hattama::stack {

// A TCP port on 127.0.0.1 that nothing uses right now, below the kernel's ephemeral range, and
// reserved for this process until it ends: no other caller, in this process or another one,
// gets it meanwhile.
int FreePort();

// A fresh temporary directory, removed with everything in it when the object goes away.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "hattama");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class Process {
 public:
  struct Options {
    std::vector<std::string> argv;
    // Added to (or replacing entries of) the parent's environment.
    std::map<std::string, std::string> env;
    // Where the child's stdout and stderr go (appended); empty: inherit the parent's.
    std::string log_path;
    // Keep stdout as a pipe readable with ReadLine (stderr still goes to log_path / the parent).
    bool capture_stdout = false;
  };

  static Result<std::unique_ptr<Process>> Start(Options options);
  ~Process();  // SIGTERM, then SIGKILL after 5 s, then reaps.
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  // One line of the child's stdout (capture_stdout), waiting at most `timeout`.
  Result<std::string> ReadLine(std::chrono::milliseconds timeout);
  // Sends `signal` (e.g. SIGKILL) without waiting.
  void Signal(int signal);
  // Waits for the child to end, at most `timeout`; its exit code (128+signal when killed).
  Result<int> Wait(std::chrono::milliseconds timeout);
  // SIGTERM, wait up to `grace`, then SIGKILL. Returns the exit code.
  int Stop(std::chrono::milliseconds grace = std::chrono::seconds(5));
  bool running();
  // The child's peak resident set size so far in KiB (VmHWM of /proc/<pid>/status); an error once
  // it has ended.
  Result<int64_t> PeakRssKb() const;
  // The child's resident set size now in KiB (VmRSS); an error once it has ended.
  Result<int64_t> RssKb() const;

 private:
  Process() = default;
  // A "<field>: <n> kB" line of /proc/<pid>/status.
  Result<int64_t> StatusKb(const std::string& field) const;
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string buffer_;
  std::optional<int> exit_code_;
};

// The directory of the running executable; binaries of the build are found relative to it.
std::string ExecutableDir();

}  // namespace hattama::stack
