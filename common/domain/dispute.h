// The dispute rule: which of several versions of one station × contest counts in the totals.
//
// Pure, no I/O. Aggregation applies this rule itself, one submission at a time, to the state it
// folds in memory (services/aggregation/station_state.h); the simulator's ground truth
// (tools/hub/simulator/truth.cc) and the property tests use it too, so what aggregation leaves in
// Redis is held against the model on every test run.
//
// The rule, applied separately to observer versions and to official versions (never mixed):
//  1. Each observer has at most one standing entry: among that observer's versions, the one
//     with the highest (revision, retraction, submission id) — a higher revision replaces a lower
//     one whatever the order they arrive in, and a retraction withdraws the versions of its
//     revision and below. When the standing entry is a retraction, the observer backs nothing.
//  2. Standing entries with identical figures (same FiguresDigest) confirm each other: their
//     number is the confirmation count of those figures.
//  3. The figures with the most confirmations count; a tie goes to the smallest figures digest.
//     Their representative is the smallest submission id among the entries backing them (its
//     flags are published with the counted protocol).
//  4. The station × contest is disputed when the standing entries hold more than one set of
//     figures; nothing counts when no entry stands.
// Ids and digests are compared byte by byte (unsigned, a shorter prefix first), as std::string
// does; never by locale, which is what Lua's own < on strings would do.
// Every step depends only on the set of versions, never on arrival order or on how the log is
// partitioned, so a replay, a resend or a rebalance cannot change what counts.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "hattama/v1/protocol.pb.h"

namespace hattama::domain {

// The canonical figures: a text that two protocols share exactly when their figures are identical.
//  - First every scalar figure of hattama.v1.Figures in proto field-number order
//    (registered_voters, additional_list_voters, ballots_received, ballots_issued,
//    ballots_cancelled, ballots_in_box, ballots_spoiled, ballots_valid), each written as
//    "f:<field name>=<value>;" with the value in decimal ASCII (a '-' only for a negative value, no
//    leading zeros). An absent figure is written as 0: the proto says an absent
//    additional_list_voters means zero, and every other figure is required on a counted protocol.
//  - Then one "v:<option_id>=<votes>;" per option line, sorted by option id in byte order
//    (unsigned bytes, shorter prefix first); absent votes are written as 0 (such a protocol is
//    rejected before it gets here).
//  - No separators beyond the ';' after each item, no trailing newline; ids are their UTF-8 bytes.
// Example: "f:registered_voters=1000;f:additional_list_voters=0;f:ballots_received=1000;
// f:ballots_issued=400;f:ballots_cancelled=600;f:ballots_in_box=390;f:ballots_spoiled=10;
// f:ballots_valid=380;v:adal=80;v:ak-zhol=100;v:nur-otan=200;" (one line).
std::string CanonicalFigures(const v1::Figures& figures);

// Lower-case hex SHA-256 of CanonicalFigures' bytes: the identity of a set of figures, and what a
// tie between equally confirmed figures is broken by (the smallest digest, compared as text).
std::string FiguresDigest(const v1::Figures& figures);

// One version as the rule sees it.
struct DisputeVersion {
  std::string submission_id;
  std::string observer_id;
  int32_t revision = 0;
  bool retraction = false;
  // FiguresDigest of the protocol; ignored for a retraction.
  std::string figures_digest;
  // The protocol breaks a control relation (from ingestion's flags).
  bool flagged = false;
};

// Which version wins between two of the same observer: true when `a` outranks `b`.
bool Outranks(const DisputeVersion& a, const DisputeVersion& b);

struct DisputeDecision {
  bool counted = false;        // Some figures count.
  std::string figures_digest;  // The counted figures.
  std::string submission_id;   // Their representative.
  bool flagged = false;        // The representative's flag.
  int64_t confirmations = 0;   // Observers backing the counted figures.
  int64_t variants = 0;        // Distinct figures among standing entries.
  bool disputed() const { return variants > 1; }
  bool operator==(const DisputeDecision&) const = default;
};

// The rule over every version received (duplicates by submission id are harmless).
DisputeDecision Decide(std::span<const DisputeVersion> versions);

// A DisputeVersion from a submission (digest computed from its figures).
DisputeVersion VersionOf(const v1::Submission& submission, bool flagged);

}  // namespace hattama::domain
