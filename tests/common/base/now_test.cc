// NowTimestamp keeps the clock's fraction of a second: Debian's protobuf GetCurrentTime drops it.
#include "common/base/now.h"

#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace hattama {
namespace {

using google::protobuf::util::TimeUtil;

TEST(NowTimestamp, KeepsTheFractionOfASecondAndFollowsTheSystemClock) {
  // Five readings 3 ms apart: with whole seconds only, every one would have 0 nanoseconds and
  // two readings 3 ms apart would differ by 0 or 1,000 ms.
  int with_fraction = 0;
  for (int i = 0; i < 5; ++i) {
    const auto before = std::chrono::system_clock::now();
    const google::protobuf::Timestamp first = NowTimestamp();
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
    const google::protobuf::Timestamp second = NowTimestamp();
    const auto after = std::chrono::system_clock::now();
    with_fraction += first.nanos() != 0;
    EXPECT_GE(first.nanos(), 0);
    EXPECT_LT(first.nanos(), 1'000'000'000);
    const int64_t apart_ms = TimeUtil::DurationToMilliseconds(second - first);
    EXPECT_GE(apart_ms, 3);
    EXPECT_LT(apart_ms, 500);
    const int64_t first_ms = TimeUtil::TimestampToMilliseconds(first);
    EXPECT_GE(
        first_ms,
        std::chrono::duration_cast<std::chrono::milliseconds>(before.time_since_epoch()).count());
    EXPECT_LE(
        first_ms,
        std::chrono::duration_cast<std::chrono::milliseconds>(after.time_since_epoch()).count());
  }
  EXPECT_GT(with_fraction, 0);
}

}  // namespace
}  // namespace hattama
