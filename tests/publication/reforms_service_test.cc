// AnalysisService.GetReforms over real gRPC loopback, reading what publication publishes from a
// real redis-server seeded through aggregation's apply path, on a registry built here so that
// every figure can be computed by hand.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "services/publication/analysis_service.h"
#include "tests/publication/fixture.h"

namespace hattama::publication {
namespace {

// Nation "kz" (no population given); region "r1" (population 10,000) with districts d1, d2, d3
// (stations A1 1,000, A2 1,000, A3 2,000 registered voters); region "r2" (no population) with
// district d4 (population 5,000; station B1, 2,000). Contest "mazhilis": p, q, s and "against all"
// x at every station; contest "local" (l1, l2) in r1 only.
std::shared_ptr<const domain::Registry> ReformsRegistry() {
  v1::Election election;
  election.set_election_id("reforms-test");
  election.set_name("Reforms test");
  auto add_area = [&](const char* id, v1::AreaKind kind, const char* parent,
                      std::optional<int64_t> population) {
    auto* area = election.add_areas();
    area->set_area_id(id);
    area->set_name(std::string("Area ") + id);
    area->set_kind(kind);
    area->set_parent_id(parent);
    if (population) area->set_population(*population);
  };
  add_area("kz", v1::AREA_KIND_NATION, "", std::nullopt);
  add_area("r1", v1::AREA_KIND_REGION, "kz", 10'000);
  add_area("r2", v1::AREA_KIND_REGION, "kz", std::nullopt);
  add_area("d1", v1::AREA_KIND_DISTRICT, "r1", std::nullopt);
  add_area("d2", v1::AREA_KIND_DISTRICT, "r1", std::nullopt);
  add_area("d3", v1::AREA_KIND_DISTRICT, "r1", std::nullopt);
  add_area("d4", v1::AREA_KIND_DISTRICT, "r2", 5'000);
  auto add_contest = [&](const char* id, std::vector<std::string> options) {
    auto* contest = election.add_contests();
    contest->set_contest_id(id);
    contest->set_name(std::string("Contest ") + id);
    contest->set_level(v1::CONTEST_LEVEL_NATIONAL);
    for (const auto& option_id : options) {
      auto* option = contest->add_options();
      option->set_option_id(option_id);
      option->set_name("Option " + option_id);
      option->set_against_all(option_id == "x");
    }
  };
  add_contest("mazhilis", {"p", "q", "s", "x"});
  add_contest("local", {"l1", "l2"});
  std::vector<v1::Station> stations;
  auto add_station = [&](const char* id, const char* district, int64_t voters, bool local) {
    auto& station = stations.emplace_back();
    station.set_station_id(id);
    station.set_district_id(district);
    station.set_registered_voters(voters);
    station.add_contest_ids("mazhilis");
    if (local) station.add_contest_ids("local");
  };
  add_station("A1", "d1", 1000, true);
  add_station("A2", "d2", 1000, true);
  add_station("A3", "d3", 2000, true);
  add_station("B1", "d4", 2000, false);
  return domain::Registry::Build(election, stations).value();
}

class ReformsTest : public AnalysisFixture {
 protected:
  void SetUp() override {
    registry_ = ReformsRegistry();
    AnalysisFixture::SetUp();
  }

  // A consistent observer protocol of this registry's station: no spoiled ballot, so turnout is
  // the votes over the station's registered voters.
  v1::SubmissionRecord Record(const std::string& station_id, const std::string& contest_id,
                              const std::vector<int64_t>& votes) {
    v1::SubmissionRecord record =
        testing::ObserverRecord("sub-" + station_id + contest_id, station_id, contest_id, votes);
    auto* figures = record.mutable_submission()->mutable_protocol()->mutable_figures();
    figures->set_registered_voters(registry_->FindStation(station_id)->registered_voters());
    const v1::Contest* contest = registry_->FindContest(contest_id);
    for (int i = 0; i < figures->option_votes_size(); ++i) {
      figures->mutable_option_votes(i)->set_option_id(contest->options(i).option_id());
    }
    return record;
  }

  // National p 1,300, q 920, s 180, x 200 of 2,600 votes (50 %, 35.4 %, 6.9 %, 7.7 %); turnout
  // A1 50 %, A2 40 %, A3 40 %, B1 45 %; the local contest 60 % at A1.
  void AggregateNight() {
    Aggregate({Record("A1", "mazhilis", {300, 100, 50, 50}),
               Record("A2", "mazhilis", {100, 250, 30, 20}),
               Record("A3", "mazhilis", {200, 470, 60, 70}),
               Record("B1", "mazhilis", {700, 100, 40, 60}), Record("A1", "local", {300, 300})});
  }

  grpc::Status GetReforms(v1::GetReformsRequest request, v1::Reforms& reforms) {
    grpc::ClientContext context;
    if (request.contest_id().empty()) request.set_contest_id("mazhilis");
    return analysis_stub_->GetReforms(&context, request, &reforms);
  }
};

std::vector<int> Seats(const v1::Reforms& reforms, int (v1::ReformOption::*seats)() const) {
  std::vector<int> out;
  for (const auto& option : reforms.options()) out.push_back((option.*seats)());
  return out;
}

TEST_F(ReformsTest, SixSeatsUnderEverySystemSideBySide) {
  AggregateNight();
  v1::GetReformsRequest request;
  request.set_seats(6);
  v1::Reforms reforms;
  auto status = GetReforms(request, reforms);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(reforms.seats(), 6);
  EXPECT_DOUBLE_EQ(reforms.current_threshold_percent(), 7);
  EXPECT_DOUBLE_EQ(reforms.proposed_threshold_percent(), 3);
  ASSERT_EQ(reforms.options_size(), 4);
  EXPECT_EQ(reforms.options(2).votes(), 180);
  EXPECT_TRUE(reforms.options(3).against_all());
  // 7 %: p and q pass (2,220 votes); 6 × 1,300 = 3 × 2,220 + 1,140 and 6 × 920 = 2 × 2,220 +
  // 1,080: the sixth seat to p's larger remainder.
  EXPECT_EQ(Seats(reforms, &v1::ReformOption::seats_current_threshold),
            (std::vector<int>{4, 2, 0, 0}));
  // 3 %: s (6.9 %) passes too (2,400 votes); remainders p 600, q 720, s 1,080 of 2,400: s.
  EXPECT_EQ(Seats(reforms, &v1::ReformOption::seats_proposed_threshold),
            (std::vector<int>{3, 2, 1, 0}));
  // Mixed: 3 by list at 7 % (p 1 + 1,680 of 2,220, q 1 + 540: p 2, q 1) and 3 constituencies.
  EXPECT_EQ(reforms.mixed_list_seats(), 3);
  EXPECT_EQ(reforms.mixed_constituency_seats(), 3);
  EXPECT_EQ(Seats(reforms, &v1::ReformOption::mixed_list_seats), (std::vector<int>{2, 1, 0, 0}));
  EXPECT_EQ(Seats(reforms, &v1::ReformOption::mixed_constituency_seats),
            (std::vector<int>{2, 1, 0, 0}));
  // r1 (4,000 voters, 3 districts) gets the third constituency (r2 has one district): its two
  // runs aim at 2,000, d1 + d2 hit it.
  ASSERT_EQ(reforms.constituencies_size(), 3);
  const auto& c1 = reforms.constituencies(0);
  EXPECT_EQ(c1.constituency_id(), "C01");
  EXPECT_EQ(std::vector<std::string>(c1.district_ids().begin(), c1.district_ids().end()),
            (std::vector<std::string>{"d1", "d2"}));
  EXPECT_EQ(c1.registered_voters(), 2000);
  EXPECT_EQ(c1.winner_option_id(), "p");  // p 400, q 350
  EXPECT_EQ(c1.winner_votes(), 400);
  EXPECT_EQ(c1.votes(), 900);
  EXPECT_EQ(reforms.constituencies(1).winner_option_id(), "q");  // d3: q 470
  EXPECT_EQ(reforms.constituencies(2).region_id(), "r2");
  EXPECT_EQ(reforms.constituencies(2).winner_option_id(), "p");  // d4: p 700

  // Whose votes elected the seats: 2,220 (p, q) / 2,400 (p, q, s) / 2,220 of 6,000 registered;
  // the population is r1's 10,000 and, r2 having none, its district d4's 5,000.
  EXPECT_EQ(reforms.registered_voters(), 6000);
  EXPECT_EQ(reforms.population(), 15'000);
  EXPECT_EQ(reforms.decided_current_threshold().votes(), 2220);
  EXPECT_DOUBLE_EQ(reforms.decided_current_threshold().registered_percent(), 37);
  EXPECT_DOUBLE_EQ(reforms.decided_current_threshold().population_percent(), 14.8);
  EXPECT_EQ(reforms.decided_proposed_threshold().votes(), 2400);
  EXPECT_DOUBLE_EQ(reforms.decided_proposed_threshold().registered_percent(), 40);
  EXPECT_DOUBLE_EQ(reforms.decided_proposed_threshold().population_percent(), 16);
  EXPECT_EQ(reforms.decided_mixed().votes(), 2220);

  // Against all: 200 of 2,600, under the default 50 % maximum.
  EXPECT_TRUE(reforms.against_all().on_ballot());
  EXPECT_EQ(reforms.against_all().option_id(), "x");
  EXPECT_NEAR(reforms.against_all().share_percent(), 100.0 * 200 / 2600, 1e-9);
  EXPECT_DOUBLE_EQ(reforms.against_all().max_percent(), 50);
  EXPECT_FALSE(reforms.against_all().exceeds_max());
  EXPECT_EQ(reforms.stations_reporting(), 4);
}

TEST_F(ReformsTest, TurnoutBelowTheMinimumNamesAreasAndContests) {
  AggregateNight();
  v1::Reforms reforms;
  ASSERT_TRUE(GetReforms({}, reforms).ok());
  // At the default 50 %: r1 42.5 %, r2 45 %, d2 and d3 40 %, d4 45 %; d1 is at 50 %, not below.
  // Contests: the Mazhilis at 2,600 of 6,000 = 43.3 %; the local contest at 60 % is not.
  EXPECT_DOUBLE_EQ(reforms.min_turnout_percent(), 50);
  std::vector<std::string> areas;
  for (const auto& area : reforms.areas_below_min_turnout()) areas.push_back(area.id());
  EXPECT_EQ(areas, (std::vector<std::string>{"r1", "r2", "d2", "d3", "d4"}));
  EXPECT_EQ(reforms.areas_below_min_turnout(0).kind(), v1::AREA_KIND_REGION);
  EXPECT_DOUBLE_EQ(reforms.areas_below_min_turnout(0).turnout_percent(), 42.5);
  ASSERT_EQ(reforms.contests_below_min_turnout_size(), 1);
  EXPECT_EQ(reforms.contests_below_min_turnout(0).id(), "mazhilis");
  EXPECT_NEAR(reforms.turnout_percent(), 100.0 * 2600 / 6000, 1e-9);

  v1::GetReformsRequest request;
  request.set_min_turnout_percent(42);
  ASSERT_TRUE(GetReforms(request, reforms).ok());
  areas.clear();
  for (const auto& area : reforms.areas_below_min_turnout()) areas.push_back(area.id());
  EXPECT_EQ(areas, (std::vector<std::string>{"d2", "d3"}));
  EXPECT_EQ(reforms.contests_below_min_turnout_size(), 0);
}

TEST_F(ReformsTest, AgainstAllAboveTheMaximumVoidsTheContest) {
  AggregateNight();
  v1::GetReformsRequest request;
  request.set_seats(6);
  request.set_against_all_max_percent(5);  // x has 7.7 %
  v1::Reforms reforms;
  ASSERT_TRUE(GetReforms(request, reforms).ok());
  EXPECT_TRUE(reforms.against_all().exceeds_max());
  for (const auto& option : reforms.options()) {
    EXPECT_EQ(option.seats_current_threshold() + option.seats_proposed_threshold() +
                  option.mixed_list_seats() + option.mixed_constituency_seats(),
              0)
        << option.option_id();
  }
  EXPECT_EQ(reforms.constituencies(0).winner_option_id(), "");
  EXPECT_EQ(reforms.decided_current_threshold().votes(), 0);
  EXPECT_EQ(reforms.options(0).share_percent(), 50);  // the shares stand
}

TEST_F(ReformsTest, BadRequestsAreRefusedAndTooFewDistrictsLeaveOutTheMixedSystem) {
  AggregateNight();
  v1::Reforms reforms;
  v1::GetReformsRequest request;
  request.set_seats(1);
  EXPECT_EQ(GetReforms(request, reforms).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  request.set_seats(6);
  request.set_proposed_threshold_percent(101);
  EXPECT_EQ(GetReforms(request, reforms).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  request.Clear();
  request.set_contest_id("senate");
  EXPECT_EQ(GetReforms(request, reforms).error_code(), grpc::StatusCode::NOT_FOUND);
  // The default 98 seats want 49 constituencies of 4 districts: the rest is still answered.
  ASSERT_TRUE(GetReforms({}, reforms).ok());
  EXPECT_EQ(reforms.seats(), 98);
  EXPECT_EQ(reforms.mixed_constituency_seats(), 0);
  EXPECT_EQ(reforms.constituencies_size(), 0);
  EXPECT_FALSE(reforms.has_decided_mixed());
  EXPECT_EQ(reforms.options(0).seats_current_threshold(), 57);  // 98 × 1,300 / 2,220 = 57.4
}

}  // namespace
}  // namespace hattama::publication
