// Observer deployment on the simulated election night: per region, mandates sent and handed out,
// observers admitted or refused (some removed later), protocol copies obtained, refused or
// confiscated, as events a hub streams to ingestion, with the table they must produce. The ratios
// follow the observers' report (Shymkent: 520 sent, 35 handed out, 35 stations covered, 37
// protocols; one city: 1030 sent, 196 handed out, 123 stations, 132 protocols).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/domain/registry.h"
#include "hattama/v1/publication.pb.h"
#include "hattama/v1/records.pb.h"

namespace hattama::hub {

struct DeploymentPlan {
  // In send order; resends (same event again) come after their original.
  std::vector<v1::DeploymentEvent> events;
  int64_t resends = 0;
  // The table aggregation must publish: region rows and the nation, by area id.
  std::map<std::string, v1::DeploymentFigures> expected;
};

// The table `events` must produce, region rows and the nation by area id, each event id counted
// once and each station once in stations covered (as aggregation's deployment.lua counts).
std::map<std::string, v1::DeploymentFigures> ExpectedDeployment(
    const domain::Registry& registry, const std::vector<v1::DeploymentEvent>& events);

// Deterministic per (registry, seed, hubs of regions).
DeploymentPlan DrawDeployment(const domain::Registry& registry, uint64_t seed,
                              const std::map<std::string, std::string>& hub_of_region);

// Waits until publication's table equals `expected` (or `timeout`), returns the mismatches (empty
// when equal) and the last table read in `table`.
std::vector<std::string> VerifyDeploymentTable(const std::string& publication_address,
                                               const DeploymentPlan& plan,
                                               std::chrono::milliseconds timeout,
                                               v1::DeploymentTable* table);

// The table as text: one line per region and the nation.
std::string FormatDeploymentTable(const v1::DeploymentTable& table);

// DeploymentService.GetCityDeployment and GetOrganisationDeployment of the publication at
// `publication_address` (5 s deadline each).
Result<v1::CityDeploymentTable> ReadCityDeployment(const std::string& publication_address);
Result<v1::OrganisationDeploymentTable> ReadOrganisationDeployment(
    const std::string& publication_address);

// The city table as text, in the report's columns: the cities with any mandate, and the total.
std::string FormatCityTable(const v1::CityDeploymentTable& table);
// The organisations' and affiliations' rows, then the stations each camp covers.
std::string FormatOrganisationTable(const v1::OrganisationDeploymentTable& table);

}  // namespace hattama::hub
