#include "services/publication/deployment_service.h"

#include <algorithm>
#include <map>
#include <set>
#include <string_view>
#include <vector>

#include "common/base/status_grpc.h"
#include "common/redis/layout.h"

namespace hattama::publication {
namespace {

namespace layout = redis::layout;

// The affiliation of an organisation the observer registry does not list.
constexpr std::string_view kUnregistered = "unregistered";

int64_t Get(const DeploymentCounts& counts, std::string_view scope, std::string_view counter) {
  auto it = counts.find(layout::DeploymentCountField(scope, counter));
  return it == counts.end() ? 0 : it->second;
}

void Fill(const DeploymentCounts& counts, const v1::Area& area, v1::DeploymentFigures* figures) {
  auto get = [&](std::string_view counter) { return Get(counts, area.area_id(), counter); };
  figures->set_area_id(area.area_id());
  figures->set_name(area.name());
  figures->set_mandates_sent(get(layout::kMandatesSent));
  figures->set_mandates_handed_out(get(layout::kMandatesHandedOut));
  figures->set_observers_admitted(get(layout::kObserversAdmitted));
  figures->set_observers_refused(get(layout::kObserversRefused));
  figures->set_observers_removed(get(layout::kObserversRemoved));
  figures->set_stations_covered(get(layout::kStationsCovered));
  figures->set_protocols_obtained(get(layout::kProtocolsObtained));
  figures->set_protocols_refused(get(layout::kProtocolsRefused));
  figures->set_protocols_confiscated(get(layout::kProtocolsConfiscated));
  figures->set_protocols_not_obtained(
      std::max<int64_t>(0, figures->mandates_sent() - figures->protocols_obtained()));
}

// Adds `row` to `sum` (areas that do not overlap, so stations covered add up too).
void Add(const v1::DeploymentFigures& row, v1::DeploymentFigures* sum) {
  sum->set_mandates_sent(sum->mandates_sent() + row.mandates_sent());
  sum->set_mandates_handed_out(sum->mandates_handed_out() + row.mandates_handed_out());
  sum->set_observers_admitted(sum->observers_admitted() + row.observers_admitted());
  sum->set_observers_refused(sum->observers_refused() + row.observers_refused());
  sum->set_observers_removed(sum->observers_removed() + row.observers_removed());
  sum->set_stations_covered(sum->stations_covered() + row.stations_covered());
  sum->set_protocols_obtained(sum->protocols_obtained() + row.protocols_obtained());
  sum->set_protocols_refused(sum->protocols_refused() + row.protocols_refused());
  sum->set_protocols_confiscated(sum->protocols_confiscated() + row.protocols_confiscated());
  sum->set_protocols_not_obtained(sum->protocols_not_obtained() + row.protocols_not_obtained());
}

// The event counters of an organisation's scope, added to `row` (an organisation's or an
// affiliation's); stations and regions covered are counted from the covered set instead.
void AddCounters(const DeploymentCounts& counts, const std::string& organisation_id,
                 v1::OrganisationDeployment* row) {
  const std::string scope = layout::DeploymentOrganisationScope(organisation_id);
  auto get = [&](std::string_view counter) { return Get(counts, scope, counter); };
  row->set_mandates_sent(row->mandates_sent() + get(layout::kMandatesSent));
  row->set_mandates_handed_out(row->mandates_handed_out() + get(layout::kMandatesHandedOut));
  row->set_observers_admitted(row->observers_admitted() + get(layout::kObserversAdmitted));
  row->set_observers_refused(row->observers_refused() + get(layout::kObserversRefused));
  row->set_observers_removed(row->observers_removed() + get(layout::kObserversRemoved));
  row->set_protocols_obtained(row->protocols_obtained() + get(layout::kProtocolsObtained));
  row->set_protocols_refused(row->protocols_refused() + get(layout::kProtocolsRefused));
  row->set_protocols_confiscated(row->protocols_confiscated() + get(layout::kProtocolsConfiscated));
}

// The covered set's organisation members: organisation id -> its stations covered. A member is
// "organisation:<id>|<station>", split at its last '|' (station ids hold none).
std::map<std::string, std::set<std::string>> CoveredByOrganisation(
    const std::vector<std::string>& members) {
  std::map<std::string, std::set<std::string>> covered;
  for (const auto& member : members) {
    if (!member.starts_with(layout::kDeploymentOrganisationPrefix)) continue;
    const size_t bar = member.rfind('|');
    if (bar == std::string::npos) continue;
    const size_t from = layout::kDeploymentOrganisationPrefix.size();
    if (bar < from) continue;
    covered[member.substr(from, bar - from)].insert(member.substr(bar + 1));
  }
  return covered;
}

std::string AffiliationOf(const domain::Registry& registry, const std::string& organisation_id) {
  const domain::ObserverRegistry* observers = registry.observers();
  const domain::Organisation* organisation =
      observers == nullptr ? nullptr : observers->FindOrganisation(organisation_id);
  return std::string(organisation == nullptr ? kUnregistered
                                             : domain::AffiliationName(organisation->affiliation));
}

// Stations and regions covered, from a set of station ids.
void SetCoverage(const domain::Registry& registry, const std::set<std::string>& stations,
                 v1::OrganisationDeployment* row) {
  std::set<std::string> regions;
  for (const auto& station_id : stations) {
    const domain::Station* station = registry.FindStation(station_id);
    if (station == nullptr) continue;
    for (const v1::Area* area : registry.EnclosingAreas(*station)) {
      if (area->kind() == v1::AREA_KIND_REGION) regions.insert(area->area_id());
    }
  }
  row->set_stations_covered(static_cast<int64_t>(stations.size()));
  row->set_regions_covered(static_cast<int64_t>(regions.size()));
}

std::unordered_map<std::string, int64_t> DeclaredObservers(const domain::Registry& registry) {
  const domain::ObserverRegistry* observers = registry.observers();
  return observers == nullptr ? std::unordered_map<std::string, int64_t>{}
                              : observers->ObserverCountsByOrganisation();
}

}  // namespace

DeploymentService::DeploymentService(std::shared_ptr<PublishedStore> store)
    : store_(std::move(store)), declared_(DeclaredObservers(store_->registry())) {}

grpc::Status DeploymentService::GetDeploymentTable(grpc::ServerContext*,
                                                   const v1::GetDeploymentTableRequest*,
                                                   v1::DeploymentTable* response) {
  auto counts = store_->ReadDeploymentCounts();
  if (!counts.ok()) return ToGrpc(counts.status());
  const domain::Registry& registry = store_->registry();
  const v1::Area* nation = registry.FindArea(registry.nation_id());
  if (nation == nullptr) return ToGrpc(Status::Internal("no nation area"));
  Fill(*counts, *nation, response->mutable_nation());
  for (const auto& area : registry.election().areas()) {
    if (area.kind() == v1::AREA_KIND_REGION) Fill(*counts, area, response->add_regions());
  }
  return grpc::Status::OK;
}

grpc::Status DeploymentService::GetCityDeployment(grpc::ServerContext*,
                                                  const v1::GetCityDeploymentRequest*,
                                                  v1::CityDeploymentTable* response) {
  auto counts = store_->ReadDeploymentCounts();
  if (!counts.ok()) return ToGrpc(counts.status());
  v1::DeploymentFigures* total = response->mutable_total();
  total->set_name("total");
  for (const auto& area : store_->registry().election().areas()) {
    if (!area.is_city()) continue;
    if (area.kind() != v1::AREA_KIND_REGION && area.kind() != v1::AREA_KIND_DISTRICT) continue;
    v1::DeploymentFigures* row = response->add_cities();
    Fill(*counts, area, row);
    Add(*row, total);
  }
  return grpc::Status::OK;
}

grpc::Status DeploymentService::GetOrganisationDeployment(
    grpc::ServerContext*, const v1::GetOrganisationDeploymentRequest*,
    v1::OrganisationDeploymentTable* response) {
  auto counts = store_->ReadDeploymentCounts();
  if (!counts.ok()) return ToGrpc(counts.status());
  auto members = store_->ReadDeploymentCovered();
  if (!members.ok()) return ToGrpc(members.status());
  const domain::Registry& registry = store_->registry();
  const auto covered = CoveredByOrganisation(*members);

  // The registry's organisations in its order, then those only events name, by id.
  std::vector<std::pair<std::string, std::string>> organisations;  // id, name
  std::set<std::string> listed;
  if (const domain::ObserverRegistry* observers = registry.observers(); observers != nullptr) {
    for (const auto& organisation : observers->organisations()) {
      organisations.emplace_back(organisation.organisation_id, organisation.name);
      listed.insert(organisation.organisation_id);
    }
  }
  std::set<std::string> unlisted;
  for (const auto& [field, count] : *counts) {
    if (!field.starts_with(layout::kDeploymentOrganisationPrefix)) continue;
    const size_t bar = field.rfind('|');
    const size_t from = layout::kDeploymentOrganisationPrefix.size();
    if (bar == std::string::npos || bar < from) continue;
    std::string id = field.substr(from, bar - from);
    if (!listed.contains(id)) unlisted.insert(std::move(id));
  }
  for (const auto& id : unlisted) organisations.emplace_back(id, id);

  const std::vector<std::string> affiliation_order = {
      std::string(domain::AffiliationName(domain::Affiliation::kIndependent)),
      std::string(domain::AffiliationName(domain::Affiliation::kParty)),
      std::string(domain::AffiliationName(domain::Affiliation::kAuthorityAffiliated)),
      std::string(domain::AffiliationName(domain::Affiliation::kInternational)),
      std::string(kUnregistered)};
  std::map<std::string, v1::OrganisationDeployment> by_affiliation;
  std::map<std::string, std::set<std::string>> stations_of_affiliation;
  for (const auto& [id, name] : organisations) {
    v1::OrganisationDeployment* row = response->add_organisations();
    row->set_organisation_id(id);
    row->set_name(name);
    row->set_affiliation(AffiliationOf(registry, id));
    auto declared = declared_.find(id);
    row->set_observers_declared(declared == declared_.end() ? 0 : declared->second);
    AddCounters(*counts, id, row);
    auto stations = covered.find(id);
    const std::set<std::string> none;
    SetCoverage(registry, stations == covered.end() ? none : stations->second, row);

    v1::OrganisationDeployment& sum = by_affiliation[row->affiliation()];
    sum.set_observers_declared(sum.observers_declared() + row->observers_declared());
    AddCounters(*counts, id, &sum);
    if (stations != covered.end()) {
      stations_of_affiliation[row->affiliation()].insert(stations->second.begin(),
                                                         stations->second.end());
    }
  }
  for (const auto& affiliation : affiliation_order) {
    if (affiliation == kUnregistered && unlisted.empty()) continue;
    v1::OrganisationDeployment* row = response->add_affiliations();
    *row = by_affiliation[affiliation];
    row->set_name(affiliation);
    row->set_affiliation(affiliation);
    SetCoverage(registry, stations_of_affiliation[affiliation], row);
  }

  const auto& independent = stations_of_affiliation[affiliation_order[0]];
  const auto& authority = stations_of_affiliation[affiliation_order[2]];
  v1::StationCoverage* coverage = response->mutable_coverage();
  coverage->set_stations_registered(static_cast<int64_t>(registry.stations().size()));
  int64_t both = 0;
  for (const auto& station : independent) both += authority.contains(station) ? 1 : 0;
  const auto independent_count = static_cast<int64_t>(independent.size());
  const auto authority_count = static_cast<int64_t>(authority.size());
  coverage->set_independent(independent_count);
  coverage->set_authority_affiliated(authority_count);
  coverage->set_both(both);
  coverage->set_independent_only(independent_count - both);
  coverage->set_authority_affiliated_only(authority_count - both);
  coverage->set_neither(coverage->stations_registered() - independent_count - authority_count +
                        both);
  return grpc::Status::OK;
}

Result<std::unordered_set<std::string>> StationsCoveredByAffiliation(PublishedStore& store,
                                                                     std::string_view affiliation) {
  auto members = store.ReadDeploymentCovered();
  if (!members.ok()) return members.status();
  std::unordered_set<std::string> stations;
  for (const auto& [organisation_id, covered] : CoveredByOrganisation(*members)) {
    if (AffiliationOf(store.registry(), organisation_id) != affiliation) continue;
    stations.insert(covered.begin(), covered.end());
  }
  return stations;
}

}  // namespace hattama::publication
