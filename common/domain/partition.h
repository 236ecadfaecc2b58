// Where a station's submissions go: the Kafka key and partition, shared by ingestion (which
// produces) and publication (which reads the per-partition Redis keys aggregation wrote).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hattama::domain {

// Kafka record key of a submission: "<station_id>|<contest_id>".
std::string SubmissionKey(std::string_view station_id, std::string_view contest_id);

// The partition of every submission of a station: FNV-1a of the station id. All contests of one
// station land in one partition, so one consumer applies them in order.
int32_t PartitionOf(std::string_view station_id, int32_t partition_count);

}  // namespace hattama::domain
