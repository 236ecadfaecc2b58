// How a protocol's figures are spelled as Redis hash fields (see layout.h): "f:<figure>" for each
// figure present, "v:<option_id>" for each option's votes. Shared by aggregation (which writes
// them) and publication (which reads them back), so the two cannot drift apart.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "hattama/v1/election.pb.h"
#include "hattama/v1/protocol.pb.h"

namespace hattama::redis {

// Field -> integer value, as read from a station or totals hash (non-figure fields ignored).
using FigureFields = std::map<std::string, int64_t>;

// The present figures of `figures` as (field, value) pairs, in a fixed order: figures in proto
// field order, then options as listed. Absent figures and options without votes are left out.
std::vector<std::pair<std::string, int64_t>> ToFields(const v1::Figures& figures);

// The f:/v: fields of a flat HGETALL reply (field, value, field, value, ...) summed into `into`.
// Values that are not integers are an error naming the field.
bool AddHashFields(const std::vector<std::string>& flat, FigureFields& into, std::string* error);

// Figures from fields. `all_present`: every figure is set (0 when there is no field) and every
// option of `contest` is listed, in ballot order (totals); otherwise only the fields there are,
// options in ballot order (a station's protocol as it was counted).
v1::Figures FromFields(const FigureFields& fields, const v1::Contest& contest, bool all_present);

// Every field a totals hash of `contest` sums, in a fixed order: "f:<figure>" for each figure
// (proto field order), then "v:<option_id>" for each option (ballot order).
std::vector<std::string> TotalsFigureFields(const v1::Contest& contest);
// FromFields(..., all_present = true) of a totals hash given as `values`, the value of each field
// of TotalsFigureFields(contest) in its order.
v1::Figures FromTotalsValues(std::span<const int64_t> values, const v1::Contest& contest);

}  // namespace hattama::redis
