// The analysis service over real gRPC loopback, reading what publication publishes from a real
// redis-server seeded through aggregation's apply path.
#include "services/publication/analysis_service.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "tests/publication/fixture.h"

namespace hattama::publication {
namespace {

using testing::ObserverRecord;

class AnalysisTest : public AnalysisFixture {
 protected:
  // S1 and S4 counted: 500 / 220 / 130 of 850 valid votes.
  void AggregateTwoStations() {
    Aggregate({ObserverRecord("a", "S1", "mazhilis", {300, 120, 80}, 20),
               ObserverRecord("b", "S4", "mazhilis", {200, 100, 50}, 10)});
  }

  // The Mazhilis seats over gRPC, at the default threshold unless `request` sets one.
  grpc::Status GetSeats(v1::GetSeatsRequest request, v1::SeatAllocation& seats) {
    grpc::ClientContext context;
    request.set_contest_id("mazhilis");
    return analysis_stub_->GetSeats(&context, request, &seats);
  }

  // The national PVT estimate of the Mazhilis over gRPC.
  grpc::Status GetPvtEstimate(v1::PvtEstimate& estimate) {
    grpc::ClientContext context;
    v1::GetPvtEstimateRequest request;
    request.set_contest_id("mazhilis");
    return analysis_stub_->GetPvtEstimate(&context, request, &estimate);
  }
};

TEST_F(AnalysisTest, SeatsFollowTheHareQuotaAboveTheThreshold) {
  // 500 / 220 / 130 of 850 valid votes: 98 × share = 57.6 / 25.4 / 15.0 -> 58 / 25 / 15.
  AggregateTwoStations();
  v1::SeatAllocation seats;
  ASSERT_TRUE(GetSeats({}, seats).ok());
  ASSERT_EQ(seats.options_size(), 3);
  EXPECT_EQ(seats.seats(), 98);
  EXPECT_DOUBLE_EQ(seats.threshold_percent(), 7);
  EXPECT_EQ(seats.options(0).seats(), 58);
  EXPECT_EQ(seats.options(1).seats(), 25);
  EXPECT_EQ(seats.options(2).seats(), 15);
  EXPECT_EQ(seats.stations_reporting(), 2);
}

TEST_F(AnalysisTest, AHigherThresholdLeavesTheSmallestListOut) {
  AggregateTwoStations();
  v1::GetSeatsRequest request;
  request.set_threshold_percent(20);  // 130 of 850 is 15.3 %
  v1::SeatAllocation seats;
  ASSERT_TRUE(GetSeats(request, seats).ok());
  EXPECT_FALSE(seats.options(2).passes_threshold());
  EXPECT_EQ(seats.options(0).seats(), 68);
  EXPECT_EQ(seats.options(1).seats(), 30);
  EXPECT_EQ(seats.options(2).seats(), 0);
}

TEST_F(AnalysisTest, PvtOfEveryStationIsTheExactShareWithNoMargin) {
  Aggregate({ObserverRecord("a", "S1", "mazhilis", {300, 120, 80}),
             ObserverRecord("b", "S2", "mazhilis", {200, 100, 50}),
             ObserverRecord("c", "S3", "mazhilis", {100, 100, 100}),
             ObserverRecord("d", "S4", "mazhilis", {400, 50, 50}),
             ObserverRecord("e", "S5", "mazhilis", {250, 150, 50}),
             ObserverRecord("f", "S6", "mazhilis", {150, 150, 150})});
  v1::PvtEstimate estimate;
  ASSERT_TRUE(GetPvtEstimate(estimate).ok());
  EXPECT_EQ(estimate.stations_sampled(), 6);
  EXPECT_EQ(estimate.regions_sampled(), 2);
  // 1400 of 2550 valid votes.
  EXPECT_NEAR(estimate.options(0).share_percent(), 100.0 * 1400 / 2550, 1e-9);
  EXPECT_NEAR(estimate.options(0).margin_percent(), 0, 1e-9);
}

TEST_F(AnalysisTest, PvtFromPartOfTheStationsHasAMargin) {
  Aggregate({ObserverRecord("a", "S1", "mazhilis", {300, 120, 80}),
             ObserverRecord("b", "S2", "mazhilis", {200, 100, 50}),
             ObserverRecord("d", "S4", "mazhilis", {400, 50, 50}),
             ObserverRecord("e", "S5", "mazhilis", {250, 150, 50})});
  v1::PvtEstimate estimate;
  ASSERT_TRUE(GetPvtEstimate(estimate).ok());
  EXPECT_EQ(estimate.stations_sampled(), 4);
  EXPECT_GT(estimate.options(0).margin_percent(), 0);
}

TEST_F(AnalysisTest, RedFlagsNameTheStationAndWhy) {
  Aggregate({ObserverRecord("a", "S1", "mazhilis", {960, 10, 5}),  // 97.5 % turnout, 98 % lead
             ObserverRecord("b", "S4", "mazhilis", {100, 50, 20}),
             ObserverRecord("c", "S5", "mazhilis", {100, 50, 20})});  // S4's figures exactly
  grpc::ClientContext context;
  v1::GetRedFlagsRequest request;
  request.set_area_id("kz");
  request.set_contest_id("mazhilis");
  v1::RedFlags flags;
  ASSERT_TRUE(analysis_stub_->GetRedFlags(&context, request, &flags).ok());
  EXPECT_EQ(flags.stations_examined(), 3);
  std::multiset<std::pair<std::string, int>> seen;
  for (const auto& flag : flags.flags()) seen.insert({flag.station_id(), flag.kind()});
  EXPECT_EQ(seen.count({"S1", v1::RED_FLAG_KIND_TURNOUT_ABOVE_95}), 1u);
  EXPECT_EQ(seen.count({"S1", v1::RED_FLAG_KIND_OPTION_ABOVE_90}), 1u);
  EXPECT_EQ(seen.count({"S4", v1::RED_FLAG_KIND_IDENTICAL_PROTOCOL}), 1u);
  EXPECT_EQ(seen.count({"S5", v1::RED_FLAG_KIND_IDENTICAL_PROTOCOL}), 1u);
  EXPECT_EQ(flags.last_digits().digit_counts_size(), 10);
  EXPECT_EQ(flags.last_digits().counts_tested(), 8);  // the 5 of S1 is too small to test
}

TEST_F(AnalysisTest, UnknownAreaIsNotFound) {
  grpc::ClientContext context;
  v1::GetRedFlagsRequest request;
  request.set_area_id("atlantis");
  request.set_contest_id("mazhilis");
  v1::RedFlags flags;
  EXPECT_EQ(analysis_stub_->GetRedFlags(&context, request, &flags).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace hattama::publication
