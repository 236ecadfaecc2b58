// Transparent huge pages for the registries' large arrays (common/base/huge_pages.h), checked in
// what the kernel reports for this process's own memory.
#include "common/base/huge_pages.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "tests/common/base/smaps.h"

namespace hattama {
namespace {

TEST(HugePages, AReservedArrayIsBackedByHugePagesOnceWritten) {
  const std::string setting = smaps::ThpSetting();
  if (setting != "madvise" && setting != "always") {
    GTEST_SKIP() << "transparent huge pages are \"" << setting << "\" on this kernel";
  }
  std::vector<uint32_t> slots;
  ReserveHugePages(slots, 16u << 20);  // 64 MiB: whole 2 MiB pages whatever the alignment.
  slots.resize(16u << 20, 7);
  const int64_t huge = smaps::AnonHugePagesKiBUnder(slots.data(), slots.size() * sizeof(uint32_t));
  ASSERT_GE(huge, 0) << "no mapping holds the array";
  // Most of the 64 MiB; a huge page may be refused when memory is fragmented, not all of them.
  EXPECT_GE(huge, 32 * 1024) << "KiB of huge pages under a 64 MiB array";
  EXPECT_EQ(slots[12345], 7u);
}

TEST(HugePages, AdviceOnNothingOrLessThanAHugePageIsHarmless) {
  AdviseHugePages(nullptr, 1 << 30);
  std::vector<char> small(4096, 'x');
  AdviseHugePages(small.data(), small.size());
  std::vector<int> none;
  ReserveHugePages(none, 0);
  EXPECT_EQ(small[4095], 'x');
  EXPECT_TRUE(none.empty());
}

}  // namespace
}  // namespace hattama
