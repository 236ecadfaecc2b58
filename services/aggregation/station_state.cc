#include "services/aggregation/station_state.h"

#include <algorithm>
#include <charconv>

#include "common/redis/layout.h"

namespace hattama::aggregation {
namespace {

bool ParseInteger(std::string_view text, int64_t& value) {
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size();
}

}  // namespace

std::string_view OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kCounted:
      return "counted";
    case Outcome::kRetracted:
      return "retracted";
    case Outcome::kStored:
      return "stored";
    case Outcome::kStale:
      return "stale";
    case Outcome::kDuplicate:
      return "duplicate";
    case Outcome::kIdReused:
      return "id_reused";
  }
  return "unknown";
}

std::string EncodeEntry(const domain::DisputeVersion& version) {
  std::string entry = std::to_string(version.revision);
  entry += version.retraction ? "\t1\t" : "\t0\t";
  entry += version.flagged ? "1\t" : "0\t";
  entry += version.retraction ? "" : version.figures_digest;
  entry += '\t';
  entry += version.submission_id;
  return entry;
}

std::optional<domain::DisputeVersion> DecodeEntry(const std::string& observer,
                                                  const std::string& entry) {
  // Four tabs, then the id (which may hold anything).
  std::string_view rest = entry;
  std::string_view parts[4];
  for (auto& part : parts) {
    const size_t tab = rest.find('\t');
    if (tab == std::string_view::npos) return std::nullopt;
    part = rest.substr(0, tab);
    rest.remove_prefix(tab + 1);
  }
  int64_t revision = 0;
  if (!ParseInteger(parts[0], revision)) return std::nullopt;
  domain::DisputeVersion version;
  version.observer_id = observer;
  version.revision = static_cast<int32_t>(revision);
  version.retraction = parts[1] == "1";
  version.flagged = parts[2] == "1";
  version.figures_digest = std::string(parts[3]);
  version.submission_id = std::string(rest);
  return version;
}

namespace {

// Calls each(field, value) for each "field=value" line of a figures text.
template <typename Each>
void ForEachFigure(std::string_view text, Each&& each) {
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view pair = text.substr(start, end - start);
    // The value is after the last '=': option ids may hold one, values never do.
    const size_t equals = pair.rfind('=');
    int64_t value = 0;
    if (equals != std::string_view::npos && ParseInteger(pair.substr(equals + 1), value)) {
      each(pair.substr(0, equals), value);
    }
    start = end + 1;
  }
}

}  // namespace

bool StationState::Load(const std::vector<std::string>& backers,
                        const std::vector<std::string>& figures_hash) {
  standing.clear();
  figures.clear();
  for (size_t i = 0; i + 1 < backers.size(); i += 2) {
    auto version = DecodeEntry(backers[i], backers[i + 1]);
    if (!version) return false;
    standing.push_back(std::move(*version));
  }
  for (size_t i = 0; i + 1 < figures_hash.size(); i += 2) {
    figures.emplace(figures_hash[i], figures_hash[i + 1]);
  }
  current = domain::Decide(standing);
  written = current;
  return true;
}

Folded Fold(StationState& state, const PreparedRecord& record) {
  const domain::DisputeVersion& version = record.version;
  auto it = std::find_if(state.standing.begin(), state.standing.end(), [&](const auto& entry) {
    return entry.observer_id == version.observer_id;
  });
  if (it != state.standing.end() && !domain::Outranks(version, *it)) {
    return {.outcome = Outcome::kStale};
  }
  if (it == state.standing.end()) {
    state.standing.push_back(version);
  } else {
    *it = version;
  }
  Folded folded{.standing = true};
  if (!version.retraction) {
    // Same digest, same figures: the first copy stored is as good as any.
    folded.new_figures = state.figures.emplace(version.figures_digest, record.figures_text).second;
  }
  const domain::DisputeDecision before = state.current;
  state.current = domain::Decide(state.standing);
  const domain::DisputeDecision& after = state.current;
  if (version.retraction) {
    const bool withdrew = before.counted != after.counted ||
                          before.figures_digest != after.figures_digest ||
                          before.confirmations != after.confirmations;
    folded.outcome = withdrew ? Outcome::kRetracted : Outcome::kStored;
  } else {
    folded.outcome = after.counted && after.figures_digest == version.figures_digest
                         ? Outcome::kCounted
                         : Outcome::kStored;
  }
  return folded;
}

void AppendStationFields(const StationState& state, const domain::DisputeDecision& decision,
                         std::vector<std::string>& words) {
  if (!decision.counted) return;
  for (std::string_view word :
       {redis::layout::kCountedSubmission, std::string_view(decision.submission_id),
        redis::layout::kCountedDigest, std::string_view(decision.figures_digest)}) {
    words.emplace_back(word);
  }
  words.emplace_back(redis::layout::kConfirmations);
  words.push_back(std::to_string(decision.confirmations));
  words.emplace_back(redis::layout::kVariants);
  words.push_back(std::to_string(decision.variants));
  words.emplace_back(redis::layout::kDisputed);
  words.emplace_back(decision.disputed() ? "1" : "0");
  words.emplace_back(redis::layout::kFlagged);
  words.emplace_back(decision.flagged ? "1" : "0");
  auto figures = state.figures.find(decision.figures_digest);
  if (figures == state.figures.end()) return;
  ForEachFigure(figures->second, [&](std::string_view field, int64_t value) {
    words.emplace_back(field);
    words.push_back(std::to_string(value));
  });
}

namespace {

// Adds the counted figures of `decision` (none while nothing counts) to `delta` times `sign`, and
// with `pvt_sums` their share of the PVT's sums to it. A field the text holds twice counts once,
// with its last value, as in the station hash (HSET: the last value of a field wins).
void AddCounted(const StationState& state, const domain::DisputeDecision& decision, int64_t sign,
                TotalsFields& fields, TotalsValues& delta, TotalsValues* pvt_sums) {
  if (!decision.counted) return;
  auto figures = state.figures.find(decision.figures_digest);
  if (figures == state.figures.end()) return;
  TotalsValues counted(fields.size(), 0);
  ForEachFigure(figures->second, [&](std::string_view field, int64_t value) {
    const size_t index = fields.Index(field);
    if (index >= counted.size()) counted.resize(index + 1, 0);
    counted[index] = value;
  });
  int64_t x = 0;  // The sum of the votes fields.
  for (size_t index = 0; index < counted.size(); ++index) {
    if (counted[index] == 0) continue;
    AddAt(delta, index, sign * counted[index]);
    if (fields.IsVotes(index)) x += counted[index];
  }
  if (pvt_sums == nullptr) return;
  AddAt(*pvt_sums, TotalsFields::kPvtSumXX, sign * x * x);
  for (size_t index = 0; index < counted.size(); ++index) {
    const int64_t y = counted[index];
    if (y == 0 || !fields.IsVotes(index)) continue;
    const auto [yy, xy] = fields.PvtSumsOf(index);
    AddAt(*pvt_sums, yy, sign * y * y);
    AddAt(*pvt_sums, xy, sign * x * y);
  }
}

}  // namespace

void DeltaOf(const StationState& state, TotalsFields& fields, bool with_pvt_sums,
             StationDelta& delta) {
  const domain::DisputeDecision& old = state.written;
  const domain::DisputeDecision& now = state.current;
  delta.totals.assign(fields.size(), 0);
  delta.pvt_sums.assign(with_pvt_sums ? fields.size() : 0, 0);
  TotalsValues* pvt_sums = with_pvt_sums ? &delta.pvt_sums : nullptr;
  AddCounted(state, now, +1, fields, delta.totals, pvt_sums);
  AddCounted(state, old, -1, fields, delta.totals, pvt_sums);
  delta.totals[TotalsFields::kStationsReporting] = (now.counted ? 1 : 0) - (old.counted ? 1 : 0);
  delta.totals[TotalsFields::kFlaggedCount] =
      (now.counted && now.flagged ? 1 : 0) - (old.counted && old.flagged ? 1 : 0);
  delta.totals[TotalsFields::kDisputedCount] =
      (now.counted && now.disputed() ? 1 : 0) - (old.counted && old.disputed() ? 1 : 0);
}

bool Moves(const TotalsValues& values) {
  return std::any_of(values.begin(), values.end(), [](int64_t value) { return value != 0; });
}

}  // namespace hattama::aggregation
