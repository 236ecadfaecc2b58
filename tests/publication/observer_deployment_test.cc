// Deployment per organisation, per affiliation and per city (DeploymentService) and the observer
// effect (AnalysisService.GetObserverEffect) over real gRPC loopback, against a real redis-server
// seeded through aggregation's own paths: deployment.lua with the arguments the deployment
// applier gives it, and the apply path for the protocols. Every figure is counted by hand below.
#include <gtest/gtest.h>

#include "common/domain/observers.h"
#include "services/aggregation/deployment_applier.h"
#include "services/aggregation/deployment_lua.h"
#include "services/publication/analysis_service.h"
#include "services/publication/deployment_service.h"
#include "tests/publication/fixture.h"

namespace hattama::publication {
namespace {

using domain::Affiliation;

// The tests' election with region kz-a marked a city (of republican significance) and district
// kz-b-1 a city inside region kz-b; organisations "indep" (independent, two observers declared),
// "taza" (authority-affiliated, one) and "nur" (party, none).
std::shared_ptr<const domain::Registry> CityRegistry() {
  v1::Election election = testing::TinyElection();
  for (auto& area : *election.mutable_areas()) {
    if (area.area_id() == "kz-a" || area.area_id() == "kz-b-1") area.set_is_city(true);
  }
  auto observers = domain::ObserverRegistry::Build(
      {{.organisation_id = "indep", .name = "Independent group"},
       {.organisation_id = "taza",
        .name = "Clean elections",
        .affiliation = Affiliation::kAuthorityAffiliated},
       {.organisation_id = "nur", .name = "Party observers", .affiliation = Affiliation::kParty}},
      {{.observer_id = "i1", .organisation_id = "indep", .hub_ids = {"hub-1"}},
       {.observer_id = "i2", .organisation_id = "indep", .hub_ids = {"hub-1"}},
       {.observer_id = "t1", .organisation_id = "taza", .hub_ids = {"hub-1"}}});
  return domain::Registry::Build(election, testing::TinyStations(), observers.value()).value();
}

class ObserverDeployment : public PublicationFixture {
 protected:
  void SetUp() override {
    registry_ = CityRegistry();
    PublicationFixture::SetUp();
    if (HasFatalFailure()) return;
    deployment_stub_ = v1::DeploymentService::NewStub(channel_);
    analysis_stub_ = v1::AnalysisService::NewStub(channel_);
  }

  std::vector<grpc::Service*> AlsoServe() override {
    deployment_ = std::make_unique<DeploymentService>(store_);
    analysis_ = std::make_unique<AnalysisService>(store_);
    return {deployment_.get(), analysis_.get()};
  }

  // Applies the events as aggregation's deployment applier does (each once: `e9` is sent twice).
  void Deploy() {
    struct Event {
      const char* id;
      const char* station;
      const char* organisation;
      v1::DeploymentEventKind kind;
    };
    const Event events[] = {
        {"e1", "S1", "indep", v1::DEPLOYMENT_EVENT_KIND_MANDATE_SENT},
        {"e2", "S1", "indep", v1::DEPLOYMENT_EVENT_KIND_MANDATE_HANDED_OUT},
        {"e3", "S1", "indep", v1::DEPLOYMENT_EVENT_KIND_OBSERVER_ADMITTED},
        {"e4", "S1", "indep", v1::DEPLOYMENT_EVENT_KIND_PROTOCOL_OBTAINED},
        {"e5", "S2", "indep", v1::DEPLOYMENT_EVENT_KIND_MANDATE_SENT},
        {"e6", "S2", "indep", v1::DEPLOYMENT_EVENT_KIND_MANDATE_HANDED_OUT},
        {"e7", "S2", "indep", v1::DEPLOYMENT_EVENT_KIND_OBSERVER_REFUSED},
        {"e8", "S4", "indep", v1::DEPLOYMENT_EVENT_KIND_MANDATE_SENT},
        {"e9", "S4", "indep", v1::DEPLOYMENT_EVENT_KIND_OBSERVER_ADMITTED},
        {"e9", "S4", "indep", v1::DEPLOYMENT_EVENT_KIND_OBSERVER_ADMITTED},
        {"e10", "S4", "indep", v1::DEPLOYMENT_EVENT_KIND_PROTOCOL_OBTAINED},
        {"e11", "S4", "indep", v1::DEPLOYMENT_EVENT_KIND_PROTOCOL_CONFISCATED},
        {"e12", "S1", "taza", v1::DEPLOYMENT_EVENT_KIND_OBSERVER_ADMITTED},
        {"e13", "S5", "taza", v1::DEPLOYMENT_EVENT_KIND_OBSERVER_ADMITTED},
        {"e14", "S5", "taza", v1::DEPLOYMENT_EVENT_KIND_OBSERVER_ADMITTED},
        {"e15", "S6", "nur", v1::DEPLOYMENT_EVENT_KIND_OBSERVER_ADMITTED},
        // An organisation the registry does not list (ingestion would refuse it with a registry).
        {"e16", "S3", "ghost", v1::DEPLOYMENT_EVENT_KIND_MANDATE_SENT},
    };
    redis::Script script(aggregation::kDeploymentLua);
    ASSERT_TRUE(redis_->LoadScript(script).ok());
    std::vector<redis::Command> calls;
    for (const Event& e : events) {
      v1::DeploymentEvent event;
      event.set_event_id(e.id);
      event.set_station_id(e.station);
      event.set_organisation_id(e.organisation);
      event.set_kind(e.kind);
      auto call = aggregation::DeploymentCall(script, *registry_, event);
      ASSERT_TRUE(call.has_value()) << e.id;
      calls.push_back(*call);
    }
    auto replies = redis_->RunScript(script, calls);
    ASSERT_TRUE(replies.ok()) << replies.status().message();
  }

  std::unique_ptr<DeploymentService> deployment_;
  std::unique_ptr<AnalysisService> analysis_;
  std::unique_ptr<v1::DeploymentService::Stub> deployment_stub_;
  std::unique_ptr<v1::AnalysisService::Stub> analysis_stub_;
};

// declared, sent, handed out, admitted, refused, removed, stations, regions, obtained, refused,
// confiscated.
std::vector<int64_t> Row(const v1::OrganisationDeployment& row) {
  return {row.observers_declared(), row.mandates_sent(),        row.mandates_handed_out(),
          row.observers_admitted(), row.observers_refused(),    row.observers_removed(),
          row.stations_covered(),   row.regions_covered(),      row.protocols_obtained(),
          row.protocols_refused(),  row.protocols_confiscated()};
}

TEST_F(ObserverDeployment, CountsEachOrganisationAndAffiliationAndTheCampsCoverage) {
  Deploy();
  grpc::ClientContext context;
  v1::OrganisationDeploymentTable table;
  ASSERT_TRUE(deployment_stub_->GetOrganisationDeployment(&context, {}, &table).ok());

  ASSERT_EQ(table.organisations_size(), 4);
  // indep: mandates at S1, S2, S4; handed out at S1, S2; admitted at S1 and S4 (e9 resent, once),
  // refused at S2; S1 in kz-a and S4 in kz-b: two regions.
  EXPECT_EQ(table.organisations(0).organisation_id(), "indep");
  EXPECT_EQ(table.organisations(0).affiliation(), "independent");
  EXPECT_EQ(Row(table.organisations(0)), (std::vector<int64_t>{2, 3, 2, 2, 1, 0, 2, 2, 2, 0, 1}));
  // taza: three admitted at two stations (S1 in kz-a, S5 in kz-b).
  EXPECT_EQ(table.organisations(1).affiliation(), "authority-affiliated");
  EXPECT_EQ(Row(table.organisations(1)), (std::vector<int64_t>{1, 0, 0, 3, 0, 0, 2, 2, 0, 0, 0}));
  EXPECT_EQ(table.organisations(2).affiliation(), "party");
  EXPECT_EQ(Row(table.organisations(2)), (std::vector<int64_t>{0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 0}));
  // Named by an event only.
  EXPECT_EQ(table.organisations(3).organisation_id(), "ghost");
  EXPECT_EQ(table.organisations(3).affiliation(), "unregistered");
  EXPECT_EQ(Row(table.organisations(3)), (std::vector<int64_t>{0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0}));

  ASSERT_EQ(table.affiliations_size(), 5);
  std::vector<std::string> names;
  for (const auto& row : table.affiliations()) names.push_back(row.name());
  EXPECT_EQ(names, (std::vector<std::string>{"independent", "party", "authority-affiliated",
                                             "international", "unregistered"}));
  EXPECT_EQ(Row(table.affiliations(0)), Row(table.organisations(0)));
  EXPECT_EQ(Row(table.affiliations(2)), Row(table.organisations(1)));
  EXPECT_EQ(Row(table.affiliations(3)), std::vector<int64_t>(11, 0));

  // Independent at S1 and S4, authority-affiliated at S1 and S5: both at S1; S2, S3 and S6 (a
  // party's observer only) by neither camp.
  const v1::StationCoverage& coverage = table.coverage();
  EXPECT_EQ(coverage.stations_registered(), 6);
  EXPECT_EQ(coverage.independent(), 2);
  EXPECT_EQ(coverage.authority_affiliated(), 2);
  EXPECT_EQ(coverage.both(), 1);
  EXPECT_EQ(coverage.independent_only(), 1);
  EXPECT_EQ(coverage.authority_affiliated_only(), 1);
  EXPECT_EQ(coverage.neither(), 3);
}

TEST_F(ObserverDeployment, CityTableHasTheCityRegionAndTheCityDistrictAndTheirTotal) {
  Deploy();
  grpc::ClientContext context;
  v1::CityDeploymentTable table;
  ASSERT_TRUE(deployment_stub_->GetCityDeployment(&context, {}, &table).ok());
  ASSERT_EQ(table.cities_size(), 2);
  // sent, handed out, stations covered, protocols, not obtained (sent - protocols).
  auto row = [](const v1::DeploymentFigures& f) {
    return std::vector<int64_t>{f.mandates_sent(), f.mandates_handed_out(), f.stations_covered(),
                                f.protocols_obtained(), f.protocols_not_obtained()};
  };
  // kz-a (S1-S3): mandates at S1, S2 and S3 (ghost), handed out at S1 and S2, S1 covered (by two
  // organisations, once), one protocol.
  EXPECT_EQ(table.cities(0).area_id(), "kz-a");
  EXPECT_EQ(row(table.cities(0)), (std::vector<int64_t>{3, 2, 1, 1, 2}));
  // kz-b-1 (S4-S6): one mandate (S4), S4, S5 and S6 covered, one protocol.
  EXPECT_EQ(table.cities(1).area_id(), "kz-b-1");
  EXPECT_EQ(row(table.cities(1)), (std::vector<int64_t>{1, 0, 3, 1, 0}));
  EXPECT_EQ(row(table.total()), (std::vector<int64_t>{4, 2, 4, 2, 2}));
  EXPECT_EQ(table.total().observers_admitted(), 6);
}

TEST_F(ObserverDeployment, ObserverEffectComparesStationsWithAndWithoutAnIndependentObserver) {
  Deploy();
  // With an independent observer: S1 (1,000 registered) and S4 (1,200); without: S2 (800) and S5
  // (900, an authority-affiliated observer only). S3 and S6 have no protocol counted.
  Aggregate({testing::ObserverRecord("a", "S1", "mazhilis", {300, 100, 100}),
             testing::ObserverRecord("b", "S4", "mazhilis", {360, 120, 120}),
             testing::ObserverRecord("c", "S2", "mazhilis", {200, 100, 100}),
             testing::ObserverRecord("d", "S5", "mazhilis", {225, 135, 90})});
  grpc::ClientContext context;
  v1::GetObserverEffectRequest request;
  request.set_contest_id("mazhilis");
  v1::ObserverEffect effect;
  ASSERT_TRUE(analysis_stub_->GetObserverEffect(&context, request, &effect).ok());
  EXPECT_EQ(effect.stations_with(), 2);
  EXPECT_EQ(effect.stations_without(), 2);
  // Turnout: 1,100 of 2,200 with, 850 of 1,700 without, every station at 50 %: no spread.
  EXPECT_DOUBLE_EQ(effect.turnout().with_percent(), 50);
  EXPECT_DOUBLE_EQ(effect.turnout().without_percent(), 50);
  EXPECT_TRUE(effect.turnout().has_interval());
  EXPECT_NEAR(effect.turnout().ci_low_points(), 0, 1e-9);
  EXPECT_NEAR(effect.turnout().ci_high_points(), 0, 1e-9);
  ASSERT_EQ(effect.options_size(), 3);
  // nur: 660 of 1,100 (60 % at both stations) against 425 of 850 (50 % at both): 10 points.
  EXPECT_EQ(effect.options(0).option_id(), "nur");
  EXPECT_DOUBLE_EQ(effect.options(0).with_percent(), 60);
  EXPECT_DOUBLE_EQ(effect.options(0).without_percent(), 50);
  EXPECT_NEAR(effect.options(0).difference_points(), 10, 1e-9);
  EXPECT_NEAR(effect.options(0).ci_low_points(), 10, 1e-9);
  // akzhol: 220 of 1,100 against 235 of 850; without, residuals 100 - 400·235/850 and
  // 135 - 450·235/850 (±10.588), so V = 2 · 2 · 10.588² / 850².
  EXPECT_DOUBLE_EQ(effect.options(1).with_percent(), 20);
  EXPECT_NEAR(effect.options(1).without_percent(), 23500.0 / 850, 1e-9);
  const double d = 100 - 400 * 235.0 / 850;
  const double half = 100 * 1.96 * std::sqrt(2 * 2 * d * d / (850.0 * 850.0));
  EXPECT_NEAR(effect.options(1).ci_high_points() - effect.options(1).difference_points(), half,
              1e-9);

  grpc::ClientContext unknown_context;
  request.set_contest_id("no-such-contest");
  EXPECT_EQ(analysis_stub_->GetObserverEffect(&unknown_context, request, &effect).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace hattama::publication
