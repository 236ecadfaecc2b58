#include "common/domain/registry.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "common/domain/id_index.h"
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

// A registry of many stations as Load reads it: ids short and long (past the 15 bytes a
// std::string holds inline), every district, several lists of contests, in no particular order.
class LargeRegistryFile : public RegistryFiles {
 protected:
  struct Row {
    std::string station_id;
    std::string district_id;
    int64_t voters;
    std::vector<std::string> contests;
  };

  void SetUp() override {
    RegistryFiles::SetUp();
    std::ofstream(dir_ / "election.json") << R"({"electionId":"e","contests":[
        {"contestId":"mazhilis","options":[{"optionId":"a"}]},
        {"contestId":"maslikhat","options":[{"optionId":"b"}]}],
        "areas":[{"areaId":"kz","kind":"AREA_KIND_NATION"},
                 {"areaId":"r1","kind":"AREA_KIND_REGION","parentId":"kz"},
                 {"areaId":"r2","kind":"AREA_KIND_REGION","parentId":"kz"},
                 {"areaId":"d1","kind":"AREA_KIND_DISTRICT","parentId":"r1"},
                 {"areaId":"d2","kind":"AREA_KIND_DISTRICT","parentId":"r1"},
                 {"areaId":"d3","kind":"AREA_KIND_DISTRICT","parentId":"r2"}]})";
    const char* districts[] = {"d1", "d2", "d3"};
    const std::vector<std::vector<std::string>> lists = {
        {"mazhilis"}, {"mazhilis", "maslikhat"}, {"maslikhat"}, {}};
    std::ofstream csv(dir_ / "stations.csv");
    csv << "station_id,district_id,registered_voters,contest_ids\n";
    for (int i = 0; i < kStations; ++i) {
      // Interleaved districts and lists, so that neighbouring rows rarely share both.
      Row row{.station_id = i % 3 == 0 ? "a-long-station-id-" + std::to_string(i * 7919)
                                       : "S" + std::to_string(i * 7919),
              .district_id = districts[(i / 7) % 3],
              .voters = 100 + (i * 37) % 2000,
              .contests = lists[(i / 3) % lists.size()]};
      csv << row.station_id << "," << row.district_id << "," << row.voters << ","
          << fmt::format("{}", fmt::join(row.contests, ";")) << "\n";
      rows_.push_back(std::move(row));
    }
  }

  std::shared_ptr<const Registry> Load() {
    auto registry =
        Registry::Load((dir_ / "election.json").string(), (dir_ / "stations.csv").string());
    EXPECT_TRUE(registry.ok()) << registry.status().message();
    return registry.ok() ? *registry : nullptr;
  }

  static constexpr int kStations = 30'000;
  std::vector<Row> rows_;
};

TEST_F(LargeRegistryFile, FindsEveryStationWithItsFields) {
  auto registry = Load();
  ASSERT_NE(registry, nullptr);
  ASSERT_EQ(registry->stations().size(), rows_.size());
  for (size_t i = 0; i < rows_.size(); ++i) {
    const Row& row = rows_[i];
    const Station* station = registry->FindStation(row.station_id);
    ASSERT_NE(station, nullptr) << row.station_id;
    EXPECT_EQ(station, &registry->stations()[i]) << "listed order";
    EXPECT_EQ(station->station_id(), row.station_id);
    EXPECT_EQ(station->district_id(), row.district_id);
    EXPECT_EQ(station->registered_voters(), row.voters);
    EXPECT_EQ(station->contest_ids(), row.contests);
    EXPECT_EQ(station->ToProto().contest_ids_size(), static_cast<int>(row.contests.size()));
  }
  EXPECT_EQ(registry->FindStation("S1"), nullptr);
  EXPECT_EQ(registry->FindStation(""), nullptr);
  EXPECT_EQ(registry->FindStation("a-long-station-id-"), nullptr);
}

TEST_F(LargeRegistryFile, KnowsEachStationsAreasAndTheStationsOfEachDistrict) {
  auto registry = Load();
  ASSERT_NE(registry, nullptr);
  std::map<std::string, std::vector<std::string>> of_district;
  for (const Row& row : rows_) {
    const Station* station = registry->FindStation(row.station_id);
    ASSERT_NE(station, nullptr);
    const auto& chain = registry->EnclosingAreas(*station);
    ASSERT_EQ(chain.size(), 3u);
    EXPECT_EQ(chain[0]->area_id(), row.district_id);
    EXPECT_EQ(chain[1]->area_id(), row.district_id == "d3" ? "r2" : "r1");
    EXPECT_EQ(chain[2]->area_id(), "kz");
    EXPECT_EQ(registry->RegionOf(*station), chain[1]);
    of_district[row.district_id].push_back(row.station_id);
  }
  for (const auto& [district, ids] : of_district) {
    const auto& stations = registry->StationsOfDistrict(district);
    ASSERT_EQ(stations.size(), ids.size()) << district;
    for (size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(stations[i]->station_id(), ids[i]);
  }
}

TEST_F(LargeRegistryFile, CountsStationsAndVotersPerAreaAndPerStation) {
  auto registry = Load();
  ASSERT_NE(registry, nullptr);
  // Recounted here from the rows, area by area.
  std::map<std::pair<std::string, std::string>, std::pair<int64_t, int64_t>> expected;
  for (const Row& row : rows_) {
    const std::string region = row.district_id == "d3" ? "r2" : "r1";
    for (const auto& contest : row.contests) {
      for (const auto& area : {row.district_id, region, std::string("kz")}) {
        auto& [stations, voters] = expected[{area, contest}];
        stations += 1;
        voters += row.voters;
      }
    }
  }
  for (const auto& area : {"kz", "r1", "r2", "d1", "d2", "d3"}) {
    for (const auto& contest : {"mazhilis", "maslikhat"}) {
      const auto want = expected[{area, contest}];
      EXPECT_EQ(registry->StationsRegistered(area, contest), want.first) << area << " " << contest;
      EXPECT_EQ(registry->VotersRegistered(area, contest), want.second) << area << " " << contest;
    }
  }
  for (const Row& row : rows_) {
    for (const auto& contest : {"mazhilis", "maslikhat"}) {
      const bool holds =
          std::find(row.contests.begin(), row.contests.end(), contest) != row.contests.end();
      EXPECT_EQ(registry->StationsRegistered(row.station_id, contest), holds ? 1 : 0);
      EXPECT_EQ(registry->VotersRegistered(row.station_id, contest), holds ? row.voters : 0);
    }
  }
  EXPECT_EQ(registry->StationsRegistered("kz", "senate"), 0);
  EXPECT_EQ(registry->StationsRegistered("nowhere", "mazhilis"), 0);
}

TEST_F(LargeRegistryFile, BuildFromMessagesGivesTheSameRegistryAsLoad) {
  auto loaded = Load();
  ASSERT_NE(loaded, nullptr);
  std::vector<v1::Station> messages;
  for (const auto& station : loaded->stations()) messages.push_back(station.ToProto());
  auto built = Registry::Build(loaded->election(), messages);
  ASSERT_TRUE(built.ok()) << built.status().message();
  ASSERT_EQ((*built)->stations().size(), loaded->stations().size());
  for (const auto& station : loaded->stations()) {
    const Station* same = (*built)->FindStation(station.station_id());
    ASSERT_NE(same, nullptr);
    EXPECT_EQ(same->ToProto().SerializeAsString(), station.ToProto().SerializeAsString());
  }
  EXPECT_EQ((*built)->VotersRegistered("kz", "mazhilis"),
            loaded->VotersRegistered("kz", "mazhilis"));
}

TEST_F(RegistryFiles, NamesTheLineOfEveryKindOfBadRow) {
  const std::string header = "station_id,district_id,registered_voters,contest_ids\n";
  const std::string good = "S1,d,1200,mazhilis\n";
  const std::vector<std::pair<std::string, std::string>> broken = {
      {header + good + "S2,nowhere,10,mazhilis\n",
       "stations.csv:3: station S2 has unknown district nowhere"},
      {header + good + "S2,r,10,mazhilis\n", "stations.csv:3: station S2 has unknown district r"},
      {header + good + "S2,d,10,mazhilis;senate\n",
       "stations.csv:3: station S2 names unknown contest senate"},
      {header + good + "\nS1,d,10,mazhilis\n", "stations.csv:4: station S1 is listed twice"},
      {header + good + "S2,d,10\n", "stations.csv:3: expected 4 fields"},
      {header + good + "S2,d,10,mazhilis,x\n", "stations.csv:3: expected 4 fields"},
      {header + good + "S2,d,many,mazhilis\n", "stations.csv:3: registered_voters"},
      {"station,district,voters,contests\n" + good, "stations.csv:1: header must be"},
  };
  for (const auto& [csv, expected] : broken) {
    std::ofstream(dir_ / "stations.csv", std::ios::trunc) << csv;
    auto registry =
        Registry::Load((dir_ / "election.json").string(), (dir_ / "stations.csv").string());
    ASSERT_FALSE(registry.ok()) << csv;
    EXPECT_NE(registry.status().message().find(expected), std::string::npos)
        << registry.status().message();
  }
}

TEST(IdIndex, FindsEveryIdAddedWithoutReservingAndRefusesDuplicates) {
  std::vector<std::string> ids;
  IdIndex index;
  auto id_of = [&](uint32_t i) -> std::string_view { return ids[i]; };
  for (int i = 0; i < 50'000; ++i) {
    std::string id = "obs-" + std::to_string(i * 104729);
    ASSERT_TRUE(index.Insert(id, static_cast<uint32_t>(ids.size()), id_of));
    ids.push_back(std::move(id));
  }
  EXPECT_FALSE(index.Insert(ids[123], 999'999, id_of));
  EXPECT_EQ(index.size(), ids.size());
  for (uint32_t i = 0; i < ids.size(); ++i) EXPECT_EQ(index.Find(ids[i], id_of), i);
  EXPECT_EQ(index.Find("obs-1", id_of), std::nullopt);
  EXPECT_EQ(IdIndex().Find("anything", id_of), std::nullopt);
}

}  // namespace
}  // namespace hattama::domain
