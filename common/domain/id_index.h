// Ids to positions in a vector the caller owns (stations, observers), for registries of millions:
// an open-addressing hash table (linear probing) of 4-byte slots kept at most three quarters full,
// so a million ids take 8 MiB, against about 64 bytes an id for std::unordered_map's nodes. The
// ids themselves stay in the caller's vector; `id_of(position)` reads them back. A slot holds the
// position and 8 bits of the id's hash, so that a probe reads another id (a cache miss) only once
// in 256 times: loading a million stations inserts in about 0.1 s instead of 0.5 s.
// Not thread-safe to modify; Find may be called from any number of threads once Inserts are done.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "common/base/huge_pages.h"

namespace hattama::domain {

class IdIndex {
 public:
  // Positions go up to kMaxIds - 1.
  static constexpr uint32_t kMaxIds = (1u << 24) - 1;

  // Room for `count` ids without growing.
  void Reserve(size_t count) {
    size_t wanted = 16;
    while (!Fits(count, wanted)) wanted *= 2;
    if (wanted > slots_.size()) Rehash(wanted, [](uint32_t) { return std::string_view(); });
  }

  // Adds `position` (below kMaxIds) under `id`; false (and nothing added) when the id is there
  // already. IdOf: std::string_view(uint32_t position), for the positions added before.
  template <typename IdOf>
  bool Insert(std::string_view id, uint32_t position, const IdOf& id_of) {
    if (!Fits(size_ + 1, slots_.size())) {
      Rehash(std::max<size_t>(16, 2 * slots_.size()), [&](uint32_t p) { return id_of(p); });
    }
    const size_t hash = Hash(id);
    size_t slot = hash & Mask();
    for (; slots_[slot] != kEmpty; slot = (slot + 1) & Mask()) {
      if (SlotTag(slots_[slot]) == HashTag(hash) && id_of(Position(slots_[slot])) == id) {
        return false;
      }
    }
    slots_[slot] = (HashTag(hash) << 24) | (position + 1);
    ++size_;
    return true;
  }

  template <typename IdOf>
  std::optional<uint32_t> Find(std::string_view id, const IdOf& id_of) const {
    if (slots_.empty()) return std::nullopt;
    const size_t hash = Hash(id);
    for (size_t slot = hash & Mask(); slots_[slot] != kEmpty; slot = (slot + 1) & Mask()) {
      if (SlotTag(slots_[slot]) == HashTag(hash) && id_of(Position(slots_[slot])) == id) {
        return Position(slots_[slot]);
      }
    }
    return std::nullopt;
  }

  size_t size() const { return size_; }

 private:
  static constexpr uint32_t kEmpty = 0;
  static size_t Hash(std::string_view id) { return std::hash<std::string_view>()(id); }
  static bool Fits(size_t ids, size_t slots) { return 4 * ids <= 3 * slots; }
  // The hash's top 8 bits (its low bits pick the slot), kept in a slot's top 8 bits.
  static uint32_t HashTag(size_t hash) { return static_cast<uint32_t>(hash >> 56); }
  static uint32_t SlotTag(uint32_t slot) { return slot >> 24; }
  static uint32_t Position(uint32_t slot) { return (slot & kMaxIds) - 1; }
  size_t Mask() const { return slots_.size() - 1; }

  // `id_of` is only called when there are ids to move.
  void Rehash(size_t slots, const std::function<std::string_view(uint32_t)>& id_of) {
    std::vector<uint32_t> old;
    ReserveHugePages(old, slots);
    old.resize(slots, kEmpty);
    old.swap(slots_);
    for (uint32_t held : old) {
      if (held == kEmpty) continue;
      size_t slot = Hash(id_of(Position(held))) & Mask();
      while (slots_[slot] != kEmpty) slot = (slot + 1) & Mask();
      slots_[slot] = held;
    }
  }

  std::vector<uint32_t> slots_;
  size_t size_ = 0;
};

}  // namespace hattama::domain
