#include "tools/hub/simulator/deployment.h"

#include <fmt/format.h>
#include <google/protobuf/util/message_differencer.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <set>
#include <thread>

#include "hattama/v1/publication.grpc.pb.h"
#include "tools/hub/simulator/observer_registry.h"
#include "tools/hub/simulator/plan.h"
#include "tools/hub/simulator/rng.h"

namespace hattama::hub {
namespace {

void Count(v1::DeploymentFigures& figures, v1::DeploymentEventKind kind) {
  switch (kind) {
    case v1::DEPLOYMENT_EVENT_KIND_MANDATE_SENT:
      figures.set_mandates_sent(figures.mandates_sent() + 1);
      break;
    case v1::DEPLOYMENT_EVENT_KIND_MANDATE_HANDED_OUT:
      figures.set_mandates_handed_out(figures.mandates_handed_out() + 1);
      break;
    case v1::DEPLOYMENT_EVENT_KIND_OBSERVER_ADMITTED:
      figures.set_observers_admitted(figures.observers_admitted() + 1);
      break;
    case v1::DEPLOYMENT_EVENT_KIND_OBSERVER_REFUSED:
      figures.set_observers_refused(figures.observers_refused() + 1);
      break;
    case v1::DEPLOYMENT_EVENT_KIND_OBSERVER_REMOVED:
      figures.set_observers_removed(figures.observers_removed() + 1);
      break;
    case v1::DEPLOYMENT_EVENT_KIND_PROTOCOL_OBTAINED:
      figures.set_protocols_obtained(figures.protocols_obtained() + 1);
      break;
    case v1::DEPLOYMENT_EVENT_KIND_PROTOCOL_REFUSED:
      figures.set_protocols_refused(figures.protocols_refused() + 1);
      break;
    case v1::DEPLOYMENT_EVENT_KIND_PROTOCOL_CONFISCATED:
      figures.set_protocols_confiscated(figures.protocols_confiscated() + 1);
      break;
    default:
      break;
  }
}

}  // namespace

DeploymentPlan DrawDeployment(const domain::Registry& registry, uint64_t seed,
                              const std::map<std::string, std::string>& hub_of_region) {
  DeploymentPlan plan;
  Rng rng(seed ^ 0x6465706c6f79ULL);  // Its own stream: the protocols' draws stay as they were.
  std::map<std::string, std::vector<const domain::Station*>> stations_of_region;
  for (const auto& station : registry.stations()) {
    const v1::Area* region = RegionOf(registry, station);
    if (region != nullptr) stations_of_region[region->area_id()].push_back(&station);
  }
  for (auto& [region_id, stations] : stations_of_region) {
    auto hub = hub_of_region.find(region_id);
    const std::string hub_id = hub == hub_of_region.end() ? "" : hub->second;
    // Observer groups send mandates for about a tenth of a region's stations, and commissions
    // hand out only a few of them (Shymkent: 35 of 520; one city: 196 of 1030).
    const int64_t sent = std::min<int64_t>(
        static_cast<int64_t>(stations.size()),
        std::max<int64_t>(1, std::llround(stations.size() * rng.Uniform(0.08, 0.15))));
    const int64_t handed_out = std::max<int64_t>(1, std::llround(sent * rng.Uniform(0.07, 0.2)));
    // Distinct stations for the mandates: a partial shuffle.
    std::vector<const domain::Station*> chosen = stations;
    for (int64_t i = 0; i < sent; ++i) {
      std::swap(chosen[i], chosen[rng.UniformInt(i, static_cast<int64_t>(chosen.size()) - 1)]);
    }
    for (int64_t i = 0; i < sent; ++i) {
      const domain::Station& station = *chosen[i];
      const std::string observer = fmt::format("observer-{}-{}", region_id, i);
      int serial = 0;
      auto emit = [&](v1::DeploymentEventKind kind, const std::string& contest = "") {
        v1::DeploymentEvent& event = plan.events.emplace_back();
        event.set_event_id(fmt::format("dep-{}-{}-{}", region_id, i, serial++));
        event.set_station_id(station.station_id());
        event.set_organisation_id(OrganisationOfStation(seed, station.station_id()));
        event.set_observer_id(observer);
        event.set_hub_id(hub_id);
        event.set_kind(kind);
        event.set_contest_id(contest);
      };
      emit(v1::DEPLOYMENT_EVENT_KIND_MANDATE_SENT);
      if (i >= handed_out) continue;
      emit(v1::DEPLOYMENT_EVENT_KIND_MANDATE_HANDED_OUT);
      if (rng.Uniform() < 0.1) {
        emit(v1::DEPLOYMENT_EVENT_KIND_OBSERVER_REFUSED);
        continue;
      }
      emit(v1::DEPLOYMENT_EVENT_KIND_OBSERVER_ADMITTED);
      if (rng.Uniform() < 0.04) {
        emit(v1::DEPLOYMENT_EVENT_KIND_OBSERVER_REMOVED);
        continue;
      }
      // Mostly one protocol copy per covered station (37 from 35 stations), sometimes another
      // contest's as well; a few are refused or confiscated.
      for (int c = 0; c < station.contest_ids_size(); ++c) {
        const double p = rng.Uniform();
        if (c == 0 ? p < 0.93 : p < 0.06) {
          emit(v1::DEPLOYMENT_EVENT_KIND_PROTOCOL_OBTAINED, station.contest_ids(c));
        } else if (c == 0) {
          emit(p < 0.97 ? v1::DEPLOYMENT_EVENT_KIND_PROTOCOL_REFUSED
                        : v1::DEPLOYMENT_EVENT_KIND_PROTOCOL_CONFISCATED,
               station.contest_ids(c));
        }
      }
    }
  }
  plan.expected = ExpectedDeployment(registry, plan.events);
  // A share of events sent twice, as a hub that lost answers would: counted once.
  const size_t originals = plan.events.size();
  for (size_t i = 0; i < originals; ++i) {
    if (rng.Uniform() < 0.03) {
      plan.events.push_back(plan.events[i]);
      ++plan.resends;
    }
  }
  return plan;
}

std::map<std::string, v1::DeploymentFigures> ExpectedDeployment(
    const domain::Registry& registry, const std::vector<v1::DeploymentEvent>& events) {
  std::map<std::string, v1::DeploymentFigures> expected;
  std::set<std::string> applied;
  std::set<std::pair<std::string, std::string>> covered;  // (area, station)
  auto row = [&](const v1::Area& area) -> v1::DeploymentFigures& {
    v1::DeploymentFigures& figures = expected[area.area_id()];
    figures.set_area_id(area.area_id());
    figures.set_name(area.name());
    return figures;
  };
  if (const v1::Area* nation = registry.FindArea(registry.nation_id())) row(*nation);
  for (const auto& event : events) {
    const domain::Station* station = registry.FindStation(event.station_id());
    if (station == nullptr || !applied.insert(event.event_id()).second) continue;
    for (const v1::Area* area : registry.EnclosingAreas(*station)) {
      if (area->kind() != v1::AREA_KIND_REGION && area->kind() != v1::AREA_KIND_NATION) continue;
      v1::DeploymentFigures& figures = row(*area);
      Count(figures, event.kind());
      if (event.kind() == v1::DEPLOYMENT_EVENT_KIND_OBSERVER_ADMITTED &&
          covered.emplace(area->area_id(), station->station_id()).second) {
        figures.set_stations_covered(figures.stations_covered() + 1);
      }
    }
  }
  for (auto& [area_id, figures] : expected) {
    figures.set_protocols_not_obtained(
        std::max<int64_t>(0, figures.mandates_sent() - figures.protocols_obtained()));
  }
  return expected;
}

std::vector<std::string> VerifyDeploymentTable(const std::string& publication_address,
                                               const DeploymentPlan& plan,
                                               std::chrono::milliseconds timeout,
                                               v1::DeploymentTable* table) {
  auto stub = v1::DeploymentService::NewStub(
      grpc::CreateChannel(publication_address, grpc::InsecureChannelCredentials()));
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<std::string> mismatches;
  while (true) {
    mismatches.clear();
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    table->Clear();
    const grpc::Status status = stub->GetDeploymentTable(&context, {}, table);
    if (!status.ok()) {
      mismatches.push_back("GetDeploymentTable: " + status.error_message());
    } else {
      std::vector<const v1::DeploymentFigures*> rows = {&table->nation()};
      for (const auto& row : table->regions()) rows.push_back(&row);
      for (const auto* row : rows) {
        auto it = plan.expected.find(row->area_id());
        v1::DeploymentFigures want;
        if (it != plan.expected.end()) want = it->second;
        want.set_area_id(row->area_id());
        want.set_name(row->name());
        if (!google::protobuf::util::MessageDifferencer::Equals(want, *row)) {
          mismatches.push_back(fmt::format("deployment {}: published {{{}}}, expected {{{}}}",
                                           row->area_id(), row->ShortDebugString(),
                                           want.ShortDebugString()));
        }
      }
    }
    if (mismatches.empty() || std::chrono::steady_clock::now() > deadline) return mismatches;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

std::string FormatDeploymentTable(const v1::DeploymentTable& table) {
  std::string text = fmt::format("  {:<28} {:>6} {:>7} {:>8} {:>9} {:>9} {:>8}\n", "area", "sent",
                                 "handed", "stations", "protocols", "not obt.", "refused");
  auto line = [&](const v1::DeploymentFigures& row) {
    text += fmt::format(
        "  {:<28} {:>6} {:>7} {:>8} {:>9} {:>9} {:>8}\n",
        row.name().empty() ? row.area_id() : row.name(), row.mandates_sent(),
        row.mandates_handed_out(), row.stations_covered(), row.protocols_obtained(),
        row.protocols_not_obtained(),
        row.observers_refused() + row.protocols_refused() + row.protocols_confiscated());
  };
  for (const auto& row : table.regions()) line(row);
  line(table.nation());
  return text;
}

namespace {

std::unique_ptr<v1::DeploymentService::Stub> DeploymentStub(const std::string& address) {
  return v1::DeploymentService::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
}

template <typename Response, typename Method>
Result<Response> Read(const std::string& address, Method method, std::string_view name) {
  auto stub = DeploymentStub(address);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  Response response;
  const grpc::Status status = ((*stub).*method)(&context, {}, &response);
  if (!status.ok()) return Status::Error(fmt::format("{}: {}", name, status.error_message()));
  return response;
}

}  // namespace

Result<v1::CityDeploymentTable> ReadCityDeployment(const std::string& publication_address) {
  return Read<v1::CityDeploymentTable>(
      publication_address, &v1::DeploymentService::Stub::GetCityDeployment, "GetCityDeployment");
}

Result<v1::OrganisationDeploymentTable> ReadOrganisationDeployment(
    const std::string& publication_address) {
  return Read<v1::OrganisationDeploymentTable>(
      publication_address, &v1::DeploymentService::Stub::GetOrganisationDeployment,
      "GetOrganisationDeployment");
}

std::string FormatCityTable(const v1::CityDeploymentTable& table) {
  std::string text = fmt::format("  {:<20} {:>6} {:>7} {:>8} {:>9} {:>22}\n", "city", "sent",
                                 "handed", "stations", "protocols", "confiscated/not adm.");
  auto line = [&](const v1::DeploymentFigures& row) {
    text += fmt::format("  {:<20} {:>6} {:>7} {:>8} {:>9} {:>22}\n", row.name(),
                        row.mandates_sent(), row.mandates_handed_out(), row.stations_covered(),
                        row.protocols_obtained(), row.protocols_not_obtained());
  };
  for (const auto& row : table.cities()) {
    if (row.mandates_sent() > 0) line(row);
  }
  line(table.total());
  return text;
}

std::string FormatOrganisationTable(const v1::OrganisationDeploymentTable& table) {
  std::string text =
      fmt::format("  {:<34} {:<21} {:>8} {:>6} {:>7} {:>8} {:>7} {:>7} {:>8} {:>7} {:>9}\n",
                  "organisation", "affiliation", "declared", "sent", "handed", "admitted",
                  "refused", "removed", "stations", "regions", "protocols");
  auto line = [&](const v1::OrganisationDeployment& row) {
    text += fmt::format("  {:<34} {:<21} {:>8} {:>6} {:>7} {:>8} {:>7} {:>7} {:>8} {:>7} {:>9}\n",
                        row.name(), row.affiliation(), row.observers_declared(),
                        row.mandates_sent(), row.mandates_handed_out(), row.observers_admitted(),
                        row.observers_refused(), row.observers_removed(), row.stations_covered(),
                        row.regions_covered(), row.protocols_obtained());
  };
  for (const auto& row : table.organisations()) line(row);
  text += "  by affiliation:\n";
  for (const auto& row : table.affiliations()) line(row);
  const v1::StationCoverage& c = table.coverage();
  text += fmt::format(
      "  stations covered, of {}: independent {} (only {}), authority-affiliated {} (only {}), "
      "both {}, neither {}\n",
      c.stations_registered(), c.independent(), c.independent_only(), c.authority_affiliated(),
      c.authority_affiliated_only(), c.both(), c.neither());
  return text;
}

}  // namespace hattama::hub
