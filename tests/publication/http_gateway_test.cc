// The HTTP/JSON mirror against the real publication service over an in-process gRPC channel,
// reading a real redis-server seeded through aggregation's apply path; requests go over real
// HTTP on loopback, as a browser's would.
#include "services/publication/http_gateway.h"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <sstream>
#include <thread>

#include "services/publication/analysis_service.h"
#include "services/publication/deployment_service.h"
#include "services/publication/export.h"
#include "tests/publication/fixture.h"
#include "tests/testing/raw_http.h"

namespace hattama::publication {
namespace {

using testing::ObserverRecord;

// The shared fixture's service with the analysis and deployment services beside it, two stations
// counted, the export cache and the gateway over the gRPC server's in-process channel.
class HttpGatewayTest : public PublicationFixture {
 protected:
  HttpGatewayTest() { redis_connections_ = 2; }

  void SetUp() override {
    PublicationFixture::SetUp();
    if (HasFatalFailure()) return;
    Aggregate({ObserverRecord("a", "S1", "mazhilis", {300, 120, 80}, 20),
               ObserverRecord("b", "S2", "mazhilis", {200, 100, 50}, 10)});
    exports_ = std::make_unique<ExportCache>(
        [this](const std::string& contest, ExportFormat format) {
          ++export_reads_;
          // Long enough that concurrent requests overlap one production.
          if (slow_export_) std::this_thread::sleep_for(std::chrono::milliseconds(300));
          return ExportContest(*store_, contest, format);
        },
        std::chrono::seconds(60));
    StaticFiles files = {{"/index.html", {"text/html; charset=utf-8", "<h1>Hattama</h1>"}}};
    auto gateway = HttpGateway::Start(
        "127.0.0.1:0", grpc_server_->InProcessChannel(grpc::ChannelArguments()), std::move(files),
        [this](const std::string& contest, bool csv) {
          return exports_->Get(contest, csv ? ExportFormat::kCsv : ExportFormat::kJsonLines);
        },
        Limits());
    ASSERT_TRUE(gateway.ok()) << gateway.status().message();
    gateway_ = std::move(gateway).value();
    client_ = std::make_unique<httplib::Client>("127.0.0.1", gateway_->port());
  }

  std::vector<grpc::Service*> AlsoServe() override {
    analysis_ = std::make_unique<AnalysisService>(store_);
    deployment_ = std::make_unique<DeploymentService>(store_);
    return {analysis_.get(), deployment_.get()};
  }

  void TearDown() override {
    gateway_.reset();
    PublicationFixture::TearDown();
  }

  // The gateway's limits; a test with other limits overrides it.
  virtual HttpLimits Limits() { return HttpLimits{}; }

  std::unique_ptr<AnalysisService> analysis_;
  std::unique_ptr<DeploymentService> deployment_;
  std::unique_ptr<ExportCache> exports_;
  std::atomic<int> export_reads_{0};
  std::atomic<bool> slow_export_{false};
  std::unique_ptr<HttpGateway> gateway_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(HttpGatewayTest, TotalsOverHttpEqualTotalsOverGrpc) {
  auto response = client_->Get("/v1/GetAreaTotals?area_id=kz&contest_id=mazhilis");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->get_header_value("Content-Type"), "application/json");
  v1::AreaTotals over_http;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(response->body, &over_http).ok());

  v1::AreaTotals over_grpc;
  ASSERT_TRUE(GetAreaTotals("kz", "mazhilis", over_grpc).ok());

  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(over_http, over_grpc))
      << response->body;
  EXPECT_EQ(over_http.stations_reporting(), 2);
  // Proto field names, and zeros printed rather than left out.
  EXPECT_NE(response->body.find("\"stations_reporting\""), std::string::npos);
  EXPECT_NE(response->body.find("\"flagged_count\""), std::string::npos);
}

TEST_F(HttpGatewayTest, AnalysisMethodsAreMirroredToo) {
  auto response = client_->Get("/v1/GetSeats?contest_id=mazhilis&threshold_percent=20");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200) << response->body;
  v1::SeatAllocation seats;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(response->body, &seats).ok());
  EXPECT_EQ(seats.seats(), 98);
  EXPECT_DOUBLE_EQ(seats.threshold_percent(), 20);
}

TEST_F(HttpGatewayTest, PostTakesTheRequestAsJson) {
  auto response =
      client_->Post("/v1/GetStationResults", R"({"station_id":"S1"})", "application/json");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  v1::StationResults results;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(response->body, &results).ok());
  EXPECT_EQ(results.station().station_id(), "S1");
}

TEST_F(HttpGatewayTest, UnknownAreaIsA404NamingTheCode) {
  auto response = client_->Get("/v1/GetAreaTotals?area_id=atlantis&contest_id=mazhilis");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 404);
  EXPECT_NE(response->body.find("\"code\":\"NOT_FOUND\""), std::string::npos) << response->body;
  EXPECT_NE(response->body.find("atlantis"), std::string::npos) << response->body;
}

TEST_F(HttpGatewayTest, MalformedJsonIsA400) {
  auto response = client_->Post("/v1/GetAreaTotals", "{area_id:", "application/json");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 400);
  EXPECT_NE(response->body.find("INVALID_ARGUMENT"), std::string::npos);
}

TEST_F(HttpGatewayTest, UnknownMethodIsA404) {
  auto response = client_->Get("/v1/DropEverything");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 404);
}

TEST_F(HttpGatewayTest, ExportsEveryStationOfAContestAsCsv) {
  auto response = client_->Get("/export/mazhilis.csv");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  std::vector<std::string> lines;
  std::istringstream in(response->body);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 7u);  // the header and S1..S6, which all vote for the Mazhilis
  EXPECT_TRUE(lines[0].starts_with("station_id,district_id,region_id,reported,registered_voters"));
  // S1: 300 + 120 + 80 = 500 valid, 20 spoiled, counted from submission "a".
  EXPECT_EQ(lines[1], "S1,kz-a-1,kz-a,true,1000,,530,520,10,520,20,500,300,120,80,a,false,false,1");
  EXPECT_TRUE(lines[3].starts_with("S3,kz-a-1,kz-a,false,,")) << lines[3];
}

TEST_F(HttpGatewayTest, ExportsJsonLinesAndRefusesAnUnknownContest) {
  auto response = client_->Get("/export/mazhilis.jsonl");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_NE(response->body.find(R"({"station_id":"S2","district_id":"kz-a-1","region_id":"kz-a",)"
                                R"("reported":true,"registered_voters":800,)"),
            std::string::npos)
      << response->body;
  EXPECT_EQ(client_->Get("/export/senate.csv")->status, 404);
}

TEST_F(HttpGatewayTest, RootServesThePortalPage) {
  auto response = client_->Get("/");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "<h1>Hattama</h1>");
  EXPECT_EQ(client_->Get("/missing.js")->status, 404);
}

// What no route serves is the same JSON error as every other failure (README "The public side"),
// its message saying what such a path looks like: a client parses one shape of error.
TEST_F(HttpGatewayTest, APathNoRouteServesIsAJsonNotFoundNamingThePathsForm) {
  struct Case {
    std::string method;
    std::string path;
    std::string hint;  // what the message says such a path looks like
  };
  const std::vector<Case> cases = {
      {"GET", "/v1/GetAreaTotals/", "/v1/<Method>"},
      {"POST", "/v1/GetAreaTotals/", "/v1/<Method>"},
      {"GET", "/v1/", "/v1/<Method>"},
      {"GET", "/export/mazhilis!.csv", "/export/<contest_id>.csv"},
      {"GET", "/export/mazhilis.xml", "/export/<contest_id>.csv"},
      {"GET", "/missing.js", "no such file"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.method + " " + c.path);
    auto response =
        c.method == "GET" ? client_->Get(c.path) : client_->Post(c.path, "{}", "application/json");
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 404);
    EXPECT_EQ(response->get_header_value("Content-Type"), "application/json");
    EXPECT_EQ(response->get_header_value("Access-Control-Allow-Origin"), "*");
    const std::string expected_start = R"({"code":"NOT_FOUND","message":")";
    EXPECT_TRUE(response->body.starts_with(expected_start)) << response->body;
    EXPECT_NE(response->body.find(c.path), std::string::npos) << response->body;
    EXPECT_NE(response->body.find(c.hint), std::string::npos) << response->body;
  }
}

TEST_F(HttpGatewayTest, NanThresholdIsA400NotAnEmptyAllocation) {
  auto response = client_->Get("/v1/GetSeats?contest_id=mazhilis&threshold_percent=NaN");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 400) << response->body;
  EXPECT_NE(response->body.find("INVALID_ARGUMENT"), std::string::npos) << response->body;
  EXPECT_NE(response->body.find("threshold_percent"), std::string::npos) << response->body;
}

// A crowd of downloads from one address (as behind a NAT) within the per-address cap.
class CrowdTest : public HttpGatewayTest {
 protected:
  HttpLimits Limits() override {
    HttpLimits limits;
    limits.max_connections_per_address = 200;
    return limits;
  }
};

TEST_F(CrowdTest, ConcurrentExportsAreProducedOnceAndServedToAll) {
  slow_export_ = true;
  constexpr int kClients = 120;
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  std::vector<std::string> bodies(kClients);
  std::vector<int> statuses(kClients, 0);
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      httplib::Client client("127.0.0.1", gateway_->port());
      client.set_read_timeout(30, 0);
      auto response = client.Get("/export/mazhilis.csv");
      if (!response) return;
      statuses[i] = response->status;
      bodies[i] = response->body;
      if (response->status == 200) ++ok;
    });
  }
  for (auto& client : clients) client.join();
  EXPECT_EQ(ok.load(), kClients);
  for (int i = 0; i < kClients; ++i) {
    EXPECT_EQ(statuses[i], 200) << i << ": " << bodies[i];
    EXPECT_EQ(bodies[i], bodies[0]);
  }
  EXPECT_EQ(export_reads_.load(), 1) << "one production for the crowd";
  EXPECT_EQ(exports_->productions(), 1u);
  // A change makes it stale: the next download produces it again, once.
  exports_->Changed("mazhilis");
  EXPECT_EQ(client_->Get("/export/mazhilis.csv")->status, 200);
  EXPECT_EQ(client_->Get("/export/mazhilis.csv")->status, 200);
  EXPECT_EQ(export_reads_.load(), 2);
}

TEST_F(HttpGatewayTest, StoreDownIsA503NotA404) {
  server_->process().Stop();
  for (const std::string path :
       {"/export/mazhilis.jsonl", "/v1/GetAreaTotals?area_id=kz&contest_id=mazhilis",
        "/v1/GetStationResults?station_id=S1", "/v1/ListStations?area_id=kz&contest_id=mazhilis",
        "/v1/GetSeats?contest_id=mazhilis", "/v1/GetDeploymentTable"}) {
    auto response = client_->Get(path);
    ASSERT_TRUE(response) << path;
    EXPECT_EQ(response->status, 503) << path << ": " << response->body;
    EXPECT_NE(response->body.find("\"code\":\"UNAVAILABLE\""), std::string::npos) << response->body;
    EXPECT_EQ(response->get_header_value("Retry-After"), "5") << path;
  }
}

TEST_F(HttpGatewayTest, BodyOverTheLimitIsA413BeforeItIsRead) {
  int fd = testing::ConnectFrom(gateway_->port());
  ASSERT_GE(fd, 0);
  // 300 MB announced; the answer must come without the body ever being sent.
  ASSERT_TRUE(testing::SendAll(fd,
                               "POST /v1/GetElection HTTP/1.1\r\nHost: x\r\n"
                               "Content-Type: application/json\r\nContent-Length: 314572800\r\n\r\n"
                               "{\"a\":"));
  std::string answer = testing::ReadUntil(fd, std::chrono::seconds(3), "\"}");
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 413")) << answer;
  EXPECT_NE(answer.find("INVALID_ARGUMENT"), std::string::npos) << answer;
  close(fd);

  fd = testing::ConnectFrom(gateway_->port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(testing::SendAll(fd,
                               "POST /v1/GetElection HTTP/1.1\r\nHost: x\r\n"
                               "Transfer-Encoding: chunked\r\n\r\n10\r\n"));
  answer = testing::ReadUntil(fd, std::chrono::seconds(3), "\"}");
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 411")) << answer;
  close(fd);
}

// The gateway with small limits, to see each one act.
class GuardedHttpTest : public HttpGatewayTest {
 protected:
  HttpLimits Limits() override {
    HttpLimits limits;
    limits.workers = 8;
    limits.max_event_streams = 2;
    limits.max_connections_per_address = 4;
    limits.request_timeout = std::chrono::seconds(1);
    limits.keep_alive_timeout = std::chrono::seconds(1);
    limits.keep_alive_max_requests = 3;
    limits.max_header_bytes = 4096;
    return limits;
  }

  // One answer read off a raw connection: the status line and headers, then Content-Length bytes
  // (and not a byte more, so that the connection stays usable for the next request).
  static std::string ReadAnswer(int fd) {
    std::string answer;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    char byte;
    size_t wanted = std::string::npos;
    while (answer.size() != wanted && std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      if (recv(fd, &byte, 1, 0) <= 0) break;
      answer += byte;
      if (wanted == std::string::npos && answer.ends_with("\r\n\r\n")) {
        const size_t length_at = answer.find("Content-Length: ");
        if (length_at == std::string::npos) break;
        wanted = answer.size() + std::stoul(answer.substr(length_at + 16));
      }
    }
    return answer;
  }
};

TEST_F(GuardedHttpTest, KeptAliveConnectionEndsAfterItsRequestsOrWhenIdle) {
  const std::string request = "GET /v1/GetElection HTTP/1.1\r\nHost: x\r\n\r\n";
  int fd = testing::ConnectFrom(gateway_->port());
  ASSERT_GE(fd, 0);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(testing::SendAll(fd, request)) << i;
    const std::string answer = ReadAnswer(fd);
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 200")) << i << ": " << answer.substr(0, 300);
  }
  // The third was the last this connection serves.
  EXPECT_TRUE(testing::ClosedWithin(fd, std::chrono::milliseconds(500)));
  close(fd);

  fd = testing::ConnectFrom(gateway_->port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(testing::SendAll(fd, request));
  EXPECT_TRUE(ReadAnswer(fd).starts_with("HTTP/1.1 200"));
  // Idle after its answer: closed after the keep-alive timeout (1 s here), not held.
  const auto answered = std::chrono::steady_clock::now();
  EXPECT_TRUE(testing::ClosedWithin(fd, std::chrono::seconds(3)));
  EXPECT_GT(std::chrono::steady_clock::now() - answered, std::chrono::milliseconds(800));
  close(fd);
}

TEST_F(GuardedHttpTest, RequestTrickledByteByByteIsDroppedAtItsDeadline) {
  int fd = testing::ConnectFrom(gateway_->port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(testing::SendAll(fd, "GET /v1/GetElection HTTP/1.1\r\n"));
  const auto started = std::chrono::steady_clock::now();
  bool closed = false;
  // One header byte every 100 ms: each read is prompt, the request as a whole is not.
  while (!closed && std::chrono::steady_clock::now() - started < std::chrono::seconds(5)) {
    if (!testing::SendAll(fd, "X")) break;
    closed = testing::ClosedWithin(fd, std::chrono::milliseconds(100));
  }
  const auto held = std::chrono::steady_clock::now() - started;
  EXPECT_TRUE(closed || held < std::chrono::seconds(5)) << "the trickle was never dropped";
  EXPECT_LT(held, std::chrono::milliseconds(2500));
  close(fd);
}

TEST_F(GuardedHttpTest, HeadersBeyondTheirBudgetDropTheConnection) {
  int fd = testing::ConnectFrom(gateway_->port());
  ASSERT_GE(fd, 0);
  std::string request = "GET /v1/GetElection HTTP/1.1\r\n";
  for (int i = 0; i < 200; ++i) request += "X-Padding-" + std::to_string(i) + ": 0123456789\r\n";
  testing::SendAll(fd, request);
  EXPECT_TRUE(testing::ClosedWithin(fd, std::chrono::seconds(2)));
  close(fd);
}

TEST_F(GuardedHttpTest, ManySlowSocketsFromOneAddressCannotStarveAnother) {
  // 40 stalled requests from 127.0.0.2: 4 are admitted (and dropped at their deadline), the
  // rest answered 503 at once.
  std::vector<int> slow;
  for (int i = 0; i < 40; ++i) {
    int fd = testing::ConnectFrom(gateway_->port(), "127.0.0.2");
    ASSERT_GE(fd, 0);
    testing::SendAll(fd, "GET /v1/GetElection HTTP/1.1\r\nHost: x\r\n");
    slow.push_back(fd);
  }
  int refused = 0;
  for (int fd : slow) {
    std::string answer = testing::ReadUntil(fd, std::chrono::milliseconds(300), "\"}");
    if (answer.starts_with("HTTP/1.1 503")) ++refused;
  }
  EXPECT_GE(refused, 30);
  EXPECT_GE(gateway_->refused_connections(), 30u);
  // A reader from 127.0.0.1 is answered at once, while the admitted slow sockets still hold.
  for (int i = 0; i < 5; ++i) {
    httplib::Client reader("127.0.0.1", gateway_->port());
    const auto started = std::chrono::steady_clock::now();
    auto response = reader.Get("/v1/GetElection");
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 200);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(500));
  }
  for (int fd : slow) close(fd);
}

TEST_F(HttpGatewayTest, AnswerWithoutAJsonFormIsAnErrorNeverAnEmpty200) {
  auto record = ObserverRecord("far-future", "S3", "mazhilis", {100, 50, 25}, 5);
  // Year 10000: a valid Timestamp in protobuf's binary form, outside what its JSON form can say.
  record.mutable_submission()->mutable_captured_time()->set_seconds(253402300800);
  Aggregate({record});
  auto response = client_->Get("/v1/GetStationResults?station_id=S3");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 500) << response->body;
  EXPECT_NE(response->body.find("\"code\":\"INTERNAL\""), std::string::npos) << response->body;
  EXPECT_GT(response->body.size(), 20u);
  // The other stations stay readable.
  EXPECT_EQ(client_->Get("/v1/GetStationResults?station_id=S1")->status, 200);
}

TEST_F(HttpGatewayTest, ClientThatHalfClosesAfterItsRequestStillGetsTheAnswer) {
  int fd = testing::ConnectFrom(gateway_->port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(testing::SendAll(fd, "GET /export/mazhilis.csv HTTP/1.1\r\nHost: x\r\n\r\n"));
  shutdown(fd, SHUT_WR);  // As `printf ... | nc -N` does.
  std::string answer = testing::ReadUntil(fd, std::chrono::seconds(5), "S6,");
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 200")) << answer;
  EXPECT_NE(answer.find("S6,"), std::string::npos) << answer;
  close(fd);
}

TEST_F(HttpGatewayTest, StoppingDoesNotWaitForASlowRequest) {
  int fd = testing::ConnectFrom(gateway_->port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(testing::SendAll(fd, "GET /v1/GetElection HTTP/1.1\r\nHost: x\r\nX-Slow: "));
  // The request is being read (its deadline is 10 s away) when the gateway stops.
  ASSERT_EQ(testing::ReadUntil(fd, std::chrono::milliseconds(200)), "");
  const auto started = std::chrono::steady_clock::now();
  gateway_.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(1));
  close(fd);
}

}  // namespace
}  // namespace hattama::publication
