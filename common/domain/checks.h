// Protocol checks: what makes a submission malformed (rejected) and which control relations a
// well-formed protocol breaks (flagged but counted). Pure code, no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/domain/registry.h"
#include "hattama/v1/protocol.pb.h"

namespace hattama::domain {

// Largest figure accepted on a protocol. Totals are summed in Redis Lua numbers (doubles), which
// stay exact below 2^53; a billion per figure keeps any national sum far below that.
inline constexpr int64_t kMaxFigure = 1'000'000'000;

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

// Checks `submission` against the registry and the contest's ballot. A retraction carries no
// figures and is only checked for who, where and which contest.
Validation Validate(const v1::Submission& submission, const Registry& registry);

}  // namespace hattama::domain
