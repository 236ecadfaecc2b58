#include "tools/hub/simulator/synthetic.h"

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "tests/hub/temp_dir.h"
#include "tools/hub/simulator/registry_files.h"
#include "tools/hub/simulator/synthetic_names.h"

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
    // The five 2021 lists; the Mazhilis also "against all" (the line the observers would restore).
    EXPECT_EQ(contest.options_size(), contest.contest_id() == kMazhilis ? 6 : 5)
        << contest.contest_id();
    for (const auto& option : contest.options()) {
      EXPECT_EQ(option.against_all(), option.option_id() == "against-all") << option.option_id();
    }
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

TEST(Synthetic, EveryAreaHasAPopulationThatAddsUp) {
  auto registry = GenerateRegistry({.stations = 1'000, .seed = 2021});
  ASSERT_TRUE(registry.ok());
  const auto& r = **registry;
  // The regions' 2022 estimates: Turkistan 2,100 thousand, Ulytau 220 thousand; 19,455 in all.
  EXPECT_EQ(r.FindArea("kz-turkistan")->population(), 2'100'000);
  EXPECT_EQ(r.FindArea("kz-ulytau")->population(), 220'000);
  EXPECT_EQ(r.FindArea("kz")->population(), 19'455'000);
  for (const auto* region : r.Children("kz")) {
    int64_t districts = 0;
    for (const auto* district : r.Children(region->area_id())) {
      ASSERT_TRUE(district->has_population()) << district->area_id();
      districts += district->population();
    }
    EXPECT_EQ(districts, region->population()) << region->area_id();
  }
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
  // Compared as messages: the order of a map's entries (localized_names) in bytes is not fixed.
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(a->election, b->election));
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

namespace hattama::hub {
namespace {

// Each of the three languages of a localized_names map, or "" for a missing one.
std::vector<std::string> ThreeLanguages(const google::protobuf::Map<std::string, std::string>& m) {
  std::vector<std::string> names;
  for (const char* language : {"kk", "ru", "en"}) {
    names.push_back(m.contains(language) ? m.at(language) : "");
  }
  return names;
}

TEST(Synthetic, NamesEveryAreaContestAndOptionInKazakhRussianAndEnglish) {
  TempDir dir;
  auto loaded = GenerateRegistryFiles({.stations = 300, .seed = 2021}, dir.path());
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  const auto& registry = **loaded;
  const auto& election = registry.election();
  const auto every_language_named = [](const auto& message) {
    EXPECT_EQ(message.localized_names().size(), 3u) << message.ShortDebugString();
    for (const auto& name : ThreeLanguages(message.localized_names())) {
      EXPECT_FALSE(name.empty()) << message.ShortDebugString();
    }
    EXPECT_EQ(message.localized_names().at("en"), message.name());
  };
  every_language_named(election);
  for (const auto& area : election.areas()) every_language_named(area);
  for (const auto& contest : election.contests()) {
    every_language_named(contest);
    for (const auto& option : contest.options()) every_language_named(option);
  }

  EXPECT_EQ(ThreeLanguages(registry.FindArea("kz")->localized_names()),
            (std::vector<std::string>{"Қазақстан", "Казахстан", "Kazakhstan"}));
  EXPECT_EQ(ThreeLanguages(registry.FindArea("kz-almaty-region")->localized_names()),
            (std::vector<std::string>{"Алматы облысы", "Алматинская область", "Almaty Region"}));
  EXPECT_EQ(ThreeLanguages(registry.FindArea("kz-east-kazakhstan")->localized_names()),
            (std::vector<std::string>{"Шығыс Қазақстан облысы", "Восточно-Казахстанская область",
                                      "East Kazakhstan Region"}));
  EXPECT_EQ(ThreeLanguages(registry.FindArea("kz-shymkent")->localized_names()),
            (std::vector<std::string>{"Шымкент", "Шымкент", "Shymkent"}));
  // An oblast's centre city by its real names; other districts transliterated.
  EXPECT_EQ(ThreeLanguages(registry.FindArea("kz-east-kazakhstan-01")->localized_names()),
            (std::vector<std::string>{"Өскемен қаласы", "город Усть-Каменогорск", "Oskemen city"}));
  EXPECT_EQ(ThreeLanguages(registry.FindArea("kz-abai-02")->localized_names()),
            (std::vector<std::string>{"Аягоз ауданы", "Район Аягоз", "Ayagoz District"}));
  EXPECT_EQ(ThreeLanguages(registry.FindContest(kMazhilis)->localized_names()),
            (std::vector<std::string>{"Мәжіліс (партиялық тізімдер)", "Мажилис (партийные списки)",
                                      "Mazhilis (party lists)"}));
  EXPECT_EQ(ThreeLanguages(registry.FindContest(kMazhilis)->options(1).localized_names()),
            (std::vector<std::string>{"Ақ жол", "Ак жол", "Ak Zhol"}));
  EXPECT_EQ(OptionName("against-all", "").ru, "Против всех");
  EXPECT_EQ(OptionName("against-all", "").kk, "Барлығына қарсы");
}

TEST(Synthetic, TransliteratesRomanisedNamesToCyrillic) {
  EXPECT_EQ(CyrillicFromLatin("Zhanaarka"), "Жанаарка");
  EXPECT_EQ(CyrillicFromLatin("Bukhar-Zhyrau"), "Бухар-Жырау");
  EXPECT_EQ(CyrillicFromLatin("Beineu"), "Бейнеу");
  EXPECT_EQ(CyrillicFromLatin("Moiynkum"), "Мойынкум");
  EXPECT_EQ(CyrillicFromLatin("Akkayyn"), "Аккайын");
  EXPECT_EQ(CyrillicFromLatin("Fyodorov"), "Фёдоров");
  EXPECT_EQ(CyrillicFromLatin("Yesil"), "Есил");
  EXPECT_EQ(CyrillicFromLatin("Tselinograd"), "Целиноград");
}

}  // namespace
}  // namespace hattama::hub
