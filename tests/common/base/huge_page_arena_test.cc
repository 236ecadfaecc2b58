// The jemalloc arena on transparent huge pages (common/base/huge_page_arena.h), checked in what the
// kernel reports for this process's own memory. This executable allocates with jemalloc, as the
// services do.
#include "common/base/huge_page_arena.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "tests/common/base/smaps.h"

extern "C" int mallctl(const char* name, void* old_value, size_t* old_size, void* new_value,
                       size_t new_size) __attribute__((weak));

namespace hattama {
namespace {

constexpr size_t kBytes = size_t{32} << 20;

// KiB of huge pages under a block of kBytes written by a new thread, which first moves to `arena`
// when given one; the thread's arena as it reported it after the move.
struct Written {
  int64_t huge_kib = -1;
  std::optional<unsigned> arena;
};
Written WriteOnAThread(std::optional<unsigned> arena) {
  Written written;
  std::thread([&] {
    if (arena) {
      EXPECT_TRUE(AllocateFrom(*arena));
    }
    written.arena = ThreadArena();
    auto block = std::make_unique<char[]>(kBytes);
    for (size_t at = 0; at < kBytes; at += 4096) block[at] = 1;
    written.huge_kib = smaps::AnonHugePagesKiBUnder(block.get(), kBytes);
  }).join();
  return written;
}

// jemalloc's count of its arenas.
unsigned ArenaCount() {
  unsigned count = 0;
  size_t size = sizeof count;
  EXPECT_EQ(mallctl("arenas.narenas", &count, &size, nullptr, 0), 0);
  return count;
}

TEST(HugePageArena, AThreadMovedToItWritesItsHeapOnHugePages) {
  if (!ThreadArena()) GTEST_SKIP() << "this build allocates without jemalloc (a sanitizer build)";
  const std::string setting = smaps::ThpSetting();
  if (setting != "madvise" && setting != "always") {
    GTEST_SKIP() << "transparent huge pages are \"" << setting << "\" on this kernel";
  }
  const std::optional<unsigned> arena = HugePageArena();
  ASSERT_TRUE(arena.has_value()) << "jemalloc made no arena";
  EXPECT_EQ(HugePageArena(), arena) << "a second call makes no second arena";

  const Written moved = WriteOnAThread(arena);
  EXPECT_EQ(moved.arena, arena);
  // Most of the 32 MiB; a huge page may be refused when memory is fragmented, not all of them.
  EXPECT_GE(moved.huge_kib, 16 * 1024) << "KiB of huge pages under 32 MiB allocated on the arena";

  // A thread not moved stays on jemalloc's own arenas. (Whether its pages are huge depends on
  // what this process advised before: jemalloc reuses freed address ranges, and the kernel's
  // advice stays with them. The arena's memory is its own, from its hooks alone.)
  EXPECT_NE(WriteOnAThread(std::nullopt).arena, arena);
}

// Asking whether a thread is on the arena makes no arena: a regular aggregation member's step
// writer asks, and only a rebuild's lanes use it. (Each ctest test runs in a process of its own,
// so the arena is not made yet here.)
TEST(HugePageArena, AskingWhetherAThreadIsOnItMakesNoArena) {
  if (!ThreadArena()) GTEST_SKIP() << "this build allocates without jemalloc (a sanitizer build)";
  EXPECT_FALSE(OnHugePageArena());
  const unsigned before = ArenaCount();
  EXPECT_FALSE(OnHugePageArena());
  EXPECT_EQ(ArenaCount(), before) << "asking made an arena";

  const std::optional<unsigned> arena = HugePageArena();
  ASSERT_TRUE(arena.has_value());
  EXPECT_EQ(ArenaCount(), before + 1);
  EXPECT_FALSE(OnHugePageArena()) << "this thread was not moved";
  std::thread([&] {
    ASSERT_TRUE(AllocateFrom(*arena));
    EXPECT_TRUE(OnHugePageArena());
  }).join();
}

TEST(HugePageArena, AnUnknownArenaIsRefused) {
  if (!ThreadArena()) GTEST_SKIP() << "this build allocates without jemalloc (a sanitizer build)";
  std::thread([] { EXPECT_FALSE(AllocateFrom(1u << 20)); }).join();
}

}  // namespace
}  // namespace hattama
