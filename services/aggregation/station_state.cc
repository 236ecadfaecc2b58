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

std::vector<std::pair<std::string, int64_t>> ParseFiguresText(const std::string& text) {
  std::vector<std::pair<std::string, int64_t>> fields;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view pair(text.data() + start, end - start);
    // The value is after the last '=': option ids may hold one, values never do.
    const size_t equals = pair.rfind('=');
    int64_t value = 0;
    if (equals != std::string_view::npos && ParseInteger(pair.substr(equals + 1), value)) {
      fields.emplace_back(std::string(pair.substr(0, equals)), value);
    }
    start = end + 1;
  }
  return fields;
}

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

std::vector<std::string> StationFields(const StationState& state,
                                       const domain::DisputeDecision& decision) {
  if (!decision.counted) return {};
  std::vector<std::string> fields = {
      std::string(redis::layout::kCountedSubmission), decision.submission_id,
      std::string(redis::layout::kCountedDigest),     decision.figures_digest,
      std::string(redis::layout::kConfirmations),     std::to_string(decision.confirmations),
      std::string(redis::layout::kVariants),          std::to_string(decision.variants),
      std::string(redis::layout::kDisputed),          decision.disputed() ? "1" : "0",
      std::string(redis::layout::kFlagged),           decision.flagged ? "1" : "0",
  };
  auto figures = state.figures.find(decision.figures_digest);
  if (figures != state.figures.end()) {
    for (auto& [field, value] : ParseFiguresText(figures->second)) {
      fields.push_back(std::move(field));
      fields.push_back(std::to_string(value));
    }
  }
  return fields;
}

namespace {

std::map<std::string, int64_t> CountedFields(const StationState& state,
                                             const domain::DisputeDecision& decision) {
  std::map<std::string, int64_t> fields;
  if (!decision.counted) return fields;
  auto figures = state.figures.find(decision.figures_digest);
  if (figures == state.figures.end()) return fields;
  for (auto& [field, value] : ParseFiguresText(figures->second)) fields[field] = value;
  return fields;
}

}  // namespace

namespace {

// A counted protocol's share of the PVT's sums, added to `sums` with `sign`.
void AddPvtSums(const std::map<std::string, int64_t>& counted, int64_t sign,
                std::map<std::string, int64_t>& sums) {
  int64_t x = 0;
  for (const auto& [field, votes] : counted) {
    if (field.starts_with(redis::layout::kVotesPrefix)) x += votes;
  }
  sums[std::string(redis::layout::kPvtSumXX)] += sign * x * x;
  for (const auto& [field, y] : counted) {
    if (!field.starts_with(redis::layout::kVotesPrefix) || y == 0) continue;
    const std::string_view option =
        std::string_view(field).substr(redis::layout::kVotesPrefix.size());
    sums[std::string(redis::layout::kPvtSumYYPrefix).append(option)] += sign * y * y;
    sums[std::string(redis::layout::kPvtSumXYPrefix).append(option)] += sign * x * y;
  }
}

}  // namespace

StationDelta DeltaOf(const StationState& state, bool with_pvt_sums) {
  const domain::DisputeDecision& old = state.written;
  const domain::DisputeDecision& now = state.current;
  std::map<std::string, int64_t> counted_now = CountedFields(state, now);
  const std::map<std::string, int64_t> counted_old = CountedFields(state, old);
  StationDelta delta;
  if (with_pvt_sums) {
    AddPvtSums(counted_now, +1, delta.pvt_sums);
    AddPvtSums(counted_old, -1, delta.pvt_sums);
    std::erase_if(delta.pvt_sums, [](const auto& field) { return field.second == 0; });
  }
  delta.totals = std::move(counted_now);
  for (const auto& [field, value] : counted_old) delta.totals[field] -= value;
  delta.totals[std::string(redis::layout::kStationsReporting)] =
      (now.counted ? 1 : 0) - (old.counted ? 1 : 0);
  delta.totals[std::string(redis::layout::kFlaggedCount)] =
      (now.counted && now.flagged ? 1 : 0) - (old.counted && old.flagged ? 1 : 0);
  delta.totals[std::string(redis::layout::kDisputedCount)] =
      (now.counted && now.disputed() ? 1 : 0) - (old.counted && old.disputed() ? 1 : 0);
  std::erase_if(delta.totals, [](const auto& field) { return field.second == 0; });
  return delta;
}

}  // namespace hattama::aggregation
