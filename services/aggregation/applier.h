// Applies SubmissionRecords to Redis: the arithmetic of aggregation, without Kafka. Prepare turns a
// record into what the fold needs; Apply applies a batch through a BatchApplier (batch_applier.h)
// that remembers nothing between calls. The aggregation loop keeps its own BatchApplier, whose
// cache spares it the reads. An Applier is shared read-only; the Redis client passed in is the
// caller's.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "common/base/result.h"
#include "common/domain/registry.h"
#include "common/redis/redis.h"
#include "hattama/v1/records.pb.h"
#include "services/aggregation/prepared_record.h"

namespace hattama::aggregation {

class Applier {
 public:
  explicit Applier(std::shared_ptr<const domain::Registry> registry);

  // `record` as read from Kafka partition `partition` (the hash tag of every key it touches) at
  // `offset`; `log_bytes`, the bytes it was parsed from, are kept as its version (unset: the record
  // serialized). An error when the record cannot be applied at all: no submission id, or a station
  // the registry does not know.
  Result<PreparedRecord> Prepare(int32_t partition, int64_t offset,
                                 const v1::SubmissionRecord& record,
                                 const std::string* log_bytes = nullptr) const;

  // Applies `records` (each partition's in offset order) in two round trips, and moves each
  // partition's position (layout.h) past its last record. A record below its partition's position
  // is a duplicate and changes nothing. Either every record was applied (one outcome each) or the
  // result is an error and the caller must assume any part was applied: applying the same records
  // again is safe. `changes`, when given, receives every area total the batch moved, as it stands
  // after the batch (for the change feed, hattama.totals.v1).
  Result<std::vector<Outcome>> Apply(redis::Client& redis,
                                     const std::vector<PreparedRecord>& records,
                                     std::vector<v1::TotalsChange>* changes = nullptr) const;

  const domain::Registry& registry() const { return *registry_; }

 private:
  std::shared_ptr<const domain::Registry> registry_;
};

}  // namespace hattama::aggregation
