#include "tools/hub/simulator/synthetic.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "tests/hub/temp_dir.h"
#include "tools/hub/simulator/registry_files.h"

namespace hattama::hub {
namespace {

int CountKind(const domain::Registry& registry, v1::AreaKind kind) {
  int count = 0;
  for (const auto& area : registry.election().areas()) count += area.kind() == kind ? 1 : 0;
  return count;
}

TEST(Synthetic, WrittenRegistryLoadsWithExactlyTheStationsAsked) {
  TempDir dir;
  auto generated = GenerateElection({.stations = 10'000, .seed = 2021});
  ASSERT_TRUE(generated.ok()) << generated.status().message();
  ASSERT_TRUE(WriteRegistryFiles(generated->election, generated->stations, dir.path()).ok());

  auto loaded = LoadRegistryFiles(dir.path());
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  const auto& registry = **loaded;
  EXPECT_EQ(registry.stations().size(), 10'000u);
  EXPECT_EQ(registry.nation_id(), "kz");
  EXPECT_EQ(CountKind(registry, v1::AREA_KIND_NATION), 1);
  EXPECT_EQ(CountKind(registry, v1::AREA_KIND_REGION), 20);
  EXPECT_GE(CountKind(registry, v1::AREA_KIND_DISTRICT), 100);
  EXPECT_EQ(registry.StationsRegistered("kz", kMazhilis), 10'000);
  // What was written is what was generated, station by station.
  for (size_t i = 0; i < generated->stations.size(); ++i) {
    EXPECT_EQ(registry.stations()[i].ToProto().SerializeAsString(),
              generated->stations[i].SerializeAsString());
  }
}

TEST(Synthetic, HasThreeCitiesOfRepublicanSignificanceAndSeventeenOblasts) {
  auto registry = GenerateRegistry({.stations = 10'000, .seed = 2021});
  ASSERT_TRUE(registry.ok()) << registry.status().message();
  std::set<std::string> cities;
  int oblasts = 0;
  for (const auto& area : (*registry)->election().areas()) {
    if (area.kind() != v1::AREA_KIND_REGION) continue;
    if (area.is_city())
      cities.insert(area.name());
    else
      ++oblasts;
    EXPECT_EQ(area.parent_id(), "kz");
    EXPECT_GT((*registry)->StationsRegistered(area.area_id(), kMazhilis), 0) << area.area_id();
  }
  EXPECT_EQ(cities, (std::set<std::string>{"Astana", "Almaty", "Shymkent"}));
  EXPECT_EQ(oblasts, 17);
  ASSERT_NE((*registry)->FindArea("kz-akmola"), nullptr);
  ASSERT_NE((*registry)->FindArea("kz-akmola-01"), nullptr);
  EXPECT_EQ((*registry)->FindArea("kz-akmola-01")->name(), "Kokshetau city");
}

TEST(Synthetic, ContestsAreVotedWhereTheyBelong) {
  auto registry = GenerateRegistry({.stations = 3'000, .seed = 7});
  ASSERT_TRUE(registry.ok()) << registry.status().message();
  const auto& r = **registry;
  std::set<std::string> contest_ids;
  for (const auto& contest : r.election().contests()) {
    contest_ids.insert(contest.contest_id());
    EXPECT_EQ(contest.options_size(), 5) << contest.contest_id();
  }
  EXPECT_EQ(contest_ids, (std::set<std::string>{kMazhilis, kOblastMaslikhat, kCityMaslikhat}));
  for (const auto& station : r.stations()) {
    const auto chain = r.EnclosingAreas(station);
    ASSERT_EQ(chain.size(), 3u);
    const v1::Area& district = *chain[0];
    const v1::Area& region = *chain[1];
    const bool centre = district.area_id() == region.area_id() + "-01";
    std::set<std::string> got(station.contest_ids().begin(), station.contest_ids().end());
    std::set<std::string> want{kMazhilis};
    if (!region.is_city()) want.insert(kOblastMaslikhat);
    if (region.is_city() || centre) want.insert(kCityMaslikhat);
    EXPECT_EQ(got, want) << station.station_id();
    EXPECT_GE(station.registered_voters(), 200);
    EXPECT_LE(station.registered_voters(), 3000);
  }
  EXPECT_EQ(r.StationsRegistered("kz-astana", kOblastMaslikhat), 0);
  EXPECT_GT(r.StationsRegistered("kz-astana", kCityMaslikhat), 0);
  EXPECT_GT(r.StationsRegistered("kz-turkistan-01", kCityMaslikhat), 0);
  EXPECT_EQ(r.StationsRegistered("kz-turkistan-02", kCityMaslikhat), 0);
}

TEST(Synthetic, StationsFollowPopulation) {
  auto registry = GenerateRegistry({.stations = 10'000, .seed = 2021});
  ASSERT_TRUE(registry.ok());
  // Turkistan (about 2.1 million) has about ten times the stations of Ulytau (about 0.2 million).
  const auto turkistan = (*registry)->StationsRegistered("kz-turkistan", kMazhilis);
  const auto ulytau = (*registry)->StationsRegistered("kz-ulytau", kMazhilis);
  EXPECT_GT(turkistan, 8 * ulytau);
  EXPECT_LT(turkistan, 12 * ulytau);
}

TEST(Synthetic, SmallElectionStillHasAStationInEveryRegion) {
  auto registry = GenerateRegistry({.stations = 300, .seed = 2021});
  ASSERT_TRUE(registry.ok()) << registry.status().message();
  EXPECT_EQ((*registry)->stations().size(), 300u);
  for (const auto* region : (*registry)->Children("kz")) {
    EXPECT_GT((*registry)->StationsRegistered(region->area_id(), kMazhilis), 0)
        << region->area_id();
  }
  EXPECT_EQ((*registry)->stations().front().station_id(), "UIK-00001");
  EXPECT_EQ((*registry)->stations().back().station_id(), "UIK-00300");
}

TEST(Synthetic, StationIdsWidenPastFiveDigits) {
  auto generated = GenerateElection({.stations = 123'456, .seed = 1});
  ASSERT_TRUE(generated.ok());
  EXPECT_EQ(generated->stations.front().station_id(), "UIK-000001");
  EXPECT_EQ(generated->stations.back().station_id(), "UIK-123456");
}

TEST(Synthetic, SameSeedSameElectionOtherSeedAnother) {
  auto a = GenerateElection({.stations = 1'000, .seed = 5});
  auto b = GenerateElection({.stations = 1'000, .seed = 5});
  auto c = GenerateElection({.stations = 1'000, .seed = 6});
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  auto voters = [](const SyntheticElection& e) {
    std::vector<int64_t> v;
    for (const auto& s : e.stations) v.push_back(s.registered_voters());
    return v;
  };
  EXPECT_EQ(a->election.SerializeAsString(), b->election.SerializeAsString());
  EXPECT_EQ(voters(*a), voters(*b));
  EXPECT_NE(voters(*a), voters(*c));
}

TEST(Synthetic, RefusesAnElectionWithoutStations) {
  EXPECT_FALSE(GenerateElection({.stations = 0, .seed = 1}).ok());
}

// generate writes stations as they are drawn (WriteSyntheticRegistryFiles): the files are byte
// for byte those of the registry drawn whole and then written.
TEST(Synthetic, RegistryWrittenAsDrawnIsTheRegistryDrawnWhole) {
  TempDir whole, streamed;
  auto generated = GenerateElection({.stations = 5'000, .seed = 9});
  ASSERT_TRUE(generated.ok()) << generated.status().message();
  ASSERT_TRUE(WriteRegistryFiles(generated->election, generated->stations, whole.path()).ok());
  ASSERT_TRUE(WriteSyntheticRegistryFiles({.stations = 5'000, .seed = 9}, streamed.path()).ok());
  for (const auto& path : {ElectionJsonPath, StationsCsvPath}) {
    std::ifstream a(path(whole.path())), b(path(streamed.path()));
    std::stringstream a_text, b_text;
    a_text << a.rdbuf();
    b_text << b.rdbuf();
    EXPECT_FALSE(a_text.str().empty());
    EXPECT_EQ(a_text.str(), b_text.str()) << path(streamed.path());
  }
}

}  // namespace
}  // namespace hattama::hub
