#include "services/aggregation/state_cache.h"

#include <algorithm>

namespace hattama::aggregation {

std::string StationStateKey(const std::string& contest_id, const std::string& station_id,
                            redis::layout::Scope scope) {
  std::string key = contest_id;
  key += '\n';
  key += station_id;
  key += scope == redis::layout::Scope::kOfficial ? "\no" : "\nb";
  return key;
}

size_t StateCache::entries() const {
  size_t total = 0;
  for (const auto& [partition, state] : partitions_) total += state.entries();
  return total;
}

void StateCache::Trim() {
  size_t total = entries();
  while (total > max_entries_) {
    auto largest = std::max_element(
        partitions_.begin(), partitions_.end(),
        [](const auto& a, const auto& b) { return a.second.entries() < b.second.entries(); });
    if (largest == partitions_.end() || largest->second.entries() == 0) return;
    total -= largest->second.entries();
    const std::optional<int64_t> position = largest->second.position;
    largest->second = PartitionState{.position = position};
  }
}

}  // namespace hattama::aggregation
