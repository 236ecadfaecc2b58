// The one election of the tests, and the submissions and records built for it. Header-only and
// free of gtest, so the fuzz targets' own clang build includes it too.
#pragma once

#include <cstdint>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/domain/registry.h"
#include "hattama/v1/records.pb.h"
#include "tools/hub/simulator/registry_files.h"

namespace hattama::testing {

// Nation "kz"; regions "kz-a" (district "kz-a-1": stations S1, S2, S3 with 1,000, 800 and 600
// registered voters) and "kz-b" (district "kz-b-1": stations S4, S5, S6 with 1,200, 900 and 700).
// Contest "mazhilis" (national: options nur, akzhol, adal) at every station, "maslikhat"
// (regional: options x, y) only in kz-a.
inline v1::Election TinyElection() {
  v1::Election election;
  election.set_election_id("test-2021");
  election.set_name("Test election");
  auto add_area = [&](const char* id, v1::AreaKind kind, const char* parent) {
    auto* area = election.add_areas();
    area->set_area_id(id);
    area->set_name(std::string("Area ") + id);
    area->set_kind(kind);
    area->set_parent_id(parent);
  };
  add_area("kz", v1::AREA_KIND_NATION, "");
  add_area("kz-a", v1::AREA_KIND_REGION, "kz");
  add_area("kz-b", v1::AREA_KIND_REGION, "kz");
  add_area("kz-a-1", v1::AREA_KIND_DISTRICT, "kz-a");
  add_area("kz-b-1", v1::AREA_KIND_DISTRICT, "kz-b");
  auto add_contest = [&](const char* id, v1::ContestLevel level, std::vector<std::string> options) {
    auto* contest = election.add_contests();
    contest->set_contest_id(id);
    contest->set_name(std::string("Contest ") + id);
    contest->set_level(level);
    for (const auto& option_id : options) {
      auto* option = contest->add_options();
      option->set_option_id(option_id);
      option->set_name("Party " + option_id);
    }
  };
  add_contest("mazhilis", v1::CONTEST_LEVEL_NATIONAL, {"nur", "akzhol", "adal"});
  add_contest("maslikhat", v1::CONTEST_LEVEL_REGIONAL, {"x", "y"});
  return election;
}

inline std::vector<v1::Station> TinyStations() {
  std::vector<v1::Station> stations;
  auto add = [&](const char* id, const char* district, int64_t voters, bool maslikhat) {
    v1::Station station;
    station.set_station_id(id);
    station.set_district_id(district);
    station.set_registered_voters(voters);
    station.add_contest_ids("mazhilis");
    if (maslikhat) station.add_contest_ids("maslikhat");
    stations.push_back(station);
  };
  add("S1", "kz-a-1", 1000, true);
  add("S2", "kz-a-1", 800, true);
  add("S3", "kz-a-1", 600, true);
  add("S4", "kz-b-1", 1200, false);
  add("S5", "kz-b-1", 900, false);
  add("S6", "kz-b-1", 700, false);
  return stations;
}

inline std::shared_ptr<const domain::Registry> TinyRegistry() {
  return domain::Registry::Build(TinyElection(), TinyStations()).value();
}

// Writes the tiny election as election.json and stations.csv into `dir`, for the binaries. The
// simulator's writer, so the files are the ones every service loads (link hattama_hub_simulator).
inline Status WriteRegistryFiles(const std::string& dir) {
  return hub::WriteRegistryFiles(TinyElection(), TinyStations(), dir);
}

// An observer's consistent protocol, as a hub sends it: `votes` in ballot order, valid = their
// sum, in box = valid + spoiled = issued, 10 ballots cancelled, received = issued + 10, the
// station's registered voters from the registry. Revision 1, organisation "org-1", hub "hub-1".
inline v1::Submission ObserverSubmission(const std::string& submission_id,
                                         const std::string& station_id,
                                         const std::string& contest_id,
                                         const std::vector<int64_t>& votes, int64_t spoiled = 0,
                                         const std::string& observer_id = "observer-1") {
  static const auto registry = TinyRegistry();
  v1::Submission submission;
  submission.set_submission_id(submission_id);
  submission.set_observer_id(observer_id);
  submission.set_organisation_id("org-1");
  submission.set_hub_id("hub-1");
  submission.set_source(v1::SOURCE_OBSERVER);
  submission.set_revision(1);
  auto* protocol = submission.mutable_protocol();
  protocol->set_station_id(station_id);
  protocol->set_contest_id(contest_id);
  auto* figures = protocol->mutable_figures();
  const domain::Station* station = registry->FindStation(station_id);
  const v1::Contest* contest = registry->FindContest(contest_id);
  figures->set_registered_voters(station ? station->registered_voters() : 0);
  const int64_t valid = std::accumulate(votes.begin(), votes.end(), int64_t{0});
  figures->set_ballots_valid(valid);
  figures->set_ballots_spoiled(spoiled);
  figures->set_ballots_in_box(valid + spoiled);
  figures->set_ballots_issued(valid + spoiled);
  figures->set_ballots_cancelled(10);
  figures->set_ballots_received(valid + spoiled + 10);
  for (size_t i = 0; i < votes.size(); ++i) {
    auto* option = figures->add_option_votes();
    option->set_option_id(contest && static_cast<int>(i) < contest->options_size()
                              ? contest->options(static_cast<int>(i)).option_id()
                              : "option-" + std::to_string(i));
    option->set_votes(votes[i]);
  }
  return submission;
}

// A clean Mazhilis protocol of `station`: 300, 200 and 70 votes and 20 spoiled, so 570 valid, 590
// in the box and issued, 10 cancelled and 600 received. Every control relation holds at every
// station of the election (the smallest, S3, has 600 voters): ingestion answers it ACCEPTED.
inline v1::Submission CleanSubmission(const std::string& submission_id,
                                      const std::string& station_id = "S1") {
  return ObserverSubmission(submission_id, station_id, "mazhilis", {300, 200, 70}, 20);
}

// ObserverSubmission as ingestion writes it to the log, for aggregation. The digest stands for
// the real one: it differs exactly when the submission does.
inline v1::SubmissionRecord ObserverRecord(const std::string& submission_id,
                                           const std::string& station_id,
                                           const std::string& contest_id,
                                           const std::vector<int64_t>& votes, int64_t spoiled = 0,
                                           const std::string& observer_id = "observer-1") {
  v1::SubmissionRecord record;
  *record.mutable_submission() =
      ObserverSubmission(submission_id, station_id, contest_id, votes, spoiled, observer_id);
  record.set_digest("sha256:" + record.submission().SerializeAsString());
  return record;
}

// Marks `record` as breaking a control relation, as ingestion would.
inline void Flag(v1::SubmissionRecord& record) {
  auto* reason = record.add_flags();
  reason->set_field("protocol.figures.ballots_valid");
  reason->set_code(v1::REASON_CODE_VALID_PLUS_SPOILED_NOT_IN_BOX);
  reason->set_message("valid + spoiled differs from ballots in the box");
}

}  // namespace hattama::testing
