// The dispute rule: which of several versions of one station × contest counts in the totals.
//
// Pure, no I/O. services/aggregation/apply.lua implements the same rule inside Redis; the
// simulator's ground truth (tools/hub/truth.cc) and the property tests use this model, so the
// two are held against each other on every test run.
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
// Every step depends only on the set of versions, never on arrival order or on how the log is
// partitioned, so a replay, a resend or a rebalance cannot change what counts.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "hattama/v1/protocol.pb.h"

namespace hattama::domain {

// A canonical text of the figures: present scalar figures in proto field order, then options
// sorted by id ("f:ballots_valid=515;…;v:nur=300;"). Identical protocols give identical text
// whatever order the observer listed the options in.
std::string CanonicalFigures(const v1::Figures& figures);

// Lower-case hex SHA-256 of CanonicalFigures: the identity of a set of figures.
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
  bool counted = false;               // Some figures count.
  std::string figures_digest;         // The counted figures.
  std::string submission_id;          // Their representative.
  bool flagged = false;               // The representative's flag.
  int64_t confirmations = 0;          // Observers backing the counted figures.
  int64_t variants = 0;               // Distinct figures among standing entries.
  bool disputed() const { return variants > 1; }
  bool operator==(const DisputeDecision&) const = default;
};

// The rule over every version received (duplicates by submission id are harmless).
DisputeDecision Decide(std::span<const DisputeVersion> versions);

// A DisputeVersion from a submission (digest computed from its figures).
DisputeVersion VersionOf(const v1::Submission& submission, bool flagged);

}  // namespace hattama::domain
