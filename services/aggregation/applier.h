// Applies SubmissionRecords to Redis through the apply.lua script: the arithmetic of aggregation,
// without Kafka. One Applier is shared read-only; the Connection passed in is the caller's.
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
  kCounted,    // Now the counted version of its station x contest; totals moved.
  kRetracted,  // Withdrew the counted version of its observer; totals moved back.
  kStored,     // Kept as a version only (official result, or a retraction of nothing counted).
  kStale,      // Kept as a version only: a lower revision than the one counted.
  kDuplicate,  // Applied before (resend or redelivery); nothing changed.
  kIdReused,   // The id was applied before with another digest; nothing changed.
};

std::string_view OutcomeName(Outcome outcome);

class Applier {
 public:
  explicit Applier(std::shared_ptr<const domain::Registry> registry);

  // The EVALSHA call that applies `record`, which came from Kafka partition `partition` (the hash
  // tag of every key it touches). An error when the record cannot be applied at all: no
  // submission id, or a station the registry does not know.
  Result<redis::Command> Call(int32_t partition, const v1::SubmissionRecord& record) const;

  // Runs `calls` in one round trip, in order. Either every call was applied (one outcome each)
  // or the result is an error and the caller must assume any prefix was applied: running the
  // same calls again is safe, since an applied submission is a duplicate the second time.
  Result<std::vector<Outcome>> Apply(redis::Connection& connection,
                                     const std::vector<redis::Command>& calls) const;

  const redis::Script& script() const { return script_; }

 private:
  std::shared_ptr<const domain::Registry> registry_;
  redis::Script script_;
};

}  // namespace hattama::aggregation
