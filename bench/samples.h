// Sample submissions of the real size and shape for the raw benchmarks: a small synthetic night,
// and the SubmissionRecord bytes ingestion writes to Kafka for each.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hattama/v1/ingestion.pb.h"

namespace hattama::bench {

// The submissions of a synthetic night of `stations` stations (seeded, so every run draws the
// same), without resends or malformed ones; empty when the registry cannot be drawn.
std::vector<v1::Submission> SampleSubmissions(int64_t stations);

// A SubmissionRecord as ingestion writes it: the bytes aggregation reads and stores.
std::string RecordBytes(const v1::Submission& submission);

}  // namespace hattama::bench
