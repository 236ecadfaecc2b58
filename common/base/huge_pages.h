// Transparent huge pages for the few large arrays a service builds at start (the registries'
// stations and observers and their id indexes, tens of MiB at a million stations), and for
// nothing else. Each 2 MiB huge page replaces 512 pages of 4 KiB: one page fault instead of 512
// as the array is first written, and one TLB entry instead of 512 for the random reads of an id
// lookup. Debian's default (transparent_hugepage "madvise") gives them only to memory that asks,
// as here; asking for the whole heap instead (jemalloc's thp:always) cost every service 25-30 MiB
// (README, "What limits it").
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace hattama {

// Advises the kernel to back the whole 2 MiB pages inside [data, data + bytes) with huge pages.
// Only advice: a kernel without transparent huge pages, or one set to "never", ignores it, and
// the memory works the same. Call it before the memory is first written: pages written before
// stay small until the kernel's background collapse.
inline void AdviseHugePages(const void* data, size_t bytes) {
  constexpr uintptr_t kHugePage = uintptr_t{2} << 20;
  const uintptr_t begin = reinterpret_cast<uintptr_t>(data);
  const uintptr_t first = (begin + kHugePage - 1) & ~(kHugePage - 1);
  const uintptr_t last = (begin + bytes) & ~(kHugePage - 1);
  if (data == nullptr || last <= first) return;
  madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
}

// vector.reserve(count), its storage advised before anything is written to it.
template <typename T>
void ReserveHugePages(std::vector<T>& vector, size_t count) {
  vector.reserve(count);
  AdviseHugePages(vector.data(), vector.capacity() * sizeof(T));
}

}  // namespace hattama
