// The bounds of the guarded HTTP server, as a client meets them over real loopback connections:
// a cap reached answers 503 with Retry-After and the flag that sets it, a connection freed lets
// the next one in, a body announced larger than the request budget is answered 413, a request
// trickled slower than the request timeout loses its connection, and each answer on a kept-alive
// connection comes in one piece.
#include "common/http/guarded_server.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <string>
#include <thread>

#include "common/http/serve_thread.h"

namespace hattama::http {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// A GuardedServer answering GET and POST / with "ok", on a free loopback port, until destroyed.
class RunningServer {
 public:
  explicit RunningServer(const ConnectionLimits& limits) : server_(limits) {
    server_.Get("/", [](const httplib::Request&, httplib::Response& response) {
      response.set_content("ok", "text/plain");
    });
    server_.Post("/", [](const httplib::Request&, httplib::Response& response) {
      response.set_content("ok", "text/plain");
    });
    server_.set_tcp_nodelay(true);  // as publication serves
    port_ = server_.Bind("127.0.0.1", 0);
    thread_ = ServeOnThread(server_);
  }
  ~RunningServer() {
    server_.stop();
    thread_.join();
  }

  int port() const { return port_; }
  uint64_t refused() const { return server_.refused(); }
  // A client that was answered once and keeps its connection open; null when it was not.
  std::unique_ptr<httplib::Client> HeldConnection() const {
    auto client = std::make_unique<httplib::Client>("127.0.0.1", port_);
    client->set_keep_alive(true);
    client->set_read_timeout(5s);
    auto answer = client->Get("/");
    if (!answer || answer->status != 200) return nullptr;
    return client;
  }

 private:
  GuardedServer server_;
  std::thread thread_;
  int port_ = -1;
};

ConnectionLimits Limits(std::size_t max_connections, std::size_t per_address) {
  return {.max_connections = max_connections,
          .max_connections_per_address = per_address,
          .request_timeout = 500ms,
          .keep_alive_timeout = 10s,
          .keep_alive_max_requests = 100,
          .max_request_bytes = 2048};
}

void ExpectRefusedNaming(const httplib::Result& answer, const std::string& flag) {
  ASSERT_TRUE(answer) << httplib::to_string(answer.error());
  EXPECT_EQ(answer->status, 503);
  EXPECT_EQ(answer->get_header_value("Retry-After"), "5");
  EXPECT_NE(answer->body.find("\"code\":\"UNAVAILABLE\""), std::string::npos) << answer->body;
  EXPECT_NE(answer->body.find(flag), std::string::npos) << answer->body;
}

TEST(GuardedServer, ConnectionBeyondTheCapIsAnswered503NamingTheFlag) {
  RunningServer server(Limits(/*max_connections=*/2, /*per_address=*/0));
  auto first = server.HeldConnection();
  auto second = server.HeldConnection();
  ASSERT_TRUE(first && second);

  httplib::Client third("127.0.0.1", server.port());
  ExpectRefusedNaming(third.Get("/"), "(2, --http-max-connections)");
  EXPECT_EQ(server.refused(), 1u);
}

TEST(GuardedServer, AddressBeyondItsCapIsRefusedUntilOneOfItsConnectionsCloses) {
  RunningServer server(Limits(/*max_connections=*/0, /*per_address=*/2));
  auto first = server.HeldConnection();
  auto second = server.HeldConnection();
  ASSERT_TRUE(first && second);

  httplib::Client third("127.0.0.1", server.port());
  ExpectRefusedNaming(third.Get("/"),
                      "too many HTTP connections from 127.0.0.1 (2, "
                      "--http-max-connections-per-address)");

  // Once one of the two closes, the address may open another.
  first.reset();
  const auto deadline = Clock::now() + 5s;
  int status = 0;
  while (Clock::now() < deadline) {
    httplib::Client next("127.0.0.1", server.port());
    auto answer = next.Get("/");
    status = answer ? answer->status : 0;
    if (status == 200) break;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(status, 200);
}

TEST(GuardedServer, BodyAnnouncedLargerThanTheRequestBudgetIsAnswered413) {
  RunningServer server(Limits(/*max_connections=*/0, /*per_address=*/0));
  httplib::Client client("127.0.0.1", server.port());
  auto small = client.Post("/", std::string(100, 'x'), "text/plain");
  ASSERT_TRUE(small);
  EXPECT_EQ(small->status, 200);
  auto large = client.Post("/", std::string(5000, 'x'), "text/plain");
  ASSERT_TRUE(large) << httplib::to_string(large.error());
  EXPECT_EQ(large->status, 413);
}

// A socket connected to the server's port; -1 when it cannot connect.
int Connect(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

TEST(GuardedServer, RequestTrickledSlowerThanItsTimeoutLosesItsConnection) {
  RunningServer server(Limits(/*max_connections=*/0, /*per_address=*/0));  // 500 ms a request
  const int fd = Connect(server.port());
  ASSERT_GE(fd, 0);
  const std::string request = "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaa";
  // A byte every 50 ms, never finishing the headers: the server must close within its timeout
  // (and a margin), although bytes keep arriving.
  const auto start = Clock::now();
  bool closed = false;
  for (std::size_t i = 0; !closed && Clock::now() - start < 5s; ++i) {
    (void)::send(fd, &request[i % request.size()], 1, MSG_NOSIGNAL);
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) > 0) {
      char byte;
      closed = ::recv(fd, &byte, 1, MSG_DONTWAIT) <= 0;
    }
  }
  ::close(fd);
  EXPECT_TRUE(closed);
  EXPECT_LT(Clock::now() - start, 3s);
}

// httplib writes an answer's head and its body by two writes; the server sends them as one, so
// that a kept-alive reader is woken once an answer, not once for the head and again for the body.
// The reader takes whatever the first read brings, asking without pause, so a head sent ahead of
// its body would be caught alone.
TEST(GuardedServer, EachAnswerOnAKeptAliveConnectionArrivesWholeInOneRead) {
  RunningServer server(Limits(/*max_connections=*/0, /*per_address=*/0));
  const int fd = Connect(server.port());
  ASSERT_GE(fd, 0);
  int yes = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
  const std::string request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  for (int i = 0; i < 99; ++i) {  // within the connection's 100 requests
    ASSERT_EQ(::send(fd, request.data(), request.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(request.size()));
    char answer[4096];
    ssize_t got = -1;
    for (const auto deadline = Clock::now() + 5s; got < 0 && Clock::now() < deadline;) {
      got = ::recv(fd, answer, sizeof answer, MSG_DONTWAIT);
      if (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) break;
    }
    ASSERT_GT(got, 0) << "no answer to request " << i;
    const std::string text(answer, static_cast<std::size_t>(got));
    EXPECT_TRUE(text.starts_with("HTTP/1.1 200 OK\r\n")) << text;
    ASSERT_TRUE(text.ends_with("\r\n\r\nok")) << "request " << i << " read: " << text;
  }
  ::close(fd);
}

}  // namespace
}  // namespace hattama::http
