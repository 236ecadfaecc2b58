#include "services/publication/observer_effect.h"

#include "common/analysis/observer_effect.h"

namespace hattama::publication {
namespace {

void Set(const analysis::RatioComparison& c, v1::ObserverEffectFigure* figure) {
  figure->set_with_percent(c.with_percent);
  figure->set_without_percent(c.without_percent);
  figure->set_difference_points(c.difference_points);
  figure->set_ci_low_points(c.ci_low_points);
  figure->set_ci_high_points(c.ci_high_points);
  figure->set_has_interval(c.has_interval);
}

int64_t VotesOf(const v1::Figures& figures, const std::string& option_id) {
  for (const auto& line : figures.option_votes()) {
    if (line.option_id() == option_id) return line.votes();
  }
  return 0;
}

}  // namespace

v1::ObserverEffect ObserverEffectOf(const v1::Contest& contest,
                                    const std::vector<CountedProtocol>& counted,
                                    const std::unordered_set<std::string>& observed) {
  // Index 0 the stations with an independent observer, 1 those without.
  std::vector<const v1::Figures*> groups[2];
  for (const auto& c : counted)
    groups[observed.contains(c.station_id) ? 0 : 1].push_back(c.figures);
  auto ratios = [&](auto numerator, auto denominator) {
    std::vector<analysis::StationRatio> out[2];
    for (int g = 0; g < 2; ++g) {
      for (const v1::Figures* f : groups[g]) out[g].push_back({numerator(*f), denominator(*f)});
    }
    return analysis::CompareRatios(out[0], out[1]);
  };
  v1::ObserverEffect effect;
  effect.set_contest_id(contest.contest_id());
  effect.set_stations_with(static_cast<int64_t>(groups[0].size()));
  effect.set_stations_without(static_cast<int64_t>(groups[1].size()));
  Set(ratios([](const v1::Figures& f) { return f.ballots_in_box(); },
             [](const v1::Figures& f) { return f.registered_voters(); }),
      effect.mutable_turnout());
  auto all_options = [](const v1::Figures& f) {
    int64_t sum = 0;
    for (const auto& line : f.option_votes()) sum += line.votes();
    return sum;
  };
  for (const auto& option : contest.options()) {
    v1::ObserverEffectFigure* figure = effect.add_options();
    figure->set_option_id(option.option_id());
    figure->set_name(option.name());
    Set(ratios([&](const v1::Figures& f) { return VotesOf(f, option.option_id()); }, all_options),
        figure);
  }
  return effect;
}

}  // namespace hattama::publication
