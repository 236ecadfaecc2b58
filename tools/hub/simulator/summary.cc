#include "tools/hub/simulator/summary.h"

#include <fmt/format.h>

namespace hattama::hub {
namespace {

constexpr double kThresholdPercent = 7.0;

double Percent(int64_t part, int64_t whole) {
  return whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

struct Outcomes {
  ExpectedCounts got;
  ExpectedCounts expected;
};

}  // namespace

std::string FormatSummary(const domain::Registry& registry,
                          const std::map<std::string, Tally>& nation,
                          std::span<const PlannedSubmission> sent, const StreamReport* report) {
  std::map<std::string, Outcomes> outcomes;
  for (size_t i = 0; i < sent.size(); ++i) {
    auto& counts = outcomes[sent[i].submission.protocol().contest_id()];
    counts.expected.Add(sent[i].expected_outcome);
    if (report != nullptr && i < report->acks.size()) counts.got.Add(report->acks[i].outcome);
  }

  std::string text;
  for (const auto& contest : registry.election().contests()) {
    const auto& id = contest.contest_id();
    text += fmt::format("{} — {}\n", contest.name(), id);
    auto it = nation.find(id);
    if (it != nation.end()) {
      const Tally& t = it->second;
      const int64_t registered_stations = registry.StationsRegistered(registry.nation_id(), id);
      text += fmt::format(
          "  turnout {:.2f} % ({} in the box of {} registered)   spoiled {:.2f} % of the box\n",
          Percent(t.ballots_in_box, t.registered_voters), t.ballots_in_box, t.registered_voters,
          Percent(t.ballots_spoiled, t.ballots_in_box));
      text += fmt::format("  coverage {} of {} stations ({:.1f} %), {} flagged protocols\n",
                          t.stations_reporting, registered_stations,
                          Percent(t.stations_reporting, registered_stations), t.flagged_count);
      for (const auto& option : contest.options()) {
        auto votes = t.option_votes.find(option.option_id());
        const int64_t v = votes == t.option_votes.end() ? 0 : votes->second;
        const double share = Percent(v, t.ballots_valid);
        text += fmt::format("    {:<16} {:>6.2f} % {:>10} votes{}\n", option.name(), share, v,
                            share >= kThresholdPercent ? "" : "   (below the 7 % threshold)");
      }
    }
    const auto& counts = outcomes[id];
    if (report != nullptr) {
      text += fmt::format(
          "  answers: accepted {} (expected {}), with flags {} ({}), duplicate {} ({}), "
          "rejected {} ({})\n",
          counts.got.accepted, counts.expected.accepted, counts.got.flagged,
          counts.expected.flagged, counts.got.duplicate, counts.expected.duplicate,
          counts.got.rejected, counts.expected.rejected);
    } else {
      text += fmt::format("  planned: accepted {}, with flags {}, duplicate {}, rejected {}\n",
                          counts.expected.accepted, counts.expected.flagged,
                          counts.expected.duplicate, counts.expected.rejected);
    }
  }
  return text;
}

std::string FormatOfficialComparison(const domain::Registry& registry,
                                     const std::map<std::string, Tally>& observer_nation,
                                     const std::map<std::string, Tally>& official_nation) {
  std::string text;
  for (const auto& contest : registry.election().contests()) {
    auto official = official_nation.find(contest.contest_id());
    auto observer = observer_nation.find(contest.contest_id());
    if (official == official_nation.end() || observer == observer_nation.end()) continue;
    const Tally& o = official->second;
    const Tally& w = observer->second;
    text += fmt::format("{} — official results against the observers' protocols\n", contest.name());
    text +=
        fmt::format("  {:<16} {:>9} {:>10} {:>11}\n", "", "official", "observers", "difference");
    const double official_turnout = Percent(o.ballots_in_box, o.registered_voters);
    const double observer_turnout = Percent(w.ballots_in_box, w.registered_voters);
    text += fmt::format("  {:<16} {:>7.2f} % {:>8.2f} % {:>+8.2f} pp\n", "turnout",
                        official_turnout, observer_turnout, official_turnout - observer_turnout);
    for (const auto& option : contest.options()) {
      auto votes = [&](const Tally& t) {
        auto it = t.option_votes.find(option.option_id());
        return it == t.option_votes.end() ? int64_t{0} : it->second;
      };
      const double a = Percent(votes(o), o.ballots_valid);
      const double b = Percent(votes(w), w.ballots_valid);
      text +=
          fmt::format("  {:<16} {:>7.2f} % {:>8.2f} % {:>+8.2f} pp\n", option.name(), a, b, a - b);
    }
    text += fmt::format("  stations: {} official, {} observed\n", o.stations_reporting,
                        w.stations_reporting);
  }
  return text;
}

}  // namespace hattama::hub
