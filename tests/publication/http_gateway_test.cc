// The HTTP/JSON mirror against the real publication service over an in-process gRPC channel,
// reading a real redis-server seeded through aggregation's apply path; requests go over real
// HTTP on loopback, as a browser's would.
#include "services/publication/http_gateway.h"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <sstream>

#include "services/publication/analysis_service.h"
#include "services/publication/export.h"
#include "services/publication/publication_service.h"
#include "tests/aggregation/fixture.h"
#include "tools/stack/stack.h"

namespace hattama::publication {
namespace {

using testing::ObserverRecord;

class HttpGatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = stack::RedisServer::Start();
    ASSERT_TRUE(server.ok()) << server.status().message();
    redis_server_ = std::move(server).value();
    auto redis = testing::Connect(redis_server_->address());
    ASSERT_NE(redis, nullptr);
    ASSERT_TRUE(
        redis->Run({"SET", "hattama:partitions", std::to_string(testing::kPartitions)}).ok());
    aggregation::Applier applier(registry_);
    testing::ApplyBatch(applier, *redis,
                        {ObserverRecord("a", "S1", "mazhilis", {300, 120, 80}, 20),
                         ObserverRecord("b", "S2", "mazhilis", {200, 100, 50}, 10)});

    pool_ = std::make_shared<ConnectionPool>(redis_server_->address(), 2, std::chrono::seconds(2));
    service_ = std::make_unique<PublicationService>(registry_, pool_);
    grpc_listen_ = "127.0.0.1:" + std::to_string(stack::FreePort());
    analysis_ = std::make_unique<AnalysisService>(registry_, service_.get());
    auto grpc_server = StartServer(grpc_listen_, service_.get(), {analysis_.get()});
    ASSERT_TRUE(grpc_server.ok()) << grpc_server.status().message();
    grpc_server_ = std::move(grpc_server).value();

    StaticFiles files = {{"/index.html", {"text/html; charset=utf-8", "<h1>Hattama</h1>"}}};
    auto gateway = HttpGateway::Start("127.0.0.1:0",
                                      grpc_server_->InProcessChannel(grpc::ChannelArguments()),
                                      std::move(files),
                                      [this](const std::string& contest, bool csv) {
                                        return ExportContest(*registry_, *service_, contest,
                                                             csv ? ExportFormat::kCsv
                                                                 : ExportFormat::kJsonLines);
                                      });
    ASSERT_TRUE(gateway.ok()) << gateway.status().message();
    gateway_ = std::move(gateway).value();
    client_ = std::make_unique<httplib::Client>("127.0.0.1", gateway_->port());
  }

  void TearDown() override {
    gateway_.reset();
    if (grpc_server_) grpc_server_->Shutdown();
  }

  std::shared_ptr<const domain::Registry> registry_ = testing::TinyRegistry();
  std::unique_ptr<stack::RedisServer> redis_server_;
  std::shared_ptr<ConnectionPool> pool_;
  std::unique_ptr<PublicationService> service_;
  std::unique_ptr<AnalysisService> analysis_;
  std::string grpc_listen_;
  std::unique_ptr<grpc::Server> grpc_server_;
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

  auto stub = v1::PublicationService::NewStub(
      grpc::CreateChannel(grpc_listen_, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  v1::GetAreaTotalsRequest request;
  request.set_area_id("kz");
  request.set_contest_id("mazhilis");
  v1::AreaTotals over_grpc;
  ASSERT_TRUE(stub->GetAreaTotals(&context, request, &over_grpc).ok());

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
  auto response = client_->Post("/v1/GetStationResults", R"({"station_id":"S1"})",
                                "application/json");
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

}  // namespace
}  // namespace hattama::publication
