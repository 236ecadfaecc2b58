#include "tools/hub/simulator/truth.h"

#include <fmt/format.h>

#include <fstream>
#include <unordered_set>

#include "common/domain/dispute.h"

namespace hattama::hub {
namespace {

bool Counted(SubmissionKind kind) {
  return kind == SubmissionKind::kClean || kind == SubmissionKind::kBroken ||
         kind == SubmissionKind::kResend;
}

std::string FiguresJson(int64_t registered, int64_t additional, int64_t received, int64_t issued,
                        int64_t cancelled, int64_t in_box, int64_t spoiled, int64_t valid) {
  return fmt::format(
      "\"registered_voters\": {}, \"additional_list_voters\": {}, \"ballots_received\": {}, "
      "\"ballots_issued\": {}, \"ballots_cancelled\": {}, \"ballots_in_box\": {}, "
      "\"ballots_spoiled\": {}, \"ballots_valid\": {}",
      registered, additional, received, issued, cancelled, in_box, spoiled, valid);
}

}  // namespace

void Tally::Add(const v1::Figures& figures, bool flagged) {
  registered_voters += figures.registered_voters();
  additional_list_voters += figures.additional_list_voters();
  ballots_received += figures.ballots_received();
  ballots_issued += figures.ballots_issued();
  ballots_cancelled += figures.ballots_cancelled();
  ballots_in_box += figures.ballots_in_box();
  ballots_spoiled += figures.ballots_spoiled();
  ballots_valid += figures.ballots_valid();
  for (const auto& line : figures.option_votes()) option_votes[line.option_id()] += line.votes();
  stations_reporting += 1;
  flagged_count += flagged ? 1 : 0;
}

std::string AreaContestKey(std::string_view area_id, std::string_view contest_id) {
  std::string key(area_id);
  key += '|';
  key += contest_id;
  return key;
}

const Tally* Truth::FindArea(std::string_view area_id, std::string_view contest_id) const {
  auto it = areas.find(AreaContestKey(area_id, contest_id));
  return it == areas.end() ? nullptr : &it->second;
}

const StationTruth* Truth::FindStation(std::string_view station_id,
                                       std::string_view contest_id) const {
  auto it = stations.find(AreaContestKey(station_id, contest_id));
  return it == stations.end() ? nullptr : &it->second;
}

Truth ComputeTruth(const domain::Registry& registry, std::span<const PlannedSubmission> sent) {
  Truth truth;
  for (const auto& area : registry.election().areas()) {
    for (const auto& contest : registry.election().contests()) {
      if (registry.StationsRegistered(area.area_id(), contest.contest_id()) == 0) continue;
      Tally& tally = truth.areas[AreaContestKey(area.area_id(), contest.contest_id())];
      for (const auto& option : contest.options()) tally.option_votes[option.option_id()] = 0;
    }
  }
  // Every counted version per station × contest, observers' and officials' apart.
  struct Versions {
    std::vector<domain::DisputeVersion> versions;
    std::map<std::string, const PlannedSubmission*> by_id;
  };
  std::map<std::string, Versions> observer, official;
  for (const auto& planned : sent) {
    if (!Counted(planned.kind)) continue;
    const auto& submission = planned.submission;
    const auto& protocol = submission.protocol();
    if (registry.FindStation(protocol.station_id()) == nullptr) continue;  // never counted
    auto& slot = (submission.source() == v1::SOURCE_OFFICIAL
                      ? official
                      : observer)[AreaContestKey(protocol.station_id(), protocol.contest_id())];
    if (!slot.by_id.emplace(submission.submission_id(), &planned).second) continue;  // a resend
    slot.versions.push_back(
        domain::VersionOf(submission, planned.expected_code != v1::REASON_CODE_UNSPECIFIED));
  }
  auto count = [&](const std::map<std::string, Versions>& all, std::map<std::string, Tally>& areas,
                   std::map<std::string, StationTruth>& stations, bool is_official) {
    for (const auto& [key, slot] : all) {
      const auto decision = domain::Decide(slot.versions);
      const PlannedSubmission* first = slot.by_id.begin()->second;
      const auto& protocol = first->submission.protocol();
      const domain::Station* station = registry.FindStation(protocol.station_id());
      if (!is_official && decision.disputed()) {
        for (const auto* area : registry.EnclosingAreas(*station)) {
          truth.disputed[AreaContestKey(area->area_id(), protocol.contest_id())] += 1;
        }
      }
      if (!decision.counted) continue;
      const PlannedSubmission& counted = *slot.by_id.at(decision.submission_id);
      const v1::Figures& figures = counted.submission.protocol().figures();
      for (const auto* area : registry.EnclosingAreas(*station)) {
        auto [it, inserted] =
            areas.emplace(AreaContestKey(area->area_id(), protocol.contest_id()), Tally{});
        if (inserted) {
          for (const auto& option : registry.FindContest(protocol.contest_id())->options()) {
            it->second.option_votes[option.option_id()] = 0;
          }
        }
        it->second.Add(figures, decision.flagged);
      }
      StationTruth& station_truth = stations[key];
      station_truth.submission_id = decision.submission_id;
      station_truth.figures = figures;
      if (decision.flagged) station_truth.flags = {counted.expected_code};
      station_truth.confirmations = decision.confirmations;
      station_truth.disputed = decision.disputed();
    }
  };
  count(observer, truth.areas, truth.stations, false);
  count(official, truth.official_areas, truth.official_stations, true);
  return truth;
}

void ExpectedCounts::Add(v1::Outcome outcome) {
  switch (outcome) {
    case v1::OUTCOME_ACCEPTED:
      accepted += 1;
      break;
    case v1::OUTCOME_ACCEPTED_WITH_FLAGS:
      flagged += 1;
      break;
    case v1::OUTCOME_DUPLICATE:
      duplicate += 1;
      break;
    case v1::OUTCOME_REJECTED:
      rejected += 1;
      break;
    default:
      break;
  }
}

ExpectedCounts CountExpected(std::span<const PlannedSubmission> sent) {
  ExpectedCounts counts;
  for (const auto& planned : sent) counts.Add(planned.expected_outcome);
  return counts;
}

Status WriteTruthJson(const domain::Registry& registry, const Truth& truth,
                      const ExpectedCounts& expected, const std::string& path) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Status::Error("cannot open " + path);
  out << "{\n";
  out << fmt::format(
      "  \"expected_outcomes\": {{\"accepted\": {}, \"accepted_with_flags\": {}, "
      "\"duplicate\": {}, \"rejected\": {}}},\n",
      expected.accepted, expected.flagged, expected.duplicate, expected.rejected);
  out << "  \"areas\": [";
  bool first = true;
  // Registry order (nation, then each region followed by its districts) reads top-down.
  for (const auto& area : registry.election().areas()) {
    for (const auto& contest : registry.election().contests()) {
      const Tally* t = truth.FindArea(area.area_id(), contest.contest_id());
      if (t == nullptr) continue;
      std::string options;
      for (const auto& [option_id, votes] : t->option_votes) {
        options += fmt::format("{}\"{}\": {}", options.empty() ? "" : ", ", option_id, votes);
      }
      out << (first ? "\n" : ",\n");
      first = false;
      out << fmt::format(
          "    {{\"area_id\": \"{}\", \"contest_id\": \"{}\", \"stations_reporting\": {}, "
          "\"stations_registered\": {}, \"flagged_count\": {}, {}, \"option_votes\": {{{}}}}}",
          area.area_id(), contest.contest_id(), t->stations_reporting,
          registry.StationsRegistered(area.area_id(), contest.contest_id()), t->flagged_count,
          FiguresJson(t->registered_voters, t->additional_list_voters, t->ballots_received,
                      t->ballots_issued, t->ballots_cancelled, t->ballots_in_box,
                      t->ballots_spoiled, t->ballots_valid),
          options);
    }
  }
  out << "\n  ],\n  \"stations\": [";
  first = true;
  for (const auto& station : registry.stations()) {
    for (const auto& contest_id : station.contest_ids()) {
      const StationTruth* s = truth.FindStation(station.station_id(), contest_id);
      if (s == nullptr) continue;
      const auto& f = s->figures;
      std::string options;
      for (const auto& line : f.option_votes()) {
        options += fmt::format("{}\"{}\": {}", options.empty() ? "" : ", ", line.option_id(),
                               line.votes());
      }
      std::string flags;
      for (auto code : s->flags) {
        flags += fmt::format("{}\"{}\"", flags.empty() ? "" : ", ", v1::ReasonCode_Name(code));
      }
      out << (first ? "\n" : ",\n");
      first = false;
      out << fmt::format(
          "    {{\"station_id\": \"{}\", \"contest_id\": \"{}\", \"submission_id\": \"{}\", "
          "\"flags\": [{}], {}, \"option_votes\": {{{}}}}}",
          station.station_id(), contest_id, s->submission_id, flags,
          FiguresJson(f.registered_voters(), f.additional_list_voters(), f.ballots_received(),
                      f.ballots_issued(), f.ballots_cancelled(), f.ballots_in_box(),
                      f.ballots_spoiled(), f.ballots_valid()),
          options);
    }
  }
  out << "\n  ]\n}\n";
  if (!out.flush()) return Status::Error("cannot write " + path);
  return Status::Ok();
}

}  // namespace hattama::hub
