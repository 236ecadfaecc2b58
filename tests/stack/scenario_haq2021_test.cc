// The scenario haq-2021 (tools/hub/simulator/scenario_haq2021.h) through the real stack: its
// deployment events, streamed by the hub client to ingestion, Kafka, aggregation's deployment
// table and publication, give exactly the observers' report's mandate table per city (and the
// regions' table its events imply); a table one figure off is a mismatch; a registry too small
// for the scenario is refused.
#include "tools/hub/simulator/scenario_haq2021.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "tools/hub/client/deployment_stream.h"
#include "tools/hub/simulator/deployment.h"
#include "tools/hub/simulator/observer_registry.h"
#include "tools/hub/simulator/registry_files.h"
#include "tools/hub/simulator/synthetic.h"
#include "tools/stack/stack.h"

namespace hattama::hub {
namespace {

using namespace std::chrono_literals;

// The synthetic election of `stations` stations in `dir`, with the observer registry's
// organisations (the scenario's among them) and no observers.
std::shared_ptr<const domain::Registry> Election(const std::string& dir, int64_t stations) {
  EXPECT_TRUE(WriteSyntheticRegistryFiles({.stations = stations, .seed = 2021}, dir).ok());
  EXPECT_TRUE(WriteObserverRegistry(std::vector<domain::Observer>{}, dir).ok());
  auto registry = LoadRegistryFiles(dir);
  EXPECT_TRUE(registry.ok()) << registry.status().message();
  return registry.ok() ? *registry : nullptr;
}

std::map<std::string, std::string> OneHub(const domain::Registry& registry) {
  std::map<std::string, std::string> hubs;
  for (const auto& area : registry.election().areas()) {
    if (area.kind() == v1::AREA_KIND_REGION) hubs[area.area_id()] = "hub-1";
  }
  return hubs;
}

TEST(ScenarioHaq2021, StreamedThroughTheStackGivesTheReportsTablePerCityExactly) {
  stack::TempDir dir("hattama-haq2021");
  auto registry = Election(dir.path(), 5'000);
  ASSERT_NE(registry, nullptr);
  auto plan = DrawHaq2021(*registry, OneHub(*registry));
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  auto stack = stack::Stack::Start({.registry_dir = dir.path(), .partitions = 2});
  ASSERT_TRUE(stack.ok()) << stack.status().message();

  auto streamed =
      StreamDeploymentEvents(plan->events, {.ingestion_address = (*stack)->ingestion_address()});
  ASSERT_TRUE(streamed.ok()) << streamed.status().message();
  EXPECT_EQ(streamed->rejected, 0);
  EXPECT_EQ(streamed->duplicate, plan->resends);
  v1::DeploymentTable regions;
  EXPECT_EQ(VerifyDeploymentTable((*stack)->publication_address(), *plan, 30s, &regions),
            std::vector<std::string>{});

  // The regions' table is complete, and each event moved its city's row in the same script call.
  auto cities = ReadCityDeployment((*stack)->publication_address());
  ASSERT_TRUE(cities.ok()) << cities.status().message();
  EXPECT_EQ(CheckHaq2021Cities(*registry, *cities), std::vector<std::string>{})
      << FormatCityTable(*cities);
  EXPECT_EQ(cities->total().mandates_sent(), 1030);
  EXPECT_EQ(cities->total().protocols_not_obtained(), 898);

  // The group is an independent organisation with those mandates; the other camps observe
  // outside the cities only.
  auto organisations = ReadOrganisationDeployment((*stack)->publication_address());
  ASSERT_TRUE(organisations.ok()) << organisations.status().message();
  const v1::OrganisationDeployment* haq = nullptr;
  for (const auto& row : organisations->organisations()) {
    if (row.organisation_id() == "haq") haq = &row;
  }
  ASSERT_NE(haq, nullptr);
  EXPECT_EQ(haq->affiliation(), "independent");
  EXPECT_EQ(haq->mandates_sent(), 1030);
  EXPECT_EQ(haq->mandates_handed_out(), 196);
  EXPECT_EQ(haq->stations_covered(), 123);
  EXPECT_EQ(haq->protocols_obtained(), 132);
  // Astana, Almaty and Shymkent are regions; Aktau, Uralsk and Kyzylorda cities inside three
  // more (Aktobe's observers were all refused).
  EXPECT_EQ(haq->regions_covered(), 6);
  EXPECT_EQ(organisations->coverage().both(), 0);
  EXPECT_EQ(organisations->coverage().independent(), 123);
}

TEST(ScenarioHaq2021, ATableOneFigureOffIsAMismatchNamingTheCity) {
  stack::TempDir dir("hattama-haq2021");
  auto registry = Election(dir.path(), 5'000);
  ASSERT_NE(registry, nullptr);
  // The report's table, as publication would publish it.
  v1::CityDeploymentTable table;
  for (const ReportedCity& city : Haq2021Table()) {
    for (const auto& area : registry->election().areas()) {
      if (area.name() != city.area_name) continue;
      v1::DeploymentFigures* row = table.add_cities();
      row->set_area_id(area.area_id());
      row->set_mandates_sent(city.sent);
      row->set_mandates_handed_out(city.handed_out);
      row->set_stations_covered(city.stations_covered);
      row->set_protocols_obtained(city.protocols);
      row->set_protocols_not_obtained(city.not_obtained);
    }
  }
  auto* total = table.mutable_total();
  total->set_mandates_sent(1030);
  total->set_mandates_handed_out(196);
  total->set_stations_covered(123);
  total->set_protocols_obtained(132);
  total->set_protocols_not_obtained(898);
  EXPECT_EQ(CheckHaq2021Cities(*registry, table), std::vector<std::string>{});

  table.mutable_cities(1)->set_mandates_handed_out(10);  // Almaty
  EXPECT_EQ(CheckHaq2021Cities(*registry, table),
            std::vector<std::string>{
                "Almaty: published 140/10/9/13/127, the report says 140/9/9/13/127"});
}

TEST(ScenarioHaq2021, TheRegistryMarksTheCitiesOfRepublicanSignificanceAndTheOblastCentres) {
  stack::TempDir dir("hattama-haq2021");
  auto registry = Election(dir.path(), 1'000);
  ASSERT_NE(registry, nullptr);
  std::vector<std::string> regions;
  std::vector<std::string> districts;
  for (const auto& area : registry->election().areas()) {
    if (!area.is_city()) continue;
    (area.kind() == v1::AREA_KIND_REGION ? regions : districts).push_back(area.name());
  }
  EXPECT_EQ(regions, (std::vector<std::string>{"Astana", "Almaty", "Shymkent"}));
  // Each of the 17 oblasts' centre, and no other district.
  EXPECT_EQ(districts.size(), 17u);
  for (const char* city : {"Aktau city", "Aktobe city", "Oral city", "Kyzylorda city"}) {
    EXPECT_NE(std::find(districts.begin(), districts.end(), city), districts.end()) << city;
  }
}

TEST(ScenarioHaq2021, ARegistryWithTooFewStationsInACityIsRefused) {
  stack::TempDir dir("hattama-haq2021");
  auto registry = Election(dir.path(), 1'000);
  ASSERT_NE(registry, nullptr);
  auto plan = DrawHaq2021(*registry, OneHub(*registry));
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("use more stations"), std::string::npos)
      << plan.status().message();
}

}  // namespace
}  // namespace hattama::hub
