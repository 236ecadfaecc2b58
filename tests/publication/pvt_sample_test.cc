// The PVT sample file as publication loads it (--pvt-sample) and the estimate from its stations
// alone, against a registry: no Redis, no gRPC.
#include "services/publication/pvt_sample.h"

#include <gtest/gtest.h>

#include "common/base/digest.h"
#include "common/base/files.h"
#include "tools/hub/simulator/sample.h"
#include "tools/hub/simulator/synthetic.h"
#include "tools/stack/stack.h"

namespace hattama::publication {
namespace {

class PvtSampleFile : public ::testing::Test {
 protected:
  // One registry for the suite: drawing it is most of the suite's time.
  static void SetUpTestSuite() {
    registry_ = std::move(hub::GenerateRegistry({.stations = 200, .seed = 3})).value();
  }
  static void TearDownTestSuite() { registry_.reset(); }
  void SetUp() override {
    sample_ = std::move(hub::DrawPvtSample(*registry_, {.size = {.margin_percent = 5}})).value();
  }
  // Writes `sample` as a file and loads it.
  Result<std::shared_ptr<const PvtSample>> Load(const analysis::PvtSample& sample,
                                                std::string* text = nullptr) {
    const std::string path = dir_.path() + "/sample-" + std::to_string(++files_) + ".txt";
    const std::string written = *analysis::FormatPvtSample(sample);
    if (text != nullptr) *text = written;
    EXPECT_TRUE(WriteNewFile(path, written, {.sync = false}).ok());
    return LoadPvtSample(path, *registry_);
  }

  stack::TempDir dir_{"hattama-pvt-sample-file"};
  int files_ = 0;
  static inline std::shared_ptr<const domain::Registry> registry_;
  analysis::PvtSample sample_;
};

TEST_F(PvtSampleFile, LoadsWithTheSha256OfItsBytes) {
  std::string text;
  auto loaded = Load(sample_, &text);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ((*loaded)->sha256, Hex(Sha256(text)));
  EXPECT_EQ((*loaded)->station_ids.size(), sample_.stations.size());
}

TEST_F(PvtSampleFile, ASampleOfAnotherElectionOrStationIsRefused) {
  analysis::PvtSample other = sample_;
  other.election_id = "kz-2023-03-19";
  auto refused = Load(other);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("drawn for election 'kz-2023-03-19', not "
                                            "'kz-2021-01-10'"),
            std::string::npos)
      << refused.status().message();

  other = sample_;
  other.stations[0].station_id = "UIK-99999";
  refused = Load(other);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("station UIK-99999 is not in the registry"),
            std::string::npos);

  other = sample_;
  other.stations[0].region_id = other.strata.back().region_id;
  ++other.strata.back().sampled;
  --other.strata.front().sampled;
  refused = Load(other);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("is not in region"), std::string::npos)
      << refused.status().message();
}

// The estimate takes the sampled stations among those reported, and nothing else: a station
// outside the sample with wildly different votes changes nothing.
TEST_F(PvtSampleFile, TheEstimateUsesSampledStationsOnly) {
  auto loaded = Load(sample_);
  ASSERT_TRUE(loaded.ok());
  const v1::Contest& contest = registry_->election().contests(0);
  const size_t options = static_cast<size_t>(contest.options_size());
  std::vector<ReportedStation> reported;
  int64_t first = 0, valid = 0;
  for (const auto& station : registry_->stations()) {
    const bool sampled = (*loaded)->station_ids.contains(station.station_id());
    // Sampled stations: 100 valid votes, 40 for the first list; the others: all for the first.
    std::vector<int64_t> votes(options, 0);
    votes[0] = sampled ? 40 : 100;
    votes[1] = sampled ? 60 : 0;
    reported.push_back({&station, {registry_->EnclosingAreas(station)[1]->area_id(), 100, votes}});
    first += votes[0];
    valid += 100;
  }
  const auto estimate = EstimateFromPvtSample(**loaded, *registry_, contest, reported);
  EXPECT_NEAR(estimate.options(0).share_percent(), 40, 1e-9);
  EXPECT_NEAR(estimate.options(0).margin_percent(), 0, 1e-9);
  EXPECT_EQ(estimate.stations_reported(), static_cast<int64_t>(sample_.stations.size()));
  EXPECT_FALSE(estimate.under_reported());
  EXPECT_EQ(estimate.sha256(), (*loaded)->sha256);
  EXPECT_DOUBLE_EQ(estimate.target_margin_percent(), 5);
  EXPECT_EQ(estimate.strata_size(), 20);
  // Nothing reported: every region under-reported, no estimate.
  const auto none = EstimateFromPvtSample(**loaded, *registry_, contest, {});
  EXPECT_TRUE(none.under_reported());
  EXPECT_EQ(none.stations_reported(), 0);
  EXPECT_DOUBLE_EQ(none.options(0).share_percent(), 0);
}

}  // namespace
}  // namespace hattama::publication
