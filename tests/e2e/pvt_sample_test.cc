// The PVT sample through the whole stack on a night as real nights go: city voters give the first
// list fewer votes and city protocols arrive first, the sampled stations' observers before everyone
// (hattama-hub simulate --arrival cities-first --pvt-sample FILE). Publication, started with the
// sample (--pvt-sample), publishes the sample file's SHA-256 before the first protocol; once half
// of the stations have reported, the estimate from the sample alone covers every list's final
// share within its 95 % margin, while the one from all the stations reported so far misses the
// first list's by more than its own margin.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <cmath>

#include "common/base/digest.h"
#include "common/base/files.h"
#include "hattama/v1/analysis.grpc.pb.h"
#include "tools/hub/simulator/biased_night.h"
#include "tools/hub/simulator/plan.h"
#include "tools/hub/simulator/pvt_phases.h"
#include "tools/hub/simulator/sample.h"
#include "tools/hub/simulator/synthetic.h"
#include "tools/hub/simulator/verify.h"
#include "tools/stack/stack.h"

namespace hattama {
namespace {

v1::PvtEstimate ReadEstimate(const std::string& publication) {
  auto channel = grpc::CreateChannel(publication, grpc::InsecureChannelCredentials());
  auto analysis = v1::AnalysisService::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::GetPvtEstimateRequest request;
  request.set_contest_id(hub::kMazhilis);
  v1::PvtEstimate estimate;
  EXPECT_TRUE(analysis->GetPvtEstimate(&context, request, &estimate).ok());
  return estimate;
}

TEST(PvtSample, OnACitiesFirstNightTheSampleCoversTheResultAndReportedSoFarDoesNot) {
  stack::TempDir dir("hattama-pvt-sample");
  // The synthetic registry marks the cities: the three of republican significance and each
  // oblast's centre-city district ("Aktobe city").
  auto registry = hub::GenerateRegistryFiles({.stations = 1'000, .seed = 4}, dir.path());
  ASSERT_TRUE(registry.ok()) << registry.status().message();
  const domain::Registry& reg = **registry;
  auto sample = hub::DrawPvtSample(reg, {.size = {.margin_percent = 1.5}, .seed = 4});
  ASSERT_TRUE(sample.ok()) << sample.status().message();
  const std::string sample_text = *analysis::FormatPvtSample(*sample);
  const std::string sample_path = dir.path() + "/pvt-sample.txt";
  ASSERT_TRUE(WriteNewFile(sample_path, sample_text, {.sync = false}).ok());
  auto stack = stack::Stack::Start({.registry_dir = dir.path(),
                                    .partitions = 4,
                                    .publication_flags = {"--pvt-sample", sample_path}});
  ASSERT_TRUE(stack.ok()) << stack.status().message();

  // Before the night: the sample's SHA-256 is published, nothing of it has reported.
  const v1::PvtEstimate before = ReadEstimate((*stack)->publication_address());
  ASSERT_TRUE(before.has_sample());
  EXPECT_EQ(before.sample().sha256(), Hex(Sha256(sample_text)));
  EXPECT_EQ(before.sample().stations_reported(), 0);
  EXPECT_EQ(before.sample().stations_sampled(), static_cast<int64_t>(sample->stations.size()));
  EXPECT_TRUE(before.sample().under_reported());

  hub::PlanOptions plan_options{.seed = 4, .hubs = 3};
  plan_options.arrival = hub::PlanOptions::Arrival::kCitiesFirst;
  for (const auto& station : sample->stations) plan_options.report_first.insert(station.station_id);
  auto plan = hub::DrawPlan(reg, plan_options);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  hub::PhasedStreamOptions options;
  options.stream.ingestion_address = (*stack)->ingestion_address();
  options.publication_address = (*stack)->publication_address();
  options.contest_id = hub::kMazhilis;
  options.marks = {0.03, 0.5};
  options.timeout = std::chrono::seconds(60);
  auto phased = hub::StreamInPhases(reg, plan->submissions, options);
  ASSERT_TRUE(phased.ok()) << phased.status().message();
  auto verified = hub::VerifyPublication(reg, plan->truth,
                                         {.publication_address = (*stack)->publication_address(),
                                          .timeout = std::chrono::seconds(60),
                                          .check_stations = false});
  ASSERT_EQ(verified.mismatch_count, 0);
  std::printf("%s", hub::FormatPvtPhases(reg, phased->phases, verified.published_nation).c_str());

  ASSERT_EQ(phased->phases.size(), 2u);
  // At 3 %: the sample's city stations have reported, not yet its countryside: a warning.
  const auto& early = phased->phases[0].estimates.at(hub::kMazhilis).sample();
  EXPECT_TRUE(early.under_reported());
  EXPECT_LT(early.stations_reported(), early.stations_sampled());
  // At 50 %: the whole sample has reported, and no region is under-reported.
  const v1::PvtEstimate& half = phased->phases[1].estimates.at(hub::kMazhilis);
  EXPECT_EQ(half.sample().stations_reported(), half.sample().stations_sampled());
  EXPECT_FALSE(half.sample().under_reported());
  EXPECT_EQ(half.sample().sha256(), Hex(Sha256(sample_text)));

  const hub::Tally& final_count = verified.published_nation.at(hub::kMazhilis);
  auto final_share = [&](const std::string& option_id) {
    return 100.0 * final_count.option_votes.at(option_id) /
           static_cast<double>(final_count.ballots_valid);
  };
  for (const auto& option : half.sample().options()) {
    EXPECT_LE(std::abs(option.share_percent() - final_share(option.option_id())),
              option.margin_percent())
        << "the sample misses " << option.option_id() << ": " << option.share_percent() << " ± "
        << option.margin_percent() << " against " << final_share(option.option_id());
  }
  // The first list, which city voters give fewer votes: reported so far is off by more than its
  // margin, and by more than the sample's margin too ("visibly").
  const auto& so_far = half.options(0);
  const double miss = std::abs(so_far.share_percent() - final_share(so_far.option_id()));
  EXPECT_GT(miss, so_far.margin_percent())
      << so_far.share_percent() << " ± " << so_far.margin_percent();
  EXPECT_GT(miss, half.sample().options(0).margin_percent());
}

}  // namespace
}  // namespace hattama
