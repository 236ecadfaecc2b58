// Protocol checks: what makes a submission or a deployment event malformed (rejected) and which
// control relations a well-formed protocol breaks (flagged but counted). Pure code, no I/O: the
// clock is an argument, so the same input always gets the same answer.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/domain/registry.h"
#include "hattama/v1/protocol.pb.h"
#include "hattama/v1/records.pb.h"

namespace hattama::domain {

// Largest figure accepted on a protocol. Totals are summed in Redis Lua numbers (doubles), which
// stay exact below 2^53; a billion per figure keeps any national sum far below that.
inline constexpr int64_t kMaxFigure = 1'000'000'000;

// Length limits, in bytes as sent (UTF-8), of every string and bytes field a hub sends. Longer is
// rejected with REASON_CODE_TOO_LONG before anything else looks at the value, so no reason ever
// echoes more than this many bytes of it.
//   Submission: submission_id, observer_id, organisation_id, hub_id, protocol.station_id,
//               protocol.contest_id, protocol.figures.option_votes[i].option_id.
//   DeploymentEvent: event_id, station_id, organisation_id, observer_id, hub_id, contest_id.
// Registry ids are far shorter (stations "UIK-…", contests "mazhilis"), hubs and organisations
// choose their own ids; 128 bytes leave room for a UUID with a prefix.
inline constexpr size_t kMaxIdBytes = 128;
// Submission.photo_sha256 is a SHA-256: exactly this many bytes when present.
inline constexpr size_t kPhotoSha256Bytes = 32;

// A rejection lists at most this many reasons of each code; the rest of that code (even one) are
// summed up in one more reason of that code, with the field of the first it stands for ("and 19990
// more reasons of this kind, …"), after every listed reason: a hostile protocol gets a small
// answer.
inline constexpr size_t kMaxReasonsPerCode = 10;

// Figures impossible for a station. The registry's registered voters R of the station plus an
// allowance for voters added to the list on election day (the additional list):
//     limit = R + max(kAllowanceMinimum, ceil(R × kAllowancePercent / 100)).
// registered_voters, additional_list_voters, ballots_issued, ballots_in_box, ballots_spoiled,
// ballots_valid and each option's votes above the limit, or ballots_received and
// ballots_cancelled above kReserveFactor × limit (a commission receives a reserve of ballots and
// cancels what it did not use), reject the protocol with REASON_CODE_IMPLAUSIBLE: such figures
// are never counted into any total.
inline constexpr int64_t kAllowanceMinimum = 50;
inline constexpr int64_t kAllowancePercent = 10;
inline constexpr int64_t kReserveFactor = 2;

// The limit above for a station with `registry_registered` voters.
int64_t PlausibleVoterLimit(int64_t registry_registered);

// Accepted timestamps (Submission.captured_time, DeploymentEvent.time), when present: a valid
// google.protobuf.Timestamp (seconds within 0001-01-01T00:00:00Z..9999-12-31T23:59:59Z, nanos in
// [0, 1e9)), not before kEarliestTimeUnix (2000-01-01T00:00:00Z) and at most kClockSkewAllowance
// after ingestion's clock. Otherwise REASON_CODE_INVALID_TIME.
inline constexpr int64_t kEarliestTimeUnix = 946'684'800;
inline constexpr std::chrono::seconds kClockSkewAllowance = std::chrono::hours(24);

using Clock = std::chrono::system_clock;

struct Validation {
  // Non-empty: the submission is malformed and must not be counted.
  std::vector<v1::Reason> rejections;
  // Broken control relations; only computed for a well-formed protocol.
  std::vector<v1::Reason> flags;

  bool rejected() const { return !rejections.empty(); }
};

// A reason naming the field (as a path into the submission, e.g. "protocol.station_id"), its code
// and a message for a person.
v1::Reason MakeReason(std::string field, v1::ReasonCode code, std::string message);

// Checks `submission` against the registry and the contest's ballot; `now` is ingestion's clock
// (for captured_time). A retraction carries no figures and is only checked for who, where and
// which contest. Who: the observer registry's rules and the signature (attribution.h), with
// hub_id taken as the relaying hub (ingestion rejects a hub_id other than the authenticated
// hub's).
Validation Validate(const v1::Submission& submission, const Registry& registry,
                    Clock::time_point now);

// Checks a deployment event: event id present, lengths, a known kind, a known station, for
// PROTOCOL_* events a contest held at the station, its time, and (with an observer registry) a
// listed organisation. Empty: well formed. Whether the
// authenticated hub may send it is ingestion's check, not this one.
std::vector<v1::Reason> ValidateDeploymentEvent(const v1::DeploymentEvent& event,
                                                const Registry& registry, Clock::time_point now);

}  // namespace hattama::domain
