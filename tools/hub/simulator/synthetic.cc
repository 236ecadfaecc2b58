#include "tools/hub/simulator/synthetic.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <string_view>

#include "tools/hub/simulator/registry_files.h"
#include "tools/hub/simulator/rng.h"
#include "tools/hub/simulator/synthetic_names.h"

namespace hattama::hub {
namespace {

struct RegionSpec {
  std::string_view slug;
  std::string_view name;
  bool is_city;
  // Population in thousands (2022 estimates, rounded): how stations are spread.
  int population;
  // For an oblast the first district is its centre city: the city maslikhat is elected there.
  std::vector<std::string_view> districts;
};

const std::vector<RegionSpec>& Regions() {
  static const std::vector<RegionSpec> kRegions = {
      {"abai",
       "Abai Region",
       false,
       610,
       {"Semey city", "Ayagoz District", "Beskaragay District", "Borodulikha District",
        "Zharma District", "Kokpekty District", "Urzhar District"}},
      {"akmola",
       "Akmola Region",
       false,
       735,
       {"Kokshetau city", "Arshaly District", "Astrakhan District", "Burabay District",
        "Tselinograd District", "Shortandy District", "Zerendi District"}},
      {"aktobe",
       "Aktobe Region",
       false,
       900,
       {"Aktobe city", "Alga District", "Kargaly District", "Martuk District", "Mugalzhar District",
        "Khromtau District", "Shalkar District"}},
      {"almaty-region",
       "Almaty Region",
       false,
       1480,
       {"Konaev city", "Enbekshikazakh District", "Ile District", "Karasay District",
        "Talgar District", "Zhambyl District", "Raiymbek District"}},
      {"atyrau",
       "Atyrau Region",
       false,
       670,
       {"Atyrau city", "Zhylyoi District", "Inder District", "Isatay District",
        "Kurmangazy District", "Makhambet District", "Makat District"}},
      {"east-kazakhstan",
       "East Kazakhstan Region",
       false,
       730,
       {"Oskemen city", "Altai District", "Glubokoe District", "Zaysan District",
        "Katon-Karagay District", "Shemonaikha District", "Ulan District"}},
      {"jambyl",
       "Jambyl Region",
       false,
       1210,
       {"Taraz city", "Baizak District", "Zhambyl District", "Korday District", "Merke District",
        "Moiynkum District", "Shu District"}},
      {"jetisu",
       "Jetisu Region",
       false,
       690,
       {"Taldykorgan city", "Aksu District", "Alakol District", "Eskeldi District",
        "Karatal District", "Kerbulak District", "Panfilov District"}},
      {"karaganda",
       "Karaganda Region",
       false,
       1130,
       {"Karaganda city", "Abai District", "Bukhar-Zhyrau District", "Karkaraly District",
        "Nura District", "Osakarov District", "Shet District"}},
      {"kostanay",
       "Kostanay Region",
       false,
       830,
       {"Kostanay city", "Altynsarin District", "Auliekol District", "Karabalyk District",
        "Mendykara District", "Sarykol District", "Fyodorov District"}},
      {"kyzylorda",
       "Kyzylorda Region",
       false,
       820,
       {"Kyzylorda city", "Aral District", "Zhalagash District", "Kazaly District",
        "Karmakshy District", "Syrdarya District", "Shieli District"}},
      {"mangystau",
       "Mangystau Region",
       false,
       750,
       {"Aktau city", "Beineu District", "Karakiyan District", "Mangystau District",
        "Munaily District", "Tupkaragan District"}},
      {"north-kazakhstan",
       "North Kazakhstan Region",
       false,
       540,
       {"Petropavl city", "Akkayyn District", "Ayyrtau District", "Esil District",
        "Kyzylzhar District", "Mamlyut District", "Taiynsha District"}},
      {"pavlodar",
       "Pavlodar Region",
       false,
       750,
       {"Pavlodar city", "Aktogay District", "Bayanaul District", "Irtysh District",
        "Maysky District", "Pavlodar District", "Sharbakty District"}},
      {"turkistan",
       "Turkistan Region",
       false,
       2100,
       {"Turkistan city", "Baidibek District", "Kazygurt District", "Maktaaral District",
        "Ordabasy District", "Otrar District", "Saryagash District", "Sairam District",
        "Tolebi District", "Tulkibas District"}},
      {"ulytau",
       "Ulytau Region",
       false,
       220,
       {"Zhezkazgan city", "Ulytau District", "Zhanaarka District"}},
      {"west-kazakhstan",
       "West Kazakhstan Region",
       false,
       690,
       {"Oral city", "Akzhaik District", "Burlin District", "Baiterek District", "Terekti District",
        "Syrym District", "Zhanibek District"}},
      {"astana",
       "Astana",
       true,
       1350,
       {"Almaty District", "Baikonyr District", "Saryarka District", "Yesil District",
        "Nura District"}},
      {"almaty",
       "Almaty",
       true,
       2100,
       {"Alatau District", "Almaly District", "Auezov District", "Bostandyk District",
        "Medeu District", "Nauryzbay District", "Turksib District", "Zhetysu District"}},
      {"shymkent",
       "Shymkent",
       true,
       1150,
       {"Abay District", "Al-Farabi District", "Enbekshi District", "Karatau District",
        "Turan District"}},
  };
  return kRegions;
}

// The 2021 party lists, in the order of the observers' report.
v1::Contest MakeContest(std::string_view id, std::string_view name, v1::ContestLevel level) {
  static const std::pair<std::string_view, std::string_view> kParties[] = {
      {"nur-otan", "Nur Otan"},
      {"ak-zhol", "Ak Zhol"},
      {"adal", "ADAL"},
      {"auyl", "Auyl"},
      {"peoples-party", "People's Party"}};
  v1::Contest contest;
  contest.set_contest_id(std::string(id));
  contest.set_name(std::string(name));
  contest.set_level(level);
  for (const auto& [option_id, option_name] : kParties) {
    auto* option = contest.add_options();
    option->set_option_id(std::string(option_id));
    option->set_name(std::string(option_name));
    SetLocalizedNames(OptionName(option_id, option_name), option->mutable_localized_names());
  }
  // The Mazhilis ballot carries the "against all" line the observers propose to restore (issue
  // #16): GetReforms shows its share and the rule on its maximum.
  if (id == kMazhilis) {
    auto* option = contest.add_options();
    option->set_option_id("against-all");
    option->set_name("Against all");
    option->set_against_all(true);
    SetLocalizedNames(OptionName("against-all", "Against all"), option->mutable_localized_names());
  }
  SetLocalizedNames(ContestName(id, name), contest.mutable_localized_names());
  return contest;
}

// Splits `total` into parts proportional to `weights` that add up exactly (largest remainder);
// with `at_least_one`, every part gets one first when total allows it.
std::vector<int64_t> Apportion(int64_t total, const std::vector<double>& weights,
                               bool at_least_one) {
  const size_t n = weights.size();
  std::vector<int64_t> parts(n, 0);
  int64_t left = total;
  if (at_least_one && total >= static_cast<int64_t>(n)) {
    std::fill(parts.begin(), parts.end(), 1);
    left -= static_cast<int64_t>(n);
  }
  const double sum = std::accumulate(weights.begin(), weights.end(), 0.0);
  std::vector<std::pair<double, size_t>> remainders;
  int64_t given = 0;
  for (size_t i = 0; i < n; ++i) {
    const double exact = static_cast<double>(left) * weights[i] / sum;
    const auto whole = static_cast<int64_t>(std::floor(exact));
    parts[i] += whole;
    given += whole;
    remainders.emplace_back(exact - static_cast<double>(whole), i);
  }
  // Ties broken by index so that the result does not depend on the sort's stability.
  std::sort(remainders.begin(), remainders.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  for (int64_t i = 0; i < left - given; ++i) parts[remainders[i].second] += 1;
  return parts;
}

int Digits(int64_t n) {
  int digits = 1;
  while (n >= 10) {
    n /= 10;
    ++digits;
  }
  return digits;
}

}  // namespace

Result<v1::Election> DrawElection(const SyntheticOptions& options,
                                  const std::function<void(const v1::Station&)>& each_station) {
  if (options.stations < 1) return Status::Error("the number of stations must be at least 1");
  if (options.stations > 10'000'000) {
    return Status::Error("at most 10,000,000 stations: station ids and memory are sized for it");
  }
  v1::Election election;
  // One message reused for every station: its strings keep their room from row to row.
  v1::Station station;
  election.set_election_id("kz-2021-01-10");
  election.set_name("Elections to the Mazhilis and the maslikhats, 10 January 2021");
  SetLocalizedNames(ElectionName(), election.mutable_localized_names());
  *election.add_contests() =
      MakeContest(kMazhilis, "Mazhilis (party lists)", v1::CONTEST_LEVEL_NATIONAL);
  *election.add_contests() =
      MakeContest(kOblastMaslikhat, "Oblast maslikhat", v1::CONTEST_LEVEL_REGIONAL);
  *election.add_contests() = MakeContest(kCityMaslikhat, "City maslikhat", v1::CONTEST_LEVEL_LOCAL);

  auto* nation = election.add_areas();
  nation->set_area_id(kNationId);
  nation->set_name("Kazakhstan");
  nation->set_kind(v1::AREA_KIND_NATION);
  SetLocalizedNames(NationName(), nation->mutable_localized_names());

  const auto& regions = Regions();
  std::vector<double> populations;
  for (const auto& region : regions) populations.push_back(region.population);
  // The population (GetReforms' base for "whose votes elected the seats"): the regions' 2022
  // estimates, the nation their sum, a region's split over its districts as its stations are.
  nation->set_population(
      1000 * static_cast<int64_t>(std::accumulate(populations.begin(), populations.end(), 0.0)));
  const auto region_stations = Apportion(options.stations, populations, /*at_least_one=*/true);

  const int width = std::max(5, Digits(options.stations));
  int64_t next_station = 1;
  for (size_t r = 0; r < regions.size(); ++r) {
    const auto& spec = regions[r];
    const std::string region_id = fmt::format("{}-{}", kNationId, spec.slug);
    auto* region = election.add_areas();
    region->set_area_id(region_id);
    region->set_name(std::string(spec.name));
    region->set_kind(v1::AREA_KIND_REGION);
    region->set_parent_id(kNationId);
    region->set_is_city(spec.is_city);
    region->set_population(1000 * static_cast<int64_t>(spec.population));
    SetLocalizedNames(RegionName(spec.slug, spec.name), region->mutable_localized_names());

    Rng rng(StreamSeed(options.seed, region_id));
    // An oblast's centre city holds about a third of its voters; the rest is spread unevenly
    // over the rural districts. A city's districts are of comparable size.
    std::vector<double> weights;
    for (size_t d = 0; d < spec.districts.size(); ++d) {
      if (spec.is_city) {
        weights.push_back(rng.Uniform(0.7, 1.3));
      } else if (d == 0) {
        weights.push_back(0.35 * static_cast<double>(spec.districts.size() - 1));
      } else {
        weights.push_back(rng.Uniform(0.5, 1.5) * 0.65);
      }
    }
    const auto district_stations = Apportion(region_stations[r], weights, /*at_least_one=*/false);
    const auto district_population =
        Apportion(region->population(), weights, /*at_least_one=*/false);
    for (size_t d = 0; d < spec.districts.size(); ++d) {
      const std::string district_id = fmt::format("{}-{:02}", region_id, d + 1);
      auto* district = election.add_areas();
      district->set_area_id(district_id);
      district->set_name(std::string(spec.districts[d]));
      district->set_kind(v1::AREA_KIND_DISTRICT);
      district->set_parent_id(region_id);
      district->set_population(district_population[d]);
      // An oblast's centre is a city inside it (Aktobe city, Oral city): per-city views list it.
      district->set_is_city(!spec.is_city && d == 0);
      SetLocalizedNames(DistrictName(spec.slug, spec.districts[d]),
                        district->mutable_localized_names());
      const bool urban = spec.is_city || d == 0;
      for (int64_t s = 0; s < district_stations[d]; ++s) {
        station.Clear();
        station.set_station_id(fmt::format("UIK-{:0{}}", next_station++, width));
        station.set_district_id(district_id);
        // Urban stations serve larger precincts than rural ones.
        station.set_registered_voters(urban ? rng.UniformInt(900, 3000)
                                            : rng.UniformInt(200, 1800));
        station.add_contest_ids(kMazhilis);
        if (!spec.is_city) station.add_contest_ids(kOblastMaslikhat);
        if (urban) station.add_contest_ids(kCityMaslikhat);
        each_station(station);
      }
    }
  }
  return election;
}

Result<SyntheticElection> GenerateElection(const SyntheticOptions& options) {
  SyntheticElection out;
  auto election =
      DrawElection(options, [&](const v1::Station& station) { out.stations.push_back(station); });
  if (!election.ok()) return election.status();
  out.election = std::move(election).value();
  return out;
}

Status WriteSyntheticRegistryFiles(const SyntheticOptions& options, const std::string& dir) {
  if (auto prepared = PrepareRegistryDir(dir); !prepared.ok()) return prepared;
  StationsCsvWriter writer(dir);
  auto election = DrawElection(options, [&](const v1::Station& station) { writer.Add(station); });
  if (!election.ok()) return election.status();
  if (auto written = writer.Finish(); !written.ok()) return written;
  return WriteElectionJson(*election, dir);
}

Result<std::shared_ptr<const domain::Registry>> GenerateRegistryFiles(
    const SyntheticOptions& options, const std::string& dir) {
  if (auto written = WriteSyntheticRegistryFiles(options, dir); !written.ok()) return written;
  return LoadRegistryFiles(dir);
}

Result<std::shared_ptr<const domain::Registry>> GenerateRegistry(const SyntheticOptions& options) {
  auto generated = GenerateElection(options);
  if (!generated.ok()) return generated.status();
  return domain::Registry::Build(std::move(generated->election), std::move(generated->stations));
}

}  // namespace hattama::hub
