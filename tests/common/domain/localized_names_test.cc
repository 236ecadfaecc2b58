#include "common/domain/localized_names.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/domain/registry.h"
#include "tests/testing/election.h"

namespace hattama::domain {
namespace {

// The registry files of one election whose names are given per language, as an operator writes
// them (protobuf JSON, proto field names).
class LocalizedNamesFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("hattama-localized-names-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "stations.csv")
        << "station_id,district_id,registered_voters,contest_ids\nS1,d,1200,mazhilis\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  Result<std::shared_ptr<const Registry>> Load(const std::string& area_names) {
    std::ofstream(dir_ / "election.json") << R"({"election_id":"e",
        "localized_names":{"kk":"Сайлау","ru":"Выборы","en":"Election"},
        "contests":[{"contest_id":"mazhilis","name":"Mazhilis",
          "localized_names":{"kk":"Мәжіліс","ru":"Мажилис","en":"Mazhilis"},
          "options":[{"option_id":"a","name":"A"},
                     {"option_id":"against-all","name":"Against all","against_all":true,
                      "localized_names":{"kk":"Барлығына қарсы","ru":"Против всех",
                                         "en":"Against all"}}]}],
        "areas":[{"area_id":"kz","kind":"AREA_KIND_NATION","name":"Kazakhstan",
                  "localized_names":)" << area_names
                                          << R"(},
                 {"area_id":"r","kind":"AREA_KIND_REGION","parent_id":"kz"},
                 {"area_id":"d","kind":"AREA_KIND_DISTRICT","parent_id":"r"}]})";
    return Registry::Load((dir_ / "election.json").string(), (dir_ / "stations.csv").string());
  }

  std::filesystem::path dir_;
};

TEST_F(LocalizedNamesFiles, KeepsTheNamesOfEveryLanguage) {
  auto registry = Load(R"({"kk":"Қазақстан","ru":"Казахстан","en":"Kazakhstan"})");
  ASSERT_TRUE(registry.ok()) << registry.status().message();
  const auto& election = (*registry)->election();
  EXPECT_EQ(election.localized_names().at("ru"), "Выборы");
  EXPECT_EQ((*registry)->FindArea("kz")->localized_names().at("kk"), "Қазақстан");
  const v1::Contest* contest = (*registry)->FindContest("mazhilis");
  EXPECT_EQ(contest->localized_names().at("kk"), "Мәжіліс");
  EXPECT_EQ(contest->options(1).localized_names().at("kk"), "Барлығына қарсы");
  EXPECT_EQ(contest->options(1).localized_names().at("ru"), "Против всех");
  // Names per language are optional: an area without them keeps its default name only.
  EXPECT_TRUE((*registry)->FindArea("r")->localized_names().empty());
}

TEST_F(LocalizedNamesFiles, RefusesALanguageOtherThanKazakhRussianOrEnglish) {
  auto registry = Load(R"({"kk":"Қазақстан","kz":"Қазақстан"})");
  ASSERT_FALSE(registry.ok());
  EXPECT_EQ(registry.status().message(),
            "area kz has a name in language 'kz', which is none of kk, ru and en");
}

TEST_F(LocalizedNamesFiles, RefusesAnEmptyName) {
  auto registry = Load(R"({"ru":""})");
  ASSERT_FALSE(registry.ok());
  EXPECT_EQ(registry.status().message(), "area kz has an empty name in 'ru'");
}

TEST_F(LocalizedNamesFiles, RefusesANameLongerThanTheBound) {
  const std::string longest(kMaxLocalizedNameBytes, 'a');
  EXPECT_TRUE(Load(R"({"en":")" + longest + R"("})").ok());
  auto registry = Load(R"({"en":")" + longest + R"(a"})");
  ASSERT_FALSE(registry.ok());
  EXPECT_EQ(registry.status().message(), "area kz has a name in 'en' of 257 bytes, more than 256");
}

TEST_F(LocalizedNamesFiles, RefusesANameHoldingAControlCharacter) {
  auto registry = Load(R"({"en":"Kazakh\nstan"})");
  ASSERT_FALSE(registry.ok());
  EXPECT_EQ(registry.status().message(), "area kz has a name in 'en' holding a control character");
}

TEST(LocalizedNames, BuiltRegistriesAreCheckedTheSameAndTheErrorNamesTheOption) {
  v1::Election election = testing::TinyElection();
  (*election.mutable_contests(0)->mutable_options(1)->mutable_localized_names())["ru-RU"] =
      "Ак жол";
  auto registry = Registry::Build(election, testing::TinyStations());
  ASSERT_FALSE(registry.ok());
  EXPECT_EQ(
      registry.status().message(),
      "option akzhol of contest mazhilis has a name in language 'ru-RU', which is none of kk, "
      "ru and en");
}

}  // namespace
}  // namespace hattama::domain
