// A jemalloc arena whose memory asks for transparent huge pages, for the threads of a process that
// write most of their heap for the first time, as a rebuild does: each 2 MiB huge page is one page
// fault where 512 small pages are 512, and under this machine's hypervisor a page fault costs
// several µs (README, "What limits it"). Only the threads moved to it use it; the rest of the
// process keeps jemalloc's usual arenas, so a service's resident memory stays as it is (huge pages
// for the whole heap cost every service 25-30 MiB).
//
// Without jemalloc (a sanitizer build keeps the sanitizer's malloc) there is no such arena, and
// memory works as it always does.
#pragma once

#include <optional>

namespace hattama {

// The arena, made on first call (every caller shares it); nullopt without jemalloc, or when
// jemalloc refused to make it.
std::optional<unsigned> HugePageArena();

// Whether the calling thread allocates from the arena; false while it has not been made (asking
// does not make it).
bool OnHugePageArena();

// The arena the calling thread allocates from; nullopt without jemalloc.
std::optional<unsigned> ThreadArena();

// Makes the calling thread allocate from `arena` (what it allocated before stays where it is, and
// is freed from any thread as usual). False when jemalloc refused.
bool AllocateFrom(unsigned arena);

}  // namespace hattama
