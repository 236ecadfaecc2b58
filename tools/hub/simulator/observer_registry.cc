#include "tools/hub/simulator/observer_registry.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <unordered_map>

#include "tools/hub/simulator/plan_steps.h"
#include "tools/hub/simulator/rng.h"
#include "tools/hub/simulator/scenario_haq2021.h"
#include "tools/hub/simulator/signing.h"

namespace hattama::hub {

namespace {

const std::vector<domain::Organisation>& Organisations() {
  static const std::vector<domain::Organisation> kOrganisations = {
      {.organisation_id = "erkindik-kanaty", .name = "Erkindik Kanaty"},
      {.organisation_id = "adal-saylau", .name = "Adal Saylau"},
      {.organisation_id = kSigningOrganisation, .name = "Oyan, Qazaqstan"},
  };
  return kOrganisations;
}

}  // namespace

std::vector<domain::Organisation> SyntheticOrganisations(bool signing) {
  std::vector<domain::Organisation> organisations = Organisations();
  for (auto& organisation : organisations) {
    organisation.signatures_required =
        signing && organisation.organisation_id == kSigningOrganisation;
  }
  // The scenario haq-2021's organisations, so that its events are accepted by any synthetic
  // registry (they send no protocols).
  for (auto& organisation : Haq2021Organisations())
    organisations.push_back(std::move(organisation));
  return organisations;
}

const std::string& OrganisationOfStation(uint64_t seed, const std::string& station_id) {
  const auto& organisations = Organisations();
  return organisations[StreamSeed(seed, station_id) % organisations.size()].organisation_id;
}

std::vector<domain::Observer> ObserversOfPlan(const Plan& plan,
                                              const ObserverRegistryOptions& options) {
  std::vector<domain::Observer> observers;
  std::unordered_map<std::string, size_t> index;
  for (const auto& planned : plan.submissions) {
    const v1::Submission& s = planned.submission;
    if (s.source() != v1::SOURCE_OBSERVER) continue;
    auto [it, added] = index.emplace(s.observer_id(), observers.size());
    if (added) {
      observers.push_back({.observer_id = s.observer_id(), .organisation_id = s.organisation_id()});
      if (options.signing && s.organisation_id() == kSigningOrganisation) {
        observers.back().public_key =
            SyntheticObserverKey(options.seed, s.observer_id()).public_key();
      }
    }
    auto& hubs = observers[it->second].hub_ids;
    if (std::find(hubs.begin(), hubs.end(), s.hub_id()) == hubs.end()) hubs.push_back(s.hub_id());
  }
  return observers;
}

Result<std::vector<domain::Observer>> ObserversOfNight(const domain::Registry& registry,
                                                       const PlanOptions& plan_options,
                                                       const ObserverRegistryOptions& options) {
  auto hubs = AssignRegionsToHubs(registry, plan_options.hubs);
  if (!hubs.ok()) return hubs.status();
  // The station of each protocol, in DrawCleanProtocols' order (station × contest).
  std::vector<uint32_t> station_of_protocol;
  const auto& stations = registry.stations();
  for (size_t i = 0; i < stations.size(); ++i) {
    station_of_protocol.insert(station_of_protocol.end(), stations[i].contest_ids_size(),
                               static_cast<uint32_t>(i));
  }
  std::vector<domain::Observer> observers;
  auto add = [&](std::string_view prefix, const domain::Station& station) {
    const std::string& organisation =
        OrganisationOfStation(plan_options.seed, station.station_id());
    domain::Observer observer{.observer_id = std::string(prefix) + station.station_id(),
                              .organisation_id = organisation};
    observer.hub_ids.push_back(hubs->hub_of_region.at(RegionOf(registry, station)->area_id()));
    if (options.signing && organisation == kSigningOrganisation) {
      observer.public_key = SyntheticObserverKey(options.seed, observer.observer_id).public_key();
    }
    observers.push_back(std::move(observer));
  };
  for (const auto& station : stations) {
    if (station.contest_ids_size() > 0) add("obs-", station);
  }
  const auto picks =
      PickOtherObservers(plan_options.seed, plan_options.broken_rate, plan_options.confirm_rate,
                         plan_options.dispute_rate, station_of_protocol.size());
  // A station with two picked protocols has one confirming observer: each is added once.
  for (const auto& [prefix, picked] :
       {std::pair{"obs2-", &picks.confirmed}, std::pair{"obs3-", &picks.disputed}}) {
    std::vector<uint32_t> picked_stations;
    for (size_t protocol : *picked) picked_stations.push_back(station_of_protocol[protocol]);
    std::sort(picked_stations.begin(), picked_stations.end());
    picked_stations.erase(std::unique(picked_stations.begin(), picked_stations.end()),
                          picked_stations.end());
    for (uint32_t s : picked_stations) add(prefix, stations[s]);
  }
  return observers;
}

std::string OrganisationsCsvPath(const std::string& dir) {
  return (std::filesystem::path(dir) / domain::kOrganisationsFileName).string();
}

std::string ObserversCsvPath(const std::string& dir) {
  return (std::filesystem::path(dir) / domain::kObserversFileName).string();
}

Status WriteObserverRegistry(const Plan& plan, const std::string& dir,
                             const ObserverRegistryOptions& options) {
  return WriteObserverRegistry(ObserversOfPlan(plan, options), dir, options);
}

Status WriteObserverRegistry(const std::vector<domain::Observer>& listed, const std::string& dir,
                             const ObserverRegistryOptions& options) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return Status::Error("cannot create " + dir + ": " + error.message());
  std::ofstream organisations(OrganisationsCsvPath(dir), std::ios::binary | std::ios::trunc);
  organisations << "# Hattama observer organisations: generated by hattama-hub generate\n"
                << domain::ObserverRegistry::FormatOrganisations(
                       SyntheticOrganisations(options.signing));
  std::ofstream observers(ObserversCsvPath(dir), std::ios::binary | std::ios::trunc);
  observers << "# Hattama observers: generated by hattama-hub generate\n"
            << domain::ObserverRegistry::FormatObservers(listed);
  if (!organisations.flush() || !observers.flush()) {
    return Status::Error("cannot write the observer registry into " + dir);
  }
  return Status::Ok();
}

}  // namespace hattama::hub
