// The shared setup of the publication tests: a real redis-server on a free port, seeded through
// aggregation's apply path (the one writer of the layout publication reads), the read model over
// it (StoreFixture), and the PublicationService over real gRPC loopback (PublicationFixture).
#pragma once

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "common/redis/layout.h"
#include "services/publication/analysis_service.h"
#include "services/publication/publication_server.h"
#include "services/publication/publication_service.h"
#include "services/publication/published_store.h"
#include "tests/testing/election.h"
#include "tests/testing/redis_server_test.h"
#include "tests/testing/redis_state.h"
#include "tools/stack/stack.h"

namespace hattama::publication {

// An official result (source OFFICIAL, from the election commission "cec") of a station: the
// consistent protocol testing::ObserverRecord builds.
inline v1::SubmissionRecord OfficialRecord(const std::string& submission_id,
                                           const std::string& station_id,
                                           const std::string& contest_id,
                                           const std::vector<int64_t>& votes) {
  v1::SubmissionRecord record =
      testing::ObserverRecord(submission_id, station_id, contest_id, votes);
  record.mutable_submission()->set_source(v1::SOURCE_OFFICIAL);
  record.mutable_submission()->set_observer_id("cec");
  return record;
}

// Station S1 disputed, applied out of order: observers 1 ("a") and 2 ("b") agree on
// {300, 120, 80}, which counts with 2 confirmations; observer 3 ("c") says {100, 320, 80}; the
// official result ("o") says {450, 40, 10}.
inline std::vector<v1::SubmissionRecord> DisputedStationS1() {
  return {testing::ObserverRecord("c", "S1", "mazhilis", {100, 320, 80}, 0, "observer-3"),
          testing::ObserverRecord("a", "S1", "mazhilis", {300, 120, 80}, 0, "observer-1"),
          OfficialRecord("o", "S1", "mazhilis", {450, 40, 10}),
          testing::ObserverRecord("b", "S1", "mazhilis", {300, 120, 80}, 0, "observer-2")};
}

// A redis-server and the read model (PublishedStore) over a pool of `redis_connections_`.
class StoreFixture : public testing::RedisServerTest {
 protected:
  // A test with another registry sets registry_ before calling this.
  void SetUp() override {
    testing::RedisServerTest::SetUp();
    if (HasFatalFailure()) return;
    pool_ = std::make_shared<ConnectionPool>(
        redis::ClientOptions{.address = server_->address(), .timeout = std::chrono::seconds(2)},
        redis_connections_);
    store_ = std::make_shared<PublishedStore>(registry_, pool_);
  }

  // Writes P the way aggregation does when it is assigned its partitions.
  void WritePartitionCount() {
    ASSERT_TRUE(
        redis_->Run({"SET", redis::layout::PartitionsKey(), std::to_string(testing::kPartitions)})
            .ok());
  }

  // Seeds Redis the way aggregation does: P written, then the records applied in one batch.
  void Aggregate(const std::vector<v1::SubmissionRecord>& records) {
    WritePartitionCount();
    aggregation::Applier applier(registry_);
    testing::ApplyBatch(applier, *redis_, records);
  }

  std::shared_ptr<const domain::Registry> registry_ = testing::TinyRegistry();
  size_t redis_connections_ = 4;
  std::shared_ptr<ConnectionPool> pool_;
  std::shared_ptr<PublishedStore> store_;
};

// The store's fixture plus the PublicationService over real gRPC loopback.
class PublicationFixture : public StoreFixture {
 protected:
  void SetUp() override {
    StoreFixture::SetUp();
    if (HasFatalFailure()) return;
    service_ = std::make_unique<PublicationService>(store_);
    grpc_listen_ = "127.0.0.1:" + std::to_string(stack::FreePort());
    std::vector<grpc::Service*> services = AlsoServe();
    services.insert(services.begin(), service_.get());
    auto grpc_server = StartGrpcServer(grpc_listen_, services);
    ASSERT_TRUE(grpc_server.ok()) << grpc_server.status().message();
    grpc_server_ = std::move(grpc_server).value();
    channel_ = grpc::CreateChannel(grpc_listen_, grpc::InsecureChannelCredentials());
    stub_ = v1::PublicationService::NewStub(channel_);
  }

  // Services served beside PublicationService (built once service_ exists); stubs for them go
  // over channel_.
  virtual std::vector<grpc::Service*> AlsoServe() { return {}; }

  void TearDown() override {
    if (grpc_server_) grpc_server_->Shutdown();
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

  std::unique_ptr<PublicationService> service_;
  std::string grpc_listen_;
  std::unique_ptr<GrpcServer> grpc_server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::PublicationService::Stub> stub_;
};

// The same with the analysis service served beside, and a stub for it.
class AnalysisFixture : public PublicationFixture {
 protected:
  void SetUp() override {
    PublicationFixture::SetUp();
    analysis_stub_ = v1::AnalysisService::NewStub(channel_);
  }

  std::vector<grpc::Service*> AlsoServe() override {
    analysis_ = std::make_unique<AnalysisService>(store_);
    return {analysis_.get()};
  }

  std::unique_ptr<AnalysisService> analysis_;
  std::unique_ptr<v1::AnalysisService::Stub> analysis_stub_;
};

}  // namespace hattama::publication
