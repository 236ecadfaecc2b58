// Transparent huge pages for the registries' large arrays (common/base/huge_pages.h), checked in
// what the kernel reports for this process's own memory.
#include "common/base/huge_pages.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace hattama {
namespace {

// The kernel's transparent huge page setting, the bracketed word of
// /sys/kernel/mm/transparent_hugepage/enabled ("always", "madvise" or "never"); empty without one.
std::string ThpSetting() {
  std::ifstream in("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t open = text.find('[');
  const size_t close = text.find(']', open);
  if (open == std::string::npos || close == std::string::npos) return "";
  return text.substr(open + 1, close - open - 1);
}

// AnonHugePages, in KiB, summed over the mappings of /proc/self/smaps that overlap
// [data, data + bytes) (the advice splits an array's mapping in three: the huge pages are in the
// middle one); -1 if none does.
int64_t AnonHugePagesKiBUnder(const void* data, size_t bytes) {
  const auto first = reinterpret_cast<uintptr_t>(data);
  const uintptr_t last = first + bytes;
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;
  int64_t sum = -1;
  while (std::getline(smaps, line)) {
    uintptr_t begin = 0, end = 0;
    char dash = 0;
    std::istringstream range(line);
    if (range >> std::hex >> begin >> dash >> end && dash == '-') {  // "<begin>-<end> rw-p ..."
      inside = begin < last && first < end;
      continue;
    }
    if (inside && line.rfind("AnonHugePages:", 0) == 0) {
      sum = std::max<int64_t>(sum, 0) + std::stoll(line.substr(line.find_first_of("0123456789")));
    }
  }
  return sum;
}

TEST(HugePages, AReservedArrayIsBackedByHugePagesOnceWritten) {
  const std::string setting = ThpSetting();
  if (setting != "madvise" && setting != "always") {
    GTEST_SKIP() << "transparent huge pages are \"" << setting << "\" on this kernel";
  }
  std::vector<uint32_t> slots;
  ReserveHugePages(slots, 16u << 20);  // 64 MiB: whole 2 MiB pages whatever the alignment.
  slots.resize(16u << 20, 7);
  const int64_t huge = AnonHugePagesKiBUnder(slots.data(), slots.size() * sizeof(uint32_t));
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
