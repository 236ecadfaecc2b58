// The ports tests and the demo start their servers on (stack::FreePort), and the wait for a
// started server (stack::WaitUntilListening): a port handed out is outside the range the kernel
// takes source ports from and no other process gets it, and only the started process's own
// listener counts as it listening.
#include "tools/stack/process.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <vector>

#include "tools/stack/stack.h"

namespace hattama::stack {
namespace {

int EphemeralLow() {
  std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
  int low = 0;
  range >> low;
  return low;
}

// A socket of this test process listening on 127.0.0.1:port (closed by the caller).
int ListenOn(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 8) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

TEST(FreePort, PortsComeFromBelowTheEphemeralRangeAndNoOtherProcessGetsThem) {
  const int ephemeral = EphemeralLow();
  ASSERT_GT(ephemeral, 16384 + 1024) << "this machine's ephemeral range leaves no room below it";
  std::set<int> mine;
  for (int i = 0; i < 200; ++i) {
    int port = FreePort();
    EXPECT_GE(port, 1024);
    EXPECT_LT(port, ephemeral) << "an outgoing connection could take port " << port;
    EXPECT_TRUE(mine.insert(port).second) << "port " << port << " handed out twice";
  }
  // Another process (forked: it also holds, as this one does, the reservations made above)
  // draws 200 ports of its own while this one keeps its ports, and writes them to a pipe.
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(pipe_fds[0]);
    for (int i = 0; i < 200; ++i) {
      int port = FreePort();
      if (write(pipe_fds[1], &port, sizeof port) != sizeof port) _exit(2);
    }
    _exit(0);
  }
  close(pipe_fds[1]);
  std::vector<int> theirs;
  int port = 0;
  while (read(pipe_fds[0], &port, sizeof port) == sizeof port) theirs.push_back(port);
  close(pipe_fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_EQ(theirs.size(), 200u);
  for (int p : theirs) EXPECT_FALSE(mine.contains(p)) << "both processes got port " << p;
}

TEST(WaitUntilListening, AnotherProgramOnThePortIsNotTheProcessListening) {
  // This test process listens on the port; the process started, which never listens, must not be
  // taken for the server answering there.
  const int port = FreePort();
  const int listener = ListenOn(port);
  ASSERT_GE(listener, 0);
  auto sleeper = Process::Start({.argv = {"sleep", "30"}});
  ASSERT_TRUE(sleeper.ok()) << sleeper.status().message();
  Status up = WaitUntilListening(**sleeper, port, std::chrono::milliseconds(300));
  close(listener);
  ASSERT_FALSE(up.ok());
  EXPECT_NE(up.message().find("another program listens on it"), std::string::npos) << up.message();
}

TEST(WaitUntilListening, AServerTheProcessStartedAsItsChildCounts) {
  // A shell that starts redis-server as its child (not exec'ing it): the listener is the child's.
  const int port = FreePort();
  TempDir dir;
  auto shell = Process::Start({.argv = {"sh", "-c",
                                        "redis-server --port " + std::to_string(port) +
                                            " --bind 127.0.0.1 --save '' --dir " + dir.path() +
                                            " --logfile " + dir.path() + "/redis.log; exit 0"}});
  ASSERT_TRUE(shell.ok()) << shell.status().message();
  Status up = WaitUntilListening(**shell, port, std::chrono::seconds(10));
  EXPECT_TRUE(up.ok()) << up.message();
  // The shell's group, redis-server with it (a stop of the shell alone would leave it running).
  kill(-(*shell)->pid(), SIGTERM);
}

}  // namespace
}  // namespace hattama::stack
