// The named scenario "haq-2021": the observers' report on the 2021 elections, as deployment
// events. Its independent observer group ("haq") sent mandates in seven cities and tabulated
// what became of them; streamed through the stack, the events reproduce that table exactly:
//
//   city        sent  handed out  stations covered  protocols  confiscated or not admitted
//   Astana        20           1                 1          2                           18
//   Almaty       140           9                 9         13                          127
//   Shymkent     520          35                35         37                          483
//   Aktau         20           1                 1          3                           17
//   Aktobe       100          63                 0          0                          100
//   Uralsk        50          43                43         43                            7
//   Kyzylorda    180          44                34         34                          146
//   total       1030         196               123        132                          898
//
// The last column is the report's "mandates sent minus protocols obtained"
// (DeploymentFigures.protocols_not_obtained). Beside it, the camps the report describes, in the
// oblasts' rural districts only (so that no city row moves): a party's observers ("nur-otan-
// observers") at every other rural station and an authority-affiliated organisation
// ("taza-sailau") at every fifth.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"
#include "common/domain/observers.h"
#include "common/domain/registry.h"
#include "hattama/v1/publication.pb.h"
#include "tools/hub/simulator/deployment.h"

namespace hattama::hub {

inline constexpr std::string_view kHaq2021Scenario = "haq-2021";

// One row of the report's table; `area_name` is the registry's name of the city (synthetic.cc).
struct ReportedCity {
  std::string_view report_name;
  std::string_view area_name;
  int64_t sent;
  int64_t handed_out;
  int64_t stations_covered;
  int64_t protocols;
  int64_t not_obtained;
};

// The seven rows above, in the report's order.
std::span<const ReportedCity> Haq2021Table();

// The scenario's organisations (the synthetic registry lists them beside its own).
std::vector<domain::Organisation> Haq2021Organisations();

// The scenario's events for `registry` (the synthetic election, at least about 5,000 stations so
// that Uralsk holds 43 stations), each hub sending for its regions; every tenth event is sent
// twice, as a hub that lost answers would (counted once). An error names a city the registry
// lacks or that has too few stations.
Result<DeploymentPlan> DrawHaq2021(const domain::Registry& registry,
                                   const std::map<std::string, std::string>& hub_of_region);

// The published per-city table against the report's: one line per difference, empty when every
// row (and the total of all cities) is exactly the report's.
std::vector<std::string> CheckHaq2021Cities(const domain::Registry& registry,
                                            const v1::CityDeploymentTable& table);

}  // namespace hattama::hub
