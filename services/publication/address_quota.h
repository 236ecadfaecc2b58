// What clients may hold at once, in all and from one client address (ClientAddress): open Watch
// streams (watch.h), queued or running station reads (station_reads.h). One flood of a single
// address is refused before it takes what the others need.
//
// Thread-safety: none; its owner's mutex guards it.
#pragma once

#include <cstddef>
#include <map>
#include <string>

namespace hattama::publication {

class AddressQuota {
 public:
  // A bound of 0 is no bound.
  AddressQuota(std::size_t max_total, std::size_t max_per_address)
      : max_total_(max_total), max_per_address_(max_per_address) {}

  enum class Refusal { kNone, kTotal, kAddress };

  // Takes one for `address`, unless a bound is reached (which it names). An empty address (no
  // network client: the in-process channel) counts in all but has no bound of its own.
  Refusal Take(const std::string& address) {
    if (max_total_ > 0 && taken_ >= max_total_) return Refusal::kTotal;
    if (!address.empty()) {
      std::size_t& from_address = by_address_[address];
      if (max_per_address_ > 0 && from_address >= max_per_address_) return Refusal::kAddress;
      ++from_address;
    }
    ++taken_;
    return Refusal::kNone;
  }

  // Gives back one that Take took for `address`.
  void Give(const std::string& address) {
    --taken_;
    if (address.empty()) return;
    auto from_address = by_address_.find(address);
    if (from_address != by_address_.end() && --from_address->second == 0) {
      by_address_.erase(from_address);
    }
  }

 private:
  const std::size_t max_total_;
  const std::size_t max_per_address_;
  std::size_t taken_ = 0;
  std::map<std::string, std::size_t> by_address_;
};

}  // namespace hattama::publication
