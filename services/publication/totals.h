// The arithmetic of publication, without I/O: area totals from the summed per-partition hashes,
// a station's contest result from its station hash and versions, how many versions one answer
// carries, and official against observer figures.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/base/result.h"
#include "common/domain/registry.h"
#include "hattama/v1/publication.pb.h"

namespace hattama::publication {

// Every field of a totals hash ("f:…", "v:…", "stations_reporting", "flagged_count") summed.
using SummedFields = std::map<std::string, int64_t>;

// The area and contest a request names: kInvalidArgument when either id is empty, kNotFound
// (naming it) when the registry has no such area or contest.
Result<std::pair<const v1::Area*, const v1::Contest*>> FindAreaAndContest(
    const domain::Registry& registry, const std::string& area_id, const std::string& contest_id);

// Adds a flat HGETALL reply of a totals hash into `sums`; an error names a non-integer field.
Status AddTotals(const std::vector<std::string>& flat, SummedFields& sums);

// The published totals: every figure present, options in ballot order with their share of valid
// votes, turnout over the registered voters of the reporting stations, spoiled over in box.
v1::AreaTotals BuildAreaTotals(const domain::Registry& registry, const v1::Area& area,
                               const v1::Contest& contest, const SummedFields& sums);

// One contest of a station: `station_hash` is the flat HGETALL of its station key (empty while
// nothing is counted), `versions` the SubmissionRecord bytes of its versions list,
// `official_hash` the flat HGETALL of its official station key (empty without an official result).
Result<v1::StationContestResult> BuildStationContestResult(
    const domain::Station& station, const v1::Contest& contest,
    const std::vector<std::string>& station_hash, const std::vector<std::string>& versions,
    const std::vector<std::string>& official_hash = {});

// Keeps the versions one answer carries: the counted one always, then the newest others while
// fewer than `max_versions` are kept and they fit in `budget` (bytes, spent by what is kept), in
// the order applied. Adds the number left out to `result.versions_left_out`.
void BoundVersions(v1::StationContestResult& result, int max_versions, size_t& budget);

// Official minus observer figures of one area or station; nullopt when they are equal. `kind`
// and `area_id` name where. Areas also compare the number of stations reporting.
std::optional<v1::Discrepancy> Compare(const std::string& area_id, v1::AreaKind kind,
                                       const v1::Contest& contest, const v1::Figures& official,
                                       const v1::Figures& observer, int64_t official_reporting,
                                       int64_t observer_reporting);

// Sorts largest magnitude first (ties by area id) and keeps `limit`.
void SortDiscrepancies(std::vector<v1::Discrepancy>& list, size_t limit);

}  // namespace hattama::publication
