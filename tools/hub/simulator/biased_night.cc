#include "tools/hub/simulator/biased_night.h"

#include <algorithm>
#include <cmath>

namespace hattama::hub {

bool IsCityStation(const domain::Registry& registry, const domain::Station& station) {
  for (const v1::Area* area : registry.EnclosingAreas(station)) {
    if (area->kind() != v1::AREA_KIND_NATION && area->is_city()) return true;
  }
  return false;
}

void MoveCityVotes(const domain::Registry& registry, std::vector<PlannedSubmission>& protocols) {
  for (auto& planned : protocols) {
    auto* protocol = planned.submission.mutable_protocol();
    const domain::Station* station = registry.FindStation(protocol->station_id());
    auto& lines = *protocol->mutable_figures()->mutable_option_votes();
    if (station == nullptr || lines.size() < 2 || !IsCityStation(registry, *station)) continue;
    const auto moved = static_cast<int64_t>(
        std::floor(kCityFirstOptionLoss * static_cast<double>(lines[0].votes())));
    lines[0].set_votes(lines[0].votes() - moved);
    int64_t others = 0;
    for (int i = 1; i < lines.size(); ++i) others += lines[i].votes();
    if (others == 0) {
      lines[1].set_votes(lines[1].votes() + moved);
      continue;
    }
    // Largest remainders, in integers: option i gets ⌊moved·v_i/others⌋, the rest one each.
    std::vector<std::pair<int64_t, int>> remainders;
    int64_t given = 0;
    for (int i = 1; i < lines.size(); ++i) {
      const int64_t share = moved * lines[i].votes() / others;
      remainders.emplace_back(moved * lines[i].votes() % others, i);
      lines[i].set_votes(lines[i].votes() + share);
      given += share;
    }
    std::stable_sort(remainders.begin(), remainders.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    for (int64_t k = 0; k < moved - given; ++k) {
      auto& line = lines[remainders[static_cast<size_t>(k)].second];
      line.set_votes(line.votes() + 1);
    }
  }
}

std::vector<PlannedSubmission> CitiesFirst(const domain::Registry& registry,
                                           std::vector<PlannedSubmission> in_order,
                                           const std::set<std::string>& report_first) {
  // Rank 0: sampled city stations, 1: other sampled ones, 2: city stations, 3: the rest.
  std::vector<std::pair<int, size_t>> ranked;
  ranked.reserve(in_order.size());
  for (size_t i = 0; i < in_order.size(); ++i) {
    const std::string& id = in_order[i].submission.protocol().station_id();
    const domain::Station* station = registry.FindStation(id);
    const bool city = station != nullptr && IsCityStation(registry, *station);
    ranked.emplace_back((report_first.contains(id) ? 0 : 2) + (city ? 0 : 1), i);
  }
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<PlannedSubmission> out;
  out.reserve(in_order.size());
  for (const auto& [rank, i] : ranked) out.push_back(std::move(in_order[i]));
  return out;
}

}  // namespace hattama::hub
