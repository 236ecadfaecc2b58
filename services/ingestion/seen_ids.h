// The submission ids this instance has written to the log, with their digests, so that a resend
// is answered DUPLICATE without writing it again and a reused id is told apart from a resend.
#pragma once

#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace hattama::ingestion {

// Bounded: once `capacity` ids are remembered, the oldest is forgotten for each new one. Forgetting
// is safe because aggregation dedupes by submission id as well; a resend of a forgotten id is
// written again and answered ACCEPTED, and aggregation ignores it. Thread-safe.
class SeenIds {
 public:
  explicit SeenIds(size_t capacity);
  SeenIds(const SeenIds&) = delete;
  SeenIds& operator=(const SeenIds&) = delete;

  // The digest remembered for `id`, if any.
  std::optional<std::string> Find(const std::string& id) const;
  // Remembers `id` with `digest`; an id already remembered keeps its first digest, which is the
  // one the log holds first.
  void Insert(const std::string& id, const std::string& digest);
  size_t size() const;

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::string> digests_;
  // Insertion order; points at the keys of digests_, which stay put while their node lives.
  std::deque<const std::string*> order_;
};

}  // namespace hattama::ingestion
