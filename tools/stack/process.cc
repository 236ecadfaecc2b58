#include "tools/stack/process.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

extern char** environ;

namespace hattama::stack {

int FreePort() {
  // Bind port 0 and let the kernel choose; the socket is closed at once, so the port is free for
  // the child that is about to take it (a race with other programs is possible but rare).
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

TempDir::TempDir(const std::string& prefix) {
  std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed: " + std::string(std::strerror(errno)));
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string ExecutableDir() {
  return std::filesystem::canonical("/proc/self/exe").parent_path().string();
}

Result<std::unique_ptr<Process>> Process::Start(Options options) {
  if (options.argv.empty()) return Status::Error("no program to start");
  int out_pipe[2] = {-1, -1};
  if (options.capture_stdout && pipe2(out_pipe, O_CLOEXEC) != 0) {
    return Status::Error("pipe: " + std::string(std::strerror(errno)));
  }
  int log_fd = -1;
  if (!options.log_path.empty()) {
    log_fd = open(options.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0) return Status::Error("cannot open " + options.log_path);
  }
  // Everything the child needs is prepared before fork: after it, only async-signal-safe calls.
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry(*e);
    auto name = entry.substr(0, entry.find('='));
    if (!options.env.contains(name)) env_strings.push_back(entry);
  }
  for (const auto& [name, value] : options.env) env_strings.push_back(name + "=" + value);
  std::vector<char*> envp;
  for (auto& entry : env_strings) envp.push_back(entry.data());
  envp.push_back(nullptr);
  std::vector<char*> argv;
  for (auto& arg : options.argv) argv.push_back(arg.data());
  argv.push_back(nullptr);

  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) return Status::Error("fork: " + std::string(std::strerror(errno)));
  if (pid == 0) {
    // Own process group, so that a stop reaches the child's own children too.
    setpgid(0, 0);
    // Whatever ends the parent (a crash, ctest's timeout, Ctrl-C) ends the child too.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(1);
    if (log_fd >= 0) {
      dup2(log_fd, STDERR_FILENO);
      if (!options.capture_stdout) dup2(log_fd, STDOUT_FILENO);
    }
    if (options.capture_stdout) dup2(out_pipe[1], STDOUT_FILENO);
    execvpe(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  std::unique_ptr<Process> process(new Process());
  process->pid_ = pid;
  if (log_fd >= 0) close(log_fd);
  if (options.capture_stdout) {
    close(out_pipe[1]);
    process->stdout_fd_ = out_pipe[0];
  }
  return process;
}

Process::~Process() {
  Stop();
  if (stdout_fd_ >= 0) close(stdout_fd_);
}

Result<std::string> Process::ReadLine(std::chrono::milliseconds timeout) {
  if (stdout_fd_ < 0) return Status::Error("stdout is not captured");
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto newline = buffer_.find('\n');
    if (newline != std::string::npos) {
      std::string line = buffer_.substr(0, newline);
      buffer_.erase(0, newline + 1);
      return line;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return Status::Error("timed out waiting for a line of output");
    pollfd fd{stdout_fd_, POLLIN, 0};
    int ready = poll(&fd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno != EINTR) return Status::Error("poll failed");
    if (ready <= 0) continue;
    char chunk[4096];
    ssize_t n = read(stdout_fd_, chunk, sizeof chunk);
    if (n <= 0) return Status::Error("the process closed its output");
    buffer_.append(chunk, static_cast<size_t>(n));
  }
}

void Process::Signal(int signal) {
  if (pid_ > 0 && !exit_code_) kill(pid_, signal);
}

bool Process::running() {
  if (exit_code_) return false;
  int status = 0;
  pid_t done = waitpid(pid_, &status, WNOHANG);
  if (done == pid_) {
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return false;
  }
  return true;
}

Result<int64_t> Process::StatusKb(const std::string& field) const {
  if (pid_ <= 0 || exit_code_) return Status::Error("process has ended");
  std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
  const std::string prefix = field + ":";
  for (std::string line; std::getline(status, line);) {
    if (line.rfind(prefix, 0) == 0) {
      return static_cast<int64_t>(std::stoll(line.substr(prefix.size())));
    }
  }
  return Status::Error("no " + field + " for process " + std::to_string(pid_));
}

Result<int64_t> Process::PeakRssKb() const { return StatusKb("VmHWM"); }

Result<int64_t> Process::RssKb() const { return StatusKb("VmRSS"); }

Result<int> Process::Wait(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status::Error("process " + std::to_string(pid_) + " still running");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return *exit_code_;
}

int Process::Stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return -1;
  if (running()) {
    kill(pid_, SIGTERM);
    if (!Wait(grace).ok()) {
      kill(-pid_, SIGKILL);
      kill(pid_, SIGKILL);
      while (running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  return *exit_code_;
}

}  // namespace hattama::stack
