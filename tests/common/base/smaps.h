// What the kernel reports of this process's memory, for the tests of huge pages
// (huge_pages_test.cc, huge_page_arena_test.cc).
#pragma once

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

namespace hattama::smaps {

// The kernel's transparent huge page setting, the bracketed word of
// /sys/kernel/mm/transparent_hugepage/enabled ("always", "madvise" or "never"); empty without one.
inline std::string ThpSetting() {
  std::ifstream in("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t open = text.find('[');
  const size_t close = text.find(']', open);
  if (open == std::string::npos || close == std::string::npos) return "";
  return text.substr(open + 1, close - open - 1);
}

// AnonHugePages, in KiB, summed over the mappings of /proc/self/smaps that overlap
// [data, data + bytes) (advice splits a mapping in three: the huge pages are in the middle one);
// -1 if none does.
inline int64_t AnonHugePagesKiBUnder(const void* data, size_t bytes) {
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

}  // namespace hattama::smaps
