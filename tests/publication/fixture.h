// The shared setup of the publication tests: a real redis-server on a free port, seeded through
// aggregation's apply path (the one writer of the layout publication reads), and the
// PublicationService over real gRPC loopback.
#pragma once

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "services/publication/publication_service.h"
#include "tests/aggregation/fixture.h"
#include "tools/stack/stack.h"

namespace hattama::publication {

class PublicationFixture : public ::testing::Test {
 protected:
  // A test with another registry sets registry_ before calling this.
  void SetUp() override {
    auto server = stack::RedisServer::Start();
    ASSERT_TRUE(server.ok()) << server.status().message();
    redis_server_ = std::move(server).value();
    redis_ = testing::Connect(redis_server_->address());
    ASSERT_NE(redis_, nullptr);

    pool_ = std::make_shared<ConnectionPool>(redis_server_->address(), 4, std::chrono::seconds(2));
    service_ = std::make_unique<PublicationService>(registry_, pool_);
    std::string listen = "127.0.0.1:" + std::to_string(stack::FreePort());
    auto grpc_server = StartServer(listen, service_.get(), AlsoServe());
    ASSERT_TRUE(grpc_server.ok()) << grpc_server.status().message();
    grpc_server_ = std::move(grpc_server).value();
    channel_ = grpc::CreateChannel(listen, grpc::InsecureChannelCredentials());
    stub_ = v1::PublicationService::NewStub(channel_);
  }

  // Services served beside PublicationService (built once service_ exists); stubs for them go
  // over channel_.
  virtual std::vector<grpc::Service*> AlsoServe() { return {}; }

  void TearDown() override {
    if (grpc_server_) grpc_server_->Shutdown();
  }

  // Seeds Redis the way aggregation does: P written, then the records applied in one batch.
  void Aggregate(const std::vector<v1::SubmissionRecord>& records) {
    ASSERT_TRUE(
        redis_->Run({"SET", "hattama:partitions", std::to_string(testing::kPartitions)}).ok());
    aggregation::Applier applier(registry_);
    testing::ApplyBatch(applier, *redis_, records);
  }

  grpc::Status GetAreaTotals(const std::string& area, const std::string& contest,
                             v1::AreaTotals& totals) {
    grpc::ClientContext context;
    v1::GetAreaTotalsRequest request;
    request.set_area_id(area);
    request.set_contest_id(contest);
    return stub_->GetAreaTotals(&context, request, &totals);
  }

  grpc::Status GetStationResults(const std::string& station, v1::StationResults& results) {
    grpc::ClientContext context;
    v1::GetStationResultsRequest request;
    request.set_station_id(station);
    return stub_->GetStationResults(&context, request, &results);
  }

  std::shared_ptr<const domain::Registry> registry_ = testing::TinyRegistry();
  std::unique_ptr<stack::RedisServer> redis_server_;
  std::unique_ptr<redis::Connection> redis_;
  std::shared_ptr<ConnectionPool> pool_;
  std::unique_ptr<PublicationService> service_;
  std::unique_ptr<grpc::Server> grpc_server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::PublicationService::Stub> stub_;
};

}  // namespace hattama::publication
