#include "tools/stack/process.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <thread>

extern char** environ;

namespace hattama::stack {

namespace {

// The first port of the kernel's ephemeral range (net.ipv4.ip_local_port_range), from which it
// takes the source port of every outgoing connection and the port of every bind to port 0.
int EphemeralLow() {
  std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
  int low = 32768;
  range >> low;
  return low;
}

// A socket bound to 127.0.0.1:port (port 0: one the kernel chooses), or -1 if the bind fails. No
// SO_REUSEADDR, so a listener, a connection using the port as its source port and one in
// TIME_WAIT all make it fail.
int BindLoopback(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// True if nothing holds 127.0.0.1:port now.
bool Bindable(int port) {
  int fd = BindLoopback(port);
  if (fd < 0) return false;
  close(fd);
  return true;
}

// Holds `port` for this process until it ends: an exclusive flock on <tmp>/hattama-ports/<port>,
// whose descriptor is never closed (and not inherited by children). Every process of the project
// asks here first, so two tests running at once never pick the same port. False if another
// process holds it; true (without a reservation) if the file cannot be opened.
bool Reserve(int port) {
  static const std::string dir = [] {
    std::error_code ignored;
    auto base = std::filesystem::temp_directory_path(ignored);
    auto path = (base.empty() ? std::filesystem::path("/tmp") : base) / "hattama-ports";
    std::filesystem::create_directories(path, ignored);
    // Shared by everyone on the machine; the sticky bit keeps each file its owner's.
    chmod(path.c_str(), 01777);
    return path.string();
  }();
  int fd = open((dir + "/" + std::to_string(port)).c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
  // Opened for reading, so another user's file locks as well as one's own.
  if (fd < 0) return true;  // no reservation possible here: the bind check alone decides
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    close(fd);
    return false;
  }
  return true;  // fd stays open: the lock lasts as long as this process
}

}  // namespace

int FreePort() {
  // Chosen below the ephemeral range: a port in it can become the source port of any outgoing
  // connection (of this machine's other tests, say) between this choice and the child's bind, and
  // a probe connecting to it while nothing listens can connect to itself. CI once met this: a
  // test's redis-server lost its port, and the test talked to another test's server.
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  static std::mt19937 random(std::random_device{}());
  constexpr int kFirst = 16384;
  const int end = EphemeralLow();
  if (end - kFirst >= 1024) {
    std::uniform_int_distribution<int> pick(kFirst, end - 1);
    for (int attempt = 0; attempt < 1000; ++attempt) {
      int port = pick(random);
      if (Bindable(port) && Reserve(port)) return port;
    }
  }
  // An unusual ephemeral range (or a crowded machine): let the kernel choose.
  for (int attempt = 0; attempt < 100; ++attempt) {
    int fd = BindLoopback(0);
    if (fd < 0) continue;
    sockaddr_in addr{};
    socklen_t len = sizeof addr;
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    close(fd);
    int port = ntohs(addr.sin_port);
    if (Reserve(port)) return port;
  }
  return 0;
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
