#include "common/domain/registry.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "tests/testing/election.h"

namespace hattama::domain {
namespace {

TEST(Registry, KnowsTheAreasEnclosingAStation) {
  auto registry = testing::TinyRegistry();
  const auto* station = registry->FindStation("S1");
  ASSERT_NE(station, nullptr);
  auto chain = registry->EnclosingAreas(*station);
  ASSERT_EQ(chain.size(), 3u);
  EXPECT_EQ(chain[0]->area_id(), "kz-a-1");
  EXPECT_EQ(chain[1]->area_id(), "kz-a");
  EXPECT_EQ(chain[2]->area_id(), "kz");
  EXPECT_EQ(registry->nation_id(), "kz");
}

TEST(Registry, CountsStationsAndVotersPerAreaAndContest) {
  auto registry = testing::TinyRegistry();
  EXPECT_EQ(registry->StationsRegistered("kz", "mazhilis"), 6);
  EXPECT_EQ(registry->VotersRegistered("kz", "mazhilis"), 1000 + 800 + 600 + 1200 + 900 + 700);
  EXPECT_EQ(registry->StationsRegistered("kz-a", "mazhilis"), 3);
  EXPECT_EQ(registry->VotersRegistered("kz-b", "mazhilis"), 1200 + 900 + 700);
  // The maslikhat is held in kz-a only.
  EXPECT_EQ(registry->StationsRegistered("kz", "maslikhat"), 3);
  EXPECT_EQ(registry->VotersRegistered("kz", "maslikhat"), 1000 + 800 + 600);
  EXPECT_EQ(registry->StationsRegistered("kz-b", "maslikhat"), 0);
  EXPECT_EQ(registry->StationsRegistered("S1", "maslikhat"), 1);
}

TEST(Registry, ListsChildrenAndStationsOfADistrict) {
  auto registry = testing::TinyRegistry();
  EXPECT_EQ(registry->Children("kz").size(), 2u);
  EXPECT_EQ(registry->StationsOfDistrict("kz-a-1").size(), 3u);
  EXPECT_TRUE(registry->Children("nowhere").empty());
}

TEST(Registry, RejectsAStationInAnUnknownDistrict) {
  auto stations = testing::TinyStations();
  stations[1].set_district_id("kz-x-99");
  auto registry = Registry::Build(testing::TinyElection(), stations);
  ASSERT_FALSE(registry.ok());
  EXPECT_NE(registry.status().message().find("kz-x-99"), std::string::npos);
}

TEST(Registry, RejectsAStationNamingAnUnknownContest) {
  auto stations = testing::TinyStations();
  stations[0].add_contest_ids("senate");
  auto registry = Registry::Build(testing::TinyElection(), stations);
  ASSERT_FALSE(registry.ok());
  EXPECT_NE(registry.status().message().find("senate"), std::string::npos);
}

class RegistryFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() / ("hattama-registry-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "election.json") << R"({"electionId":"e","contests":[
        {"contestId":"mazhilis","options":[{"optionId":"a"},{"optionId":"b"}]}],
        "areas":[{"areaId":"kz","kind":"AREA_KIND_NATION"},
                 {"areaId":"r","kind":"AREA_KIND_REGION","parentId":"kz"},
                 {"areaId":"d","kind":"AREA_KIND_DISTRICT","parentId":"r"}]})";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(RegistryFiles, LoadsJsonElectionAndCsvStations) {
  std::ofstream(dir_ / "stations.csv")
      << "station_id,district_id,registered_voters,contest_ids\nS1,d,1200,mazhilis\nS2,d,300,\n";
  auto registry =
      Registry::Load((dir_ / "election.json").string(), (dir_ / "stations.csv").string());
  ASSERT_TRUE(registry.ok()) << registry.status().message();
  EXPECT_EQ((*registry)->stations().size(), 2u);
  EXPECT_EQ((*registry)->VotersRegistered("kz", "mazhilis"), 1200);
}

TEST_F(RegistryFiles, NamesTheLineOfABadStationRow) {
  std::ofstream(dir_ / "stations.csv")
      << "station_id,district_id,registered_voters,contest_ids\nS1,d,1200,mazhilis\nS2,d,-5,\n";
  auto registry =
      Registry::Load((dir_ / "election.json").string(), (dir_ / "stations.csv").string());
  ASSERT_FALSE(registry.ok());
  EXPECT_NE(registry.status().message().find("stations.csv:3:"), std::string::npos)
      << registry.status().message();
}

TEST_F(RegistryFiles, ReportsAMissingFile) {
  auto registry = Registry::Load((dir_ / "election.json").string(), (dir_ / "none.csv").string());
  ASSERT_FALSE(registry.ok());
  EXPECT_NE(registry.status().message().find("none.csv"), std::string::npos);
}

}  // namespace
}  // namespace hattama::domain
