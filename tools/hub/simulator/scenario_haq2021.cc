#include "tools/hub/simulator/scenario_haq2021.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace hattama::hub {
namespace {

constexpr ReportedCity kTable[] = {
    {"Astana", "Astana", 20, 1, 1, 2, 18},
    {"Almaty", "Almaty", 140, 9, 9, 13, 127},
    {"Shymkent", "Shymkent", 520, 35, 35, 37, 483},
    {"Aktau", "Aktau city", 20, 1, 1, 3, 17},
    {"Aktobe", "Aktobe city", 100, 63, 0, 0, 100},
    {"Uralsk", "Oral city", 50, 43, 43, 43, 7},
    {"Kyzylorda", "Kyzylorda city", 180, 44, 34, 34, 146},
};
constexpr ReportedCity kTotal = {"total", "total", 1030, 196, 123, 132, 898};

constexpr char kHaq[] = "haq";
constexpr char kPartyObservers[] = "nur-otan-observers";
constexpr char kAuthorityObservers[] = "taza-sailau";

const v1::Area* FindAreaByName(const domain::Registry& registry, std::string_view name) {
  for (const auto& area : registry.election().areas()) {
    if (area.name() == name && area.is_city()) return &area;
  }
  return nullptr;
}

// The stations of a city (a region or a district), in registry order.
std::vector<const domain::Station*> StationsOf(const domain::Registry& registry,
                                               const v1::Area& city) {
  std::vector<const domain::Station*> stations;
  std::vector<const v1::Area*> districts = {&city};
  if (city.kind() == v1::AREA_KIND_REGION) districts = registry.Children(city.area_id());
  for (const v1::Area* district : districts) {
    for (const auto* station : registry.StationsOfDistrict(district->area_id())) {
      stations.push_back(station);
    }
  }
  return stations;
}

class Emitter {
 public:
  Emitter(const domain::Registry& registry, const std::map<std::string, std::string>& hubs,
          std::vector<v1::DeploymentEvent>& events)
      : registry_(registry), hubs_(hubs), events_(events) {}

  void Emit(const domain::Station& station, const std::string& organisation,
            const std::string& observer, v1::DeploymentEventKind kind,
            const std::string& contest = "") {
    v1::DeploymentEvent& event = events_.emplace_back();
    event.set_event_id(fmt::format("{}-{}", kHaq2021Scenario, events_.size()));
    event.set_station_id(station.station_id());
    event.set_organisation_id(organisation);
    event.set_observer_id(observer);
    event.set_hub_id(HubOf(station));
    event.set_kind(kind);
    event.set_contest_id(contest);
  }

 private:
  std::string HubOf(const domain::Station& station) const {
    for (const v1::Area* area : registry_.EnclosingAreas(station)) {
      auto hub = hubs_.find(area->area_id());
      if (area->kind() == v1::AREA_KIND_REGION && hub != hubs_.end()) return hub->second;
    }
    return "";
  }

  const domain::Registry& registry_;
  const std::map<std::string, std::string>& hubs_;
  std::vector<v1::DeploymentEvent>& events_;
};

// One city's mandates as the report counts them: `sent` mandates over the city's stations; the
// first `handed_out` handed out; of those the first `covered` observers admitted (one a station)
// and the rest refused; a protocol copy of the first contest at every covered station, and the
// protocols beyond those of the stations' other contests.
Status EmitCity(const domain::Registry& registry, const ReportedCity& row, Emitter& emitter) {
  const v1::Area* city = FindAreaByName(registry, row.area_name);
  if (city == nullptr) {
    return Status::Error(
        fmt::format("the registry has no city '{}' (the synthetic election's)", row.area_name));
  }
  const auto stations = StationsOf(registry, *city);
  const auto needed = std::max<int64_t>(1, row.stations_covered);
  if (static_cast<int64_t>(stations.size()) < needed) {
    return Status::Error(
        fmt::format("{} has {} stations, the scenario covers {}: use more "
                    "stations (5,000 or more)",
                    row.area_name, stations.size(), row.stations_covered));
  }
  for (int64_t i = 0; i < row.sent; ++i) {
    const domain::Station& station = *stations[i % static_cast<int64_t>(stations.size())];
    const std::string observer = fmt::format("{}-{}-{}", kHaq, city->area_id(), i);
    emitter.Emit(station, kHaq, observer, v1::DEPLOYMENT_EVENT_KIND_MANDATE_SENT);
    if (i >= row.handed_out) continue;
    emitter.Emit(station, kHaq, observer, v1::DEPLOYMENT_EVENT_KIND_MANDATE_HANDED_OUT);
    if (i >= row.stations_covered) {
      emitter.Emit(station, kHaq, observer, v1::DEPLOYMENT_EVENT_KIND_OBSERVER_REFUSED);
      continue;
    }
    emitter.Emit(station, kHaq, observer, v1::DEPLOYMENT_EVENT_KIND_OBSERVER_ADMITTED);
    emitter.Emit(station, kHaq, observer, v1::DEPLOYMENT_EVENT_KIND_PROTOCOL_OBTAINED,
                 station.contest_ids(0));
  }
  // Extra copies: station e mod covered, its contest 1 + e / covered.
  for (int64_t e = 0; e < row.protocols - row.stations_covered; ++e) {
    const domain::Station& station = *stations[e % row.stations_covered];
    const auto contest = static_cast<int>(1 + e / row.stations_covered);
    if (contest >= station.contest_ids_size()) {
      return Status::Error(fmt::format("{}: a station has too few contests for {} protocols",
                                       row.area_name, row.protocols));
    }
    emitter.Emit(station, kHaq,
                 fmt::format("{}-{}-{}", kHaq, city->area_id(), e % row.stations_covered),
                 v1::DEPLOYMENT_EVENT_KIND_PROTOCOL_OBTAINED, station.contest_ids(contest));
  }
  return Status::Ok();
}

// The other camps, at the oblasts' rural stations: admitted with one protocol copy each.
void EmitRuralCamps(const domain::Registry& registry, Emitter& emitter) {
  int64_t rural = 0;
  for (const auto& area : registry.election().areas()) {
    if (area.kind() != v1::AREA_KIND_DISTRICT || area.is_city()) continue;
    const v1::Area* region = registry.FindArea(area.parent_id());
    if (region == nullptr || region->is_city()) continue;
    for (const auto* station : registry.StationsOfDistrict(area.area_id())) {
      auto observe = [&](const std::string& organisation) {
        const std::string observer = organisation + "-" + station->station_id();
        emitter.Emit(*station, organisation, observer, v1::DEPLOYMENT_EVENT_KIND_MANDATE_SENT);
        emitter.Emit(*station, organisation, observer,
                     v1::DEPLOYMENT_EVENT_KIND_MANDATE_HANDED_OUT);
        emitter.Emit(*station, organisation, observer, v1::DEPLOYMENT_EVENT_KIND_OBSERVER_ADMITTED);
        emitter.Emit(*station, organisation, observer, v1::DEPLOYMENT_EVENT_KIND_PROTOCOL_OBTAINED,
                     station->contest_ids(0));
      };
      if (rural % 2 == 0) observe(kPartyObservers);
      if (rural % 5 == 0) observe(kAuthorityObservers);
      ++rural;
    }
  }
}

std::vector<int64_t> Columns(const v1::DeploymentFigures& f) {
  return {f.mandates_sent(), f.mandates_handed_out(), f.stations_covered(), f.protocols_obtained(),
          f.protocols_not_obtained()};
}
std::vector<int64_t> Columns(const ReportedCity& c) {
  return {c.sent, c.handed_out, c.stations_covered, c.protocols, c.not_obtained};
}

}  // namespace

std::span<const ReportedCity> Haq2021Table() { return kTable; }

std::vector<domain::Organisation> Haq2021Organisations() {
  return {{.organisation_id = kHaq, .name = "Haq"},
          {.organisation_id = kPartyObservers,
           .name = "Nur Otan's observers",
           .affiliation = domain::Affiliation::kParty},
          {.organisation_id = kAuthorityObservers,
           .name = "Taza Sailau",
           .affiliation = domain::Affiliation::kAuthorityAffiliated}};
}

Result<DeploymentPlan> DrawHaq2021(const domain::Registry& registry,
                                   const std::map<std::string, std::string>& hub_of_region) {
  DeploymentPlan plan;
  Emitter emitter(registry, hub_of_region, plan.events);
  for (const ReportedCity& row : kTable) {
    if (Status emitted = EmitCity(registry, row, emitter); !emitted.ok()) return emitted;
  }
  EmitRuralCamps(registry, emitter);
  plan.expected = ExpectedDeployment(registry, plan.events);
  const size_t originals = plan.events.size();
  for (size_t i = 0; i < originals; i += 10) {
    plan.events.push_back(plan.events[i]);
    ++plan.resends;
  }
  return plan;
}

std::vector<std::string> CheckHaq2021Cities(const domain::Registry& registry,
                                            const v1::CityDeploymentTable& table) {
  std::vector<std::string> mismatches;
  auto check = [&](std::string_view name, const v1::DeploymentFigures* row,
                   const ReportedCity& want) {
    if (row == nullptr) {
      mismatches.push_back(fmt::format("{}: no row in the published city table", name));
    } else if (Columns(*row) != Columns(want)) {
      mismatches.push_back(fmt::format("{}: published {}, the report says {}", name,
                                       fmt::join(Columns(*row), "/"),
                                       fmt::join(Columns(want), "/")));
    }
  };
  for (const ReportedCity& want : kTable) {
    const v1::Area* city = FindAreaByName(registry, want.area_name);
    const v1::DeploymentFigures* row = nullptr;
    for (const auto& published : table.cities()) {
      if (city != nullptr && published.area_id() == city->area_id()) row = &published;
    }
    check(want.report_name, row, want);
  }
  check(kTotal.report_name, &table.total(), kTotal);
  return mismatches;
}

}  // namespace hattama::hub
