#include "tools/hub/simulator/verify.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/hub/fake_services.h"
#include "tests/hub/simulator/night.h"
#include "tools/hub/simulator/plan.h"

namespace hattama::hub {
namespace {

using testing::FakePublication;
using testing::TestServer;

const testing::Night& SmallNight() {
  static const testing::Night night = testing::DrawNight(300, 2021, {.seed = 2021});
  return night;
}

VerifyOptions OptionsFor(const TestServer& server, int timeout_ms) {
  VerifyOptions options;
  options.publication_address = server.address();
  options.timeout = std::chrono::milliseconds(timeout_ms);
  return options;
}

TEST(Verify, PublicationShowingTheTruthMatches) {
  const auto& [registry, plan] = SmallNight();
  FakePublication publication(registry, plan.truth);
  TestServer server(&publication);

  const auto report = VerifyPublication(*registry, plan.truth, OptionsFor(server, 5000));
  EXPECT_TRUE(report.ok()) << (report.mismatches.empty() ? "" : report.mismatches[0]);
  EXPECT_EQ(report.areas_checked, static_cast<int64_t>(plan.truth.areas.size()));
  EXPECT_EQ(report.stations_checked, 300);
  EXPECT_EQ(report.rounds, 1);
  EXPECT_EQ(report.published_nation.at(kMazhilis), *plan.truth.FindArea("kz", kMazhilis));
}

TEST(Verify, NamesTheAreaFieldAndFiguresOfAWrongTotal) {
  const auto& [registry, plan] = SmallNight();
  Truth wrong = plan.truth;
  wrong.areas.at(AreaContestKey("kz-almaty-02", kMazhilis)).ballots_valid += 3;
  FakePublication publication(registry, wrong);
  TestServer server(&publication);

  const auto report = VerifyPublication(*registry, plan.truth, OptionsFor(server, 300));
  EXPECT_FALSE(report.ok());
  ASSERT_EQ(report.mismatch_count, 1);
  const auto want = plan.truth.FindArea("kz-almaty-02", kMazhilis)->ballots_valid;
  EXPECT_EQ(report.mismatches[0],
            fmt::format("area kz-almaty-02 × mazhilis: ballots_valid {}, expected {} (+3)",
                        want + 3, want));
}

TEST(Verify, CatchesAWrongOptionLineAndAWrongStationProtocol) {
  const auto& [registry, plan] = SmallNight();
  Truth wrong = plan.truth;
  wrong.areas.at(AreaContestKey("kz", kCityMaslikhat)).option_votes.at("auyl") -= 1;
  auto& station = wrong.stations.begin()->second;
  station.figures.set_ballots_in_box(station.figures.ballots_in_box() + 1);
  FakePublication publication(registry, wrong);
  TestServer server(&publication);

  const auto report = VerifyPublication(*registry, plan.truth, OptionsFor(server, 300));
  EXPECT_FALSE(report.ok());
  // The option line is wrong both in figures.option_votes and in options[].
  EXPECT_EQ(report.mismatch_count, 3);
  const std::string station_key = plan.truth.stations.begin()->first;
  const std::string station_id = station_key.substr(0, station_key.find('|'));
  bool station_named = false;
  for (const auto& line : report.mismatches) {
    station_named |= line.starts_with("station " + station_id) &&
                     line.find("ballots_in_box") != std::string::npos;
  }
  EXPECT_TRUE(station_named);
}

TEST(Verify, TimesOutWhenNotEveryProtocolShows) {
  const auto& [registry, plan] = SmallNight();
  const std::span<const PlannedSubmission> all(plan.submissions);
  FakePublication publication(registry, ComputeTruth(*registry, all.first(all.size() / 2)));
  TestServer server(&publication);

  const auto report = VerifyPublication(*registry, plan.truth, OptionsFor(server, 500));
  EXPECT_FALSE(report.reporting_complete);
  EXPECT_FALSE(report.ok());
  EXPECT_GT(report.mismatch_count, 0);
}

TEST(Verify, UnreachablePublicationIsAMismatchNotAHang) {
  const auto& [registry, plan] = SmallNight();
  VerifyOptions options;
  {
    FakePublication publication(registry, plan.truth);
    TestServer server(&publication);
    options.publication_address = server.address();
  }
  options.timeout = std::chrono::milliseconds(300);
  options.check_stations = false;
  const auto report = VerifyPublication(*registry, plan.truth, options);
  EXPECT_FALSE(report.ok());
  EXPECT_GT(report.mismatch_count, 0);
}

}  // namespace
}  // namespace hattama::hub
