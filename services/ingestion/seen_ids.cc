#include "services/ingestion/seen_ids.h"

namespace hattama::ingestion {

SeenIds::SeenIds(size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

std::optional<std::string> SeenIds::Find(const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = digests_.find(id);
  if (it == digests_.end()) return std::nullopt;
  return it->second;
}

void SeenIds::Insert(const std::string& id, const std::string& digest) {
  std::lock_guard lock(mu_);
  auto [it, inserted] = digests_.emplace(id, digest);
  if (!inserted) return;
  order_.push_back(&it->first);
  while (order_.size() > capacity_) {
    digests_.erase(digests_.find(*order_.front()));
    order_.pop_front();
  }
}

size_t SeenIds::size() const {
  std::lock_guard lock(mu_);
  return digests_.size();
}

}  // namespace hattama::ingestion
