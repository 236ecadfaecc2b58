// The observer registry files (common/domain/observers.h) and how the station registry finds them.
#include "common/domain/observers.h"

#include <fmt/format.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/domain/registry.h"
#include "tests/testing/election.h"

namespace hattama::domain {
namespace {

constexpr char kOrganisations[] =
    "# organisations of the test\n"
    "organisation_id,name,affiliation,signatures\n"
    "erkindik-kanaty,Erkindik Kanaty,independent,optional\n"
    "\"oyan-qazaqstan\",\"Oyan, Qazaqstan\",international,required\r\n"
    "\n"
    "nur-otan-observers,\"Nur Otan \"\"observers\"\"\",party,optional\n";
constexpr char kObservers[] =
    "observer_id,organisation_id,hubs,public_key\n"
    "obs-1,erkindik-kanaty,hub-almaty,\n"
    "obs-2,oyan-qazaqstan,hub-almaty; hub-national;,11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n";

TEST(ObserverRegistry, ParsesOrganisationsAndObserversWithQuotesCommentsAndCrlf) {
  auto registry = ObserverRegistry::Parse(kOrganisations, kObservers);
  ASSERT_TRUE(registry.ok()) << registry.status().message();
  const Organisation* oyan = (*registry)->FindOrganisation("oyan-qazaqstan");
  ASSERT_NE(oyan, nullptr);
  EXPECT_EQ(oyan->name, "Oyan, Qazaqstan");
  EXPECT_EQ(oyan->affiliation, Affiliation::kInternational);
  EXPECT_TRUE(oyan->signatures_required);
  EXPECT_EQ((*registry)->FindOrganisation("nur-otan-observers")->name, "Nur Otan \"observers\"");
  EXPECT_EQ((*registry)->FindOrganisation("nur-otan-observers")->affiliation, Affiliation::kParty);

  const RegisteredObserver* first = (*registry)->FindObserver("obs-1");
  ASSERT_NE(first, nullptr);
  EXPECT_TRUE(first->MayBeRelayedBy("hub-almaty"));
  EXPECT_FALSE(first->MayBeRelayedBy("hub-national"));
  EXPECT_EQ(first->public_key(), nullptr);
  const RegisteredObserver* second = (*registry)->FindObserver("obs-2");
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->hub_ids(), (std::vector<std::string>{"hub-almaty", "hub-national"}));
  ASSERT_NE(second->public_key(), nullptr);
  EXPECT_EQ(second->public_key()->bytes().size(), 32u);
  EXPECT_EQ((*registry)->keyed_observers(), 1u);
  EXPECT_EQ((*registry)->FindObserver("obs-3"), nullptr);
}

TEST(ObserverRegistry, FormatIsTheInverseOfParse) {
  auto registry = ObserverRegistry::Parse(kOrganisations, kObservers).value();
  const std::string organisations =
      ObserverRegistry::FormatOrganisations(registry->organisations());
  const std::string observers = ObserverRegistry::FormatObservers(registry->observers());
  EXPECT_NE(organisations.find("\"Oyan, Qazaqstan\",international,required"), std::string::npos);
  auto again = ObserverRegistry::Parse(organisations, observers);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(ObserverRegistry::FormatOrganisations((*again)->organisations()), organisations);
  EXPECT_EQ(ObserverRegistry::FormatObservers((*again)->observers()), observers);
}

TEST(ObserverRegistry, RefusesWhatWouldLeaveAnObserverUnbound) {
  const std::string header = "observer_id,organisation_id,hubs,public_key\n";
  const std::vector<std::pair<std::string, std::string>> broken = {
      {header + "obs-1,no-such-org,hub-a,\n", "not listed"},
      {header + "obs-1,erkindik-kanaty,,\n", "no hub"},
      {header + "obs-1,erkindik-kanaty,hub-a,\nobs-1,erkindik-kanaty,hub-b,\n", "twice"},
      {header + "obs-1,oyan-qazaqstan,hub-a,\n", "requires signed"},
      {header + "obs-1,erkindik-kanaty,hub-a,bm90IGEga2V5\n", "32-byte"},
      {header + "obs-1,erkindik-kanaty,hub-a\n", "expected 4 fields"},
      {header + ",erkindik-kanaty,hub-a,\n", "empty"},
      {header + std::string(129, 'o') + ",erkindik-kanaty,hub-a,\n", "longer than 128"},
      {header + "\"obs-1,erkindik-kanaty,hub-a,\n", "not closed"},
      {"observer,organisation,hubs,key\n", "header must be"},
  };
  for (const auto& [observers, expected] : broken) {
    auto registry = ObserverRegistry::Parse(kOrganisations, observers);
    ASSERT_FALSE(registry.ok()) << observers;
    EXPECT_NE(registry.status().message().find(expected), std::string::npos)
        << registry.status().message();
  }
  auto bad_affiliation = ObserverRegistry::Parse(
      "organisation_id,name,affiliation,signatures\no,O,government,optional\n", kObservers);
  ASSERT_FALSE(bad_affiliation.ok());
  EXPECT_NE(bad_affiliation.status().message().find("organisations.csv line 2"), std::string::npos)
      << bad_affiliation.status().message();
}

// Observers share their organisation and hubs in the registry (one held for many): each must
// still read back as listed, found by id among thousands.
TEST(ObserverRegistry, FindsEachOfThousandsOfObserversWithTheirOwnOrganisationHubsAndKey) {
  const char* organisations[] = {"erkindik-kanaty", "oyan-qazaqstan", "nur-otan-observers"};
  const char* hubs[] = {"hub-almaty", "hub-almaty;hub-national", "hub-national"};
  const std::string key = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
  std::string observers = "observer_id,organisation_id,hubs,public_key\n";
  for (int i = 0; i < 20'000; ++i) {
    const bool oyan = i % 3 == 1;  // its observers need a key
    observers += fmt::format("observer-with-a-long-id-{},{},{},{}\n", i, organisations[i % 3],
                             hubs[(i / 3) % 3], oyan || i % 10 == 0 ? key : "");
  }
  auto registry = ObserverRegistry::Parse(kOrganisations, observers);
  ASSERT_TRUE(registry.ok()) << registry.status().message();
  EXPECT_EQ((*registry)->observer_count(), 20'000u);
  for (int i = 0; i < 20'000; ++i) {
    const auto* observer = (*registry)->FindObserver(fmt::format("observer-with-a-long-id-{}", i));
    ASSERT_NE(observer, nullptr) << i;
    EXPECT_EQ(observer->organisation_id(), organisations[i % 3]);
    EXPECT_EQ(fmt::format("{}", fmt::join(observer->hub_ids(), ";")), hubs[(i / 3) % 3]);
    EXPECT_EQ(observer->public_key() != nullptr, i % 3 == 1 || i % 10 == 0) << i;
  }
  EXPECT_EQ(ObserverRegistry::FormatObservers((*registry)->observers()), observers);
}

// A hub registry of these hubs, every region each.
std::shared_ptr<const HubRegistry> HubsOf(std::initializer_list<const char*> ids) {
  std::string text = "hub_id,token_sha256,regions,max_submissions_per_second\n";
  for (const char* id : ids) text += fmt::format("{},{},*,\n", id, TokenSha256Hex(id));
  return HubRegistry::Parse(text).value();
}

TEST(ObserverHubs, EveryHubTheObserversNameInTheHubRegistryPasses) {
  auto observers = ObserverRegistry::Parse(kOrganisations, kObservers).value();
  EXPECT_TRUE(CheckObserverHubs(*observers, *HubsOf({"hub-almaty", "hub-national"})).ok());
  EXPECT_TRUE(
      CheckObserverHubs(*observers, *HubsOf({"hub-almaty", "hub-national", "hub-spare"})).ok());
}

TEST(ObserverHubs, AHubTheHubRegistryLacksIsNamedWithItsObserver) {
  auto observers = ObserverRegistry::Parse(kOrganisations, kObservers).value();
  Status checked = CheckObserverHubs(*observers, *HubsOf({"hub-almaty"}));
  ASSERT_FALSE(checked.ok());
  EXPECT_NE(checked.message().find("observer obs-2 names hub hub-national"), std::string::npos)
      << checked.message();
  EXPECT_NE(checked.message().find("(1 observer/hub pairs)"), std::string::npos)
      << checked.message();
  EXPECT_EQ(checked.message().find("obs-1"), std::string::npos) << checked.message();
}

TEST(ObserverHubs, ThousandsOfUnknownPairsNameOnlyTheFirstTen) {
  std::string text = "observer_id,organisation_id,hubs,public_key\n";
  for (int i = 0; i < 5'000; ++i) {
    text += fmt::format("obs-{},erkindik-kanaty,hub-typo-{};hub-almaty,\n", i, i % 7);
  }
  auto observers = ObserverRegistry::Parse(kOrganisations, text).value();
  Status checked = CheckObserverHubs(*observers, *HubsOf({"hub-almaty"}));
  ASSERT_FALSE(checked.ok());
  EXPECT_NE(checked.message().find("(5000 observer/hub pairs, the first 10)"), std::string::npos)
      << checked.message();
  EXPECT_NE(checked.message().find("observer obs-9 names hub hub-typo-2"), std::string::npos);
  EXPECT_EQ(checked.message().find("obs-10 "), std::string::npos);
  EXPECT_LT(checked.message().size(), 1000u);
}

// A directory with the two-region election and stations, and the given registry files.
class RegistryDir {
 public:
  RegistryDir() {
    dir_ =
        std::filesystem::temp_directory_path() /
        ("hattama-observers-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::create_directories(dir_);
    std::string json;
    EXPECT_TRUE(google::protobuf::util::MessageToJsonString(testing::TinyElection(), &json).ok());
    Write("election.json", json);
    Write("stations.csv",
          "station_id,district_id,registered_voters,contest_ids\nS1,kz-a-1,1000,mazhilis\n");
  }
  ~RegistryDir() { std::filesystem::remove_all(dir_); }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
  }
  Result<std::shared_ptr<const Registry>> Load() {
    return Registry::Load((dir_ / "election.json").string(), (dir_ / "stations.csv").string());
  }

 private:
  static inline int counter_ = 0;
  std::filesystem::path dir_;
};

TEST(RegistryLoad, ReadsTheObserverRegistryBesideTheStations) {
  RegistryDir dir;
  dir.Write("organisations.csv", kOrganisations);
  dir.Write("observers.csv", kObservers);
  auto registry = dir.Load();
  ASSERT_TRUE(registry.ok()) << registry.status().message();
  ASSERT_NE((*registry)->observers(), nullptr);
  EXPECT_EQ((*registry)->observers()->observers().size(), 2u);
}

TEST(RegistryLoad, WithoutEitherFileObserversAreNotRegistered) {
  RegistryDir dir;
  auto registry = dir.Load();
  ASSERT_TRUE(registry.ok()) << registry.status().message();
  EXPECT_EQ((*registry)->observers(), nullptr);
}

TEST(RegistryLoad, OneFileWithoutTheOtherIsAnError) {
  RegistryDir dir;
  dir.Write("observers.csv", kObservers);
  auto registry = dir.Load();
  ASSERT_FALSE(registry.ok());
  EXPECT_NE(registry.status().message().find("organisations.csv is not"), std::string::npos)
      << registry.status().message();
}

TEST(RegistryLoad, ABrokenObserverFileNamesTheDirectoryAndLine) {
  RegistryDir dir;
  dir.Write("organisations.csv", kOrganisations);
  dir.Write("observers.csv", "observer_id,organisation_id,hubs,public_key\nobs-1,x,h,\n");
  auto registry = dir.Load();
  ASSERT_FALSE(registry.ok());
  EXPECT_NE(registry.status().message().find("observer obs-1 names organisation 'x'"),
            std::string::npos)
      << registry.status().message();
}

}  // namespace
}  // namespace hattama::domain
