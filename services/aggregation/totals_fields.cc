#include "services/aggregation/totals_fields.h"

#include <algorithm>
#include <span>

#include "common/redis/figures.h"
#include "common/redis/layout.h"

namespace hattama::aggregation {

TotalsFields::TotalsFields(const v1::Contest* contest) : contest_(contest) {
  for (std::string_view fixed :
       {redis::layout::kTotalsVersion, redis::layout::kStationsReporting,
        redis::layout::kFlaggedCount, redis::layout::kDisputedCount, redis::layout::kPvtSumXX}) {
    Index(fixed);
  }
  if (contest_ == nullptr) return;
  const std::vector<std::string> figures = redis::TotalsFigureFields(*contest_);
  figure_count_ = figures.size();
  for (const std::string& field : figures) Index(field);
  for (size_t index = kPvtSumXX + 1; index < kPvtSumXX + 1 + figure_count_; ++index) {
    if (IsVotes(index)) PvtSumsOf(index);
  }
}

size_t TotalsFields::Index(std::string_view name) {
  if (auto it = numbers_.find(name); it != numbers_.end()) return it->second;
  const size_t index = fields_.size();
  fields_.push_back(
      {.name = std::string(name), .votes = name.starts_with(redis::layout::kVotesPrefix)});
  numbers_.emplace(fields_.back().name, index);
  return index;
}

std::pair<size_t, size_t> TotalsFields::PvtSumsOf(size_t index) {
  if (fields_[index].pvt_yy == 0) {
    // Copied: numbering a new field may move fields_.
    const std::string option = fields_[index].name.substr(redis::layout::kVotesPrefix.size());
    const size_t yy = Index(std::string(redis::layout::kPvtSumYYPrefix) + option);
    const size_t xy = Index(std::string(redis::layout::kPvtSumXYPrefix) + option);
    fields_[index].pvt_yy = yy;
    fields_[index].pvt_xy = xy;
  }
  return {fields_[index].pvt_yy, fields_[index].pvt_xy};
}

v1::Figures TotalsFields::Figures(const TotalsValues& values) const {
  if (contest_ == nullptr) return {};
  std::span<const int64_t> figures(values);
  figures = figures.subspan(std::min(figures.size(), kPvtSumXX + 1));
  return redis::FromTotalsValues(figures.first(std::min(figures.size(), figure_count_)), *contest_);
}

}  // namespace hattama::aggregation
