// One submission of the log as aggregation applies it, and what applying it did. The input and the
// output of the fold (station_state.h), built by Applier::Prepare from a SubmissionRecord.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/domain/dispute.h"
#include "common/redis/layout.h"

namespace hattama::aggregation {

// What applying one submission did.
enum class Outcome {
  kCounted,    // Backs the counted figures of its station x contest (observer or official).
  kRetracted,  // Withdrew a version that counted or confirmed; totals may have moved.
  kStored,     // Kept as a version only (outvoted figures, or a retraction of nothing standing).
  kStale,      // Kept as a version only: its observer's standing version outranks it.
  kDuplicate,  // Applied before (resend or redelivery); nothing changed.
  kIdReused,   // The id was applied before with another digest; nothing changed.
};

std::string_view OutcomeName(Outcome outcome);

// A SubmissionRecord read from partition `partition` at `offset`, with everything the fold and the
// writes need spelled out once.
struct PreparedRecord {
  int32_t partition = 0;
  int64_t offset = 0;
  std::string digest;  // Of the whole submission: tells a resend from a reused id.
  std::string bytes;   // SubmissionRecord bytes, kept as a version.
  std::string contest_id;
  std::string station_id;
  redis::layout::Scope scope = redis::layout::Scope::kObserver;
  // As the dispute rule sees it: submission and observer ids, revision, retraction, figures
  // digest ('' for a retraction), flag.
  domain::DisputeVersion version;
  // The figures as stored in the figures hash, "f:x=1\nv:y=2" ('' for a retraction).
  std::string figures_text;
  // The district, region and nation of the station: the totals it moves.
  std::vector<std::string> areas;
};

}  // namespace hattama::aggregation
