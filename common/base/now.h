// The current time as a protobuf Timestamp, to the nanosecond the system clock gives.
//
// Not protobuf's TimeUtil::GetCurrentTime(): Debian's protobuf 3.21 fills only its seconds, so
// every acceptance time ingestion wrote was a whole second, and aggregation's apply latency
// (now − accepted) came out as 0 or 1,000 ms whatever it really was.
#pragma once

#include <google/protobuf/timestamp.pb.h>

#include <chrono>
#include <cstdint>

namespace hattama {

inline google::protobuf::Timestamp NowTimestamp() {
  const int64_t nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  google::protobuf::Timestamp now;
  now.set_seconds(nanos / 1'000'000'000);
  now.set_nanos(static_cast<int32_t>(nanos % 1'000'000'000));
  return now;
}

}  // namespace hattama
