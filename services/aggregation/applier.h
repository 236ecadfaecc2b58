// Applies SubmissionRecords to Redis through the apply.lua script: the arithmetic of aggregation,
// without Kafka. One Applier is shared read-only; the Redis client passed in is the caller's.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "common/base/result.h"
#include "common/domain/registry.h"
#include "common/redis/redis.h"
#include "hattama/v1/records.pb.h"

namespace hattama::aggregation {

// What applying one submission did (the script's answer).
enum class Outcome {
  kCounted,    // Backs the counted figures of its station x contest (observer or official).
  kRetracted,  // Withdrew a version that counted or confirmed; totals may have moved.
  kStored,     // Kept as a version only (outvoted figures, or a retraction of nothing standing).
  kStale,      // Kept as a version only: its observer's standing version outranks it.
  kDuplicate,  // Applied before (resend or redelivery); nothing changed.
  kIdReused,   // The id was applied before with another digest; nothing changed.
};

std::string_view OutcomeName(Outcome outcome);

class Applier {
 public:
  explicit Applier(std::shared_ptr<const domain::Registry> registry);

  // The EVALSHA call that applies `record`, which came from Kafka partition `partition` (the hash
  // tag of every key it touches) at `offset`; the call also moves the partition's position
  // (layout.h) past `offset`. An error when the record cannot be applied at all: no submission
  // id, or a station the registry does not know.
  Result<redis::Command> Call(int32_t partition, int64_t offset,
                              const v1::SubmissionRecord& record) const;

  // Runs `calls` in one round trip, in order. Either every call was applied (one outcome each)
  // or the result is an error and the caller must assume any prefix was applied: running the
  // same calls again is safe, since an applied submission is a duplicate the second time.
  // `changes`, when given, receives every area total the calls moved, as it stands after the
  // change (for the change feed, hattama.totals.v1).
  Result<std::vector<Outcome>> Apply(redis::Client& redis, const std::vector<redis::Command>& calls,
                                     std::vector<v1::TotalsChange>* changes = nullptr) const;

  const redis::Script& script() const { return script_; }

 private:
  // The totals a script reply reports as moved, as TotalsChange records.
  void AddChanges(const redis::Reply& reply, std::vector<v1::TotalsChange>& changes) const;

  std::shared_ptr<const domain::Registry> registry_;
  redis::Script script_;
};

}  // namespace hattama::aggregation
