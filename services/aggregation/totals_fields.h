// The fields of one contest's totals hashes (layout.h), each numbered once, so that the fold sums a
// station's change into its areas' totals as vectors of integers indexed by field, instead of maps
// keyed by field name: a profile of the fold had a quarter of its time in comparing field names.
//
// The numbering is this member's own (nothing stored holds it): the fixed fields, then the figures
// and votes of the contest in TotalsFigureFields's order (redis/figures.h), then the PVT's sums of
// each option. A field no one listed (a hash written with another registry) gets the next number
// the first time it is seen, so nothing read is ever dropped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "hattama/v1/election.pb.h"
#include "hattama/v1/protocol.pb.h"

namespace hattama::aggregation {

// A total's fields by their number in its contest's TotalsFields; a field past the end is 0.
using TotalsValues = std::vector<int64_t>;

class TotalsFields {
 public:
  // The same numbers in every contest.
  static constexpr size_t kVersion = 0;
  static constexpr size_t kStationsReporting = 1;
  static constexpr size_t kFlaggedCount = 2;
  static constexpr size_t kDisputedCount = 3;
  static constexpr size_t kPvtSumXX = 4;

  // `contest`: the registry's (nullptr for a contest it does not hold: only the fixed fields are
  // listed, the rest numbered as they come).
  explicit TotalsFields(const v1::Contest* contest);
  TotalsFields(const TotalsFields&) = delete;
  TotalsFields& operator=(const TotalsFields&) = delete;

  // The number of `name`, given one the first time it is asked for.
  size_t Index(std::string_view name);
  const std::string& Name(size_t index) const { return fields_[index].name; }
  size_t size() const { return fields_.size(); }
  // A "v:<option_id>" field.
  bool IsVotes(size_t index) const { return fields_[index].votes; }
  // The numbers of "pvt:yy:<option_id>" and "pvt:xy:<option_id>" of the votes field `index`.
  std::pair<size_t, size_t> PvtSumsOf(size_t index);
  // The figures of a totals hash of the contest (every figure, every option): redis::FromFields
  // with all_present. Empty without a contest.
  v1::Figures Figures(const TotalsValues& values) const;

 private:
  struct Field {
    std::string name;
    bool votes = false;
    size_t pvt_yy = 0;  // 0: not numbered yet (0 is kVersion, never a PVT sum).
    size_t pvt_xy = 0;
  };
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const { return std::hash<std::string_view>()(text); }
  };
  const v1::Contest* contest_;
  size_t figure_count_ = 0;  // Fields of TotalsFigureFields, from kPvtSumXX + 1 on.
  std::vector<Field> fields_;
  std::unordered_map<std::string, size_t, Hash, std::equal_to<>> numbers_;
};

// values[index] += amount, growing `values` as needed.
inline void AddAt(TotalsValues& values, size_t index, int64_t amount) {
  if (index >= values.size()) values.resize(index + 1, 0);
  values[index] += amount;
}

}  // namespace hattama::aggregation
