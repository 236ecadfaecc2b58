// Open data: every station's counted protocol of a contest, as CSV or JSON Lines, read through
// PublicationService (in bulk, ReadStationResults) so that the export is exactly what is
// published.
#pragma once

#include <string>

#include "common/base/result.h"
#include "common/domain/registry.h"
#include "services/publication/publication_service.h"

namespace hattama::publication {

enum class ExportFormat { kCsv, kJsonLines };

// One row per station voting in the contest, in registry order, reported or not. CSV columns:
// station_id, district_id, region_id, reported, registered_voters, additional_list_voters,
// ballots_received, ballots_issued, ballots_cancelled, ballots_in_box, ballots_spoiled,
// ballots_valid, one column per option (its option_id), submission_id, flagged, disputed,
// confirmations. JSON Lines: one object per station with the same names.
Result<std::string> ExportContest(const domain::Registry& registry,
                                  PublicationService& publication,
                                  const std::string& contest_id, ExportFormat format);

}  // namespace hattama::publication
