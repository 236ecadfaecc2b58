// The ground truth: what the published totals must be, computed from the submissions alone,
// independently of the services (it never calls domain::Validate: whether a submission counts
// is what the simulator made it to be).
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"
#include "common/domain/registry.h"
#include "tools/hub/simulator/planned_submission.h"

namespace hattama::hub {

// Sums over counted protocols, as an area total shows them.
struct Tally {
  int64_t registered_voters = 0;
  int64_t additional_list_voters = 0;
  int64_t ballots_received = 0;
  int64_t ballots_issued = 0;
  int64_t ballots_cancelled = 0;
  int64_t ballots_in_box = 0;
  int64_t ballots_spoiled = 0;
  int64_t ballots_valid = 0;
  // Every option of the contest's ballot, zero when nobody voted for it.
  std::map<std::string, int64_t> option_votes;
  int64_t stations_reporting = 0;
  int64_t flagged_count = 0;

  // Adds one counted protocol; absent figures count as zero.
  void Add(const v1::Figures& figures, bool flagged);
  bool operator==(const Tally&) const = default;
};

// A station × contest's counted protocol.
struct StationTruth {
  std::string submission_id;
  v1::Figures figures;
  // The flags it must carry (empty for a clean protocol).
  std::vector<v1::ReasonCode> flags;
  // Observers backing the counted figures, and whether other figures stand too.
  int64_t confirmations = 0;
  bool disputed = false;
};

struct ExpectedCounts {
  int64_t accepted = 0;
  int64_t flagged = 0;
  int64_t duplicate = 0;
  int64_t rejected = 0;

  int64_t total() const { return accepted + flagged + duplicate + rejected; }
  // Counts one answer of `outcome` (OUTCOME_UNSPECIFIED: none).
  void Add(v1::Outcome outcome);
  bool operator==(const ExpectedCounts&) const = default;
};

struct Truth {
  // Key: AreaContestKey. Every area (nation, region, district) × contest with at least one
  // station registered for the contest, including those no protocol has reached yet.
  std::map<std::string, Tally> areas;
  // Key: AreaContestKey(station_id, contest_id); only station × contests with a counted protocol.
  std::map<std::string, StationTruth> stations;
  // The same for the official results (source OFFICIAL), never mixed with the observers'. Areas
  // appear here only once an official result of one of their stations was sent.
  std::map<std::string, Tally> official_areas;
  std::map<std::string, StationTruth> official_stations;
  // Station × contests whose observers disagree (the published disputed_count), per area.
  std::map<std::string, int64_t> disputed;

  const Tally* FindArea(std::string_view area_id, std::string_view contest_id) const;
  const StationTruth* FindStation(std::string_view station_id, std::string_view contest_id) const;
};

std::string AreaContestKey(std::string_view area_id, std::string_view contest_id);

// The truth after `sent` has been streamed (a resend counts once; a malformed submission never;
// of several versions of a station × contest, the one common/domain/dispute.h chooses).
// Works for any prefix of a plan, e.g. the first half of it.
Truth ComputeTruth(const domain::Registry& registry, std::span<const PlannedSubmission> sent);

// The answers `sent` must get, assuming every original is sent before its resends.
ExpectedCounts CountExpected(std::span<const PlannedSubmission> sent);

// Writes the truth as indented JSON, one area or station a line: for people and for diffing.
Status WriteTruthJson(const domain::Registry& registry, const Truth& truth,
                      const ExpectedCounts& expected, const std::string& path);

}  // namespace hattama::hub
