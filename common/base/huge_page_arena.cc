#include "common/base/huge_page_arena.h"

#include <sys/mman.h>

#include <atomic>
#include <cstddef>

// jemalloc's control call, there when the process allocates with it (cmake/HattamaHelpers.cmake,
// hattama_service); weak, so that a process without jemalloc links and finds it null.
extern "C" int mallctl(const char* name, void* old_value, size_t* old_size, void* new_value,
                       size_t new_size) __attribute__((weak));

namespace hattama {
namespace {

// jemalloc 5's extent hooks (its jemalloc.h, struct extent_hooks_s), spelled here so that the
// build needs no jemalloc header: the calls that give an arena its memory and take it back.
struct ExtentHooks;
using ExtentAlloc = void*(ExtentHooks*, void* new_addr, size_t size, size_t alignment, bool* zero,
                          bool* commit, unsigned arena);
struct ExtentHooks {
  ExtentAlloc* alloc;
  void* dalloc;
  void* destroy;
  void* commit;
  void* decommit;
  void* purge_lazy;
  void* purge_forced;
  void* split;
  void* merge;
};

// The arena's index once made; -1 before.
std::atomic<long> made_arena{-1};

// jemalloc's own hooks, which the arena's hooks call.
ExtentHooks* default_hooks = nullptr;
// Those hooks, but each new extent is advised for huge pages before anything is written to it.
ExtentHooks huge_hooks;

void* AllocHuge(ExtentHooks*, void* new_addr, size_t size, size_t alignment, bool* zero,
                bool* commit, unsigned arena) {
  void* memory =
      default_hooks->alloc(default_hooks, new_addr, size, alignment, zero, commit, arena);
  // Only advice: a kernel with transparent huge pages "never" ignores it.
  if (memory != nullptr) madvise(memory, size, MADV_HUGEPAGE);
  return memory;
}

std::optional<unsigned> MakeArena() {
  if (mallctl == nullptr) return std::nullopt;
  size_t size = sizeof default_hooks;
  if (mallctl("arena.0.extent_hooks", &default_hooks, &size, nullptr, 0) != 0 ||
      default_hooks == nullptr) {
    return std::nullopt;
  }
  huge_hooks = *default_hooks;
  huge_hooks.alloc = AllocHuge;
  ExtentHooks* hooks = &huge_hooks;
  unsigned arena = 0;
  size = sizeof arena;
  if (mallctl("arenas.create", &arena, &size, &hooks, sizeof hooks) != 0) return std::nullopt;
  made_arena.store(arena);
  return arena;
}

}  // namespace

std::optional<unsigned> HugePageArena() {
  static const std::optional<unsigned> arena = MakeArena();
  return arena;
}

bool OnHugePageArena() {
  const long made = made_arena.load();
  if (made < 0) return false;
  const std::optional<unsigned> arena = ThreadArena();
  return arena.has_value() && *arena == static_cast<unsigned>(made);
}

std::optional<unsigned> ThreadArena() {
  if (mallctl == nullptr) return std::nullopt;
  unsigned arena = 0;
  size_t size = sizeof arena;
  if (mallctl("thread.arena", &arena, &size, nullptr, 0) != 0) return std::nullopt;
  return arena;
}

bool AllocateFrom(unsigned arena) {
  return mallctl != nullptr && mallctl("thread.arena", nullptr, nullptr, &arena, sizeof arena) == 0;
}

}  // namespace hattama
