// GetPvtEstimate ("reported so far") over real gRPC loopback, from the PVT sums aggregation keeps
// in each region's totals (common/redis/layout.h), against a real redis-server seeded through
// aggregation's apply path in two batches: it answers what the estimator makes of the counted
// stations one by one, through a revision, a dispute, a retraction and an official result, and
// reads the regions' totals only, never a station.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <numeric>

#include "common/analysis/pvt.h"
#include "services/publication/analysis_service.h"
#include "tests/publication/fixture.h"

namespace hattama::publication {
namespace {

using testing::ObserverRecord;

// A Mazhilis station's protocol as the estimator takes it: its region, every option's votes.
analysis::SampledStation Station(const std::string& region, std::vector<int64_t> votes) {
  const int64_t valid = std::accumulate(votes.begin(), votes.end(), int64_t{0});
  return {region, valid, std::move(votes)};
}

class PvtEstimateTest : public AnalysisFixture {
 protected:
  v1::PvtEstimate GetPvtEstimate() {
    grpc::ClientContext context;
    v1::GetPvtEstimateRequest request;
    request.set_contest_id("mazhilis");
    v1::PvtEstimate estimate;
    const grpc::Status status = analysis_stub_->GetPvtEstimate(&context, request, &estimate);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return estimate;
  }

  // The answer is the estimator's over `counted` (regions kz-a and kz-b, three stations each).
  void ExpectEstimateOf(const std::vector<analysis::SampledStation>& counted) {
    const std::vector<analysis::Stratum> strata = {{"kz-a", 3}, {"kz-b", 3}};
    const auto expected = analysis::EstimateShares(counted, strata, 3);
    const v1::PvtEstimate answer = GetPvtEstimate();
    EXPECT_EQ(answer.stations_sampled(), static_cast<int64_t>(counted.size()));
    EXPECT_EQ(answer.regions_sampled(), 2);
    EXPECT_EQ(answer.regions_total(), 2);
    ASSERT_EQ(answer.options_size(), 3);
    for (int k = 0; k < 3; ++k) {
      EXPECT_NEAR(answer.options(k).share_percent(), expected.options[k].share_percent, 1e-9)
          << "option " << k;
      EXPECT_NEAR(answer.options(k).margin_percent(), expected.options[k].margin_percent, 1e-9)
          << "option " << k;
      EXPECT_GT(answer.options(k).margin_percent(), 0) << "option " << k;
    }
  }

  // Calls of `command` Redis answered since the last CONFIG RESETSTAT.
  int64_t Calls(const std::string& command) {
    auto info = redis_->Run({"INFO", "commandstats"});
    EXPECT_TRUE(info.ok());
    const std::string prefix = "cmdstat_" + command + ":calls=";
    const size_t at = info.ok() ? info->str.find(prefix) : std::string::npos;
    return at == std::string::npos ? 0 : std::stoll(info->str.substr(at + prefix.size()));
  }
};

TEST_F(PvtEstimateTest, RevisionsDisputesAndRetractionsMoveTheEstimateAsTheCountedStationsDo) {
  // S1, S2, S3 are in kz-a; S4, S5 in kz-b. The official result of S5 is no observer's.
  Aggregate({ObserverRecord("a", "S1", "mazhilis", {300, 120, 80}),
             ObserverRecord("b", "S2", "mazhilis", {200, 100, 50}),
             ObserverRecord("c", "S3", "mazhilis", {100, 100, 100}),
             ObserverRecord("d", "S4", "mazhilis", {400, 50, 50}),
             OfficialRecord("o", "S5", "mazhilis", {450, 40, 10})});
  ExpectEstimateOf({Station("kz-a", {300, 120, 80}), Station("kz-a", {200, 100, 50}),
                    Station("kz-a", {100, 100, 100}), Station("kz-b", {400, 50, 50})});

  // S1 corrected by its observer; two observers outvote S2's first; S3's observer withdraws it;
  // S5 reported by an observer at last.
  auto revised = ObserverRecord("e", "S1", "mazhilis", {310, 110, 80});
  revised.mutable_submission()->set_revision(2);
  revised.set_digest("sha256:" + revised.submission().SerializeAsString());
  v1::SubmissionRecord retraction;
  auto* withdrawn = retraction.mutable_submission();
  withdrawn->set_submission_id("h");
  withdrawn->set_observer_id("observer-1");
  withdrawn->set_source(v1::SOURCE_OBSERVER);
  withdrawn->set_retraction(true);
  withdrawn->set_revision(1);
  withdrawn->mutable_protocol()->set_station_id("S3");
  withdrawn->mutable_protocol()->set_contest_id("mazhilis");
  retraction.set_digest("sha256:" + withdrawn->SerializeAsString());
  Aggregate({revised, ObserverRecord("f", "S2", "mazhilis", {150, 150, 50}, 0, "observer-2"),
             ObserverRecord("g", "S2", "mazhilis", {150, 150, 50}, 0, "observer-3"), retraction,
             ObserverRecord("i", "S5", "mazhilis", {250, 150, 50})});
  ExpectEstimateOf({Station("kz-a", {310, 110, 80}), Station("kz-a", {150, 150, 50}),
                    Station("kz-b", {400, 50, 50}), Station("kz-b", {250, 150, 50})});
}

TEST_F(PvtEstimateTest, AnEstimateReadsEachRegionsTotalsOncePerPartitionAndNoStation) {
  Aggregate({ObserverRecord("a", "S1", "mazhilis", {300, 120, 80}),
             ObserverRecord("b", "S4", "mazhilis", {400, 50, 50})});
  ASSERT_TRUE(redis_->Run({"CONFIG", "RESETSTAT"}).ok());
  EXPECT_EQ(GetPvtEstimate().stations_sampled(), 2);
  // Two regions' totals hashes in each of the 4 partitions; no station hash.
  EXPECT_EQ(Calls("hgetall"), 2 * testing::kPartitions);
  EXPECT_EQ(Calls("hget") + Calls("hmget"), 0);
}

}  // namespace
}  // namespace hattama::publication
