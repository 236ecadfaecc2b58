// What aggregation knows of one station x contest x scope (observer or official), and the step that
// applies one submission to it: the counting rule of common/domain/dispute.h, in memory. Pure, no
// I/O: the batch applier (batch_applier.h) loads the state from Redis (or from its cache), folds a
// batch of records into it, then writes what changed.
//
// The Redis spelling of the state (layout.h): the backers hash (observer -> standing entry, see
// EncodeEntry), the figures hash (digest -> figures text) and the station hash (the counted
// decision and its figures, AppendStationFields).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/domain/dispute.h"
#include "services/aggregation/prepared_record.h"
#include "services/aggregation/totals_fields.h"

namespace hattama::aggregation {

struct StationState {
  // The standing entry of each observer (one each), as the backers hash holds them.
  std::vector<domain::DisputeVersion> standing;
  // Every set of figures received: figures digest -> figures text.
  std::map<std::string, std::string> figures;
  // The rule over `standing`, kept up to date by Fold.
  domain::DisputeDecision current;
  // The decision the station hash in Redis holds (what the totals include).
  domain::DisputeDecision written;

  // The state as Redis holds it: HGETALL of the backers and figures hashes (flat field, value
  // lists). The station hash is not read: it is the rule over these two (every write of them goes
  // through Fold), so `written` is computed. False when an entry cannot be parsed.
  bool Load(const std::vector<std::string>& backers, const std::vector<std::string>& figures);
};

// What applying one record to its station did.
struct Folded {
  Outcome outcome = Outcome::kStored;
  bool standing = false;     // The record is now its observer's standing entry (HSET backers).
  bool new_figures = false;  // Its figures were not known before (HSETNX figures).
};

// Applies `record` (not applied before: the caller checked its id) to `state`.
Folded Fold(StationState& state, const PreparedRecord& record);

// "<revision>\t<retraction 0/1>\t<flagged 0/1>\t<figures digest>\t<submission id>": an observer's
// standing entry in the backers hash.
std::string EncodeEntry(const domain::DisputeVersion& version);
std::optional<domain::DisputeVersion> DecodeEntry(const std::string& observer,
                                                  const std::string& entry);

// Appends the station hash of `decision` (nothing while nothing counts) to `words`, field and value
// each: submission_id, digest, confirmations, variants, disputed, flagged, then the counted
// figures.
void AppendStationFields(const StationState& state, const domain::DisputeDecision& decision,
                         std::vector<std::string>& words);

// What the station's change from `written` to `current` moves, by field number of its contest's
// totals (`fields`; a field its figures hold that `fields` lacks is numbered):
// - `totals`, the totals of its areas: the figure differences (a figure the new figures lack is
//   taken back in full), stations_reporting, flagged_count, disputed_count;
// - `pvt_sums`, the PVT's sums of its region (layout.h: "pvt:xx", "pvt:yy:<option_id>",
//   "pvt:xy:<option_id>"): each counted protocol's x² and, per option, y² and x·y, with x the sum
//   of its "v:" figures and y one of them. Left empty unless `with_pvt_sums`.
// Each side's figures are parsed once for both. `delta` is overwritten (kept by the caller so that
// its vectors are allocated once).
struct StationDelta {
  TotalsValues totals;
  TotalsValues pvt_sums;
};
void DeltaOf(const StationState& state, TotalsFields& fields, bool with_pvt_sums,
             StationDelta& delta);
// Some value is not 0.
bool Moves(const TotalsValues& values);

}  // namespace hattama::aggregation
