// The transparency log's checkpoints as publication has seen them (TlogWatcher adds them): the
// newest in full, which GetLogCheckpoint answers, and the tree size and partition ends of the last
// few, so that a published total can name the smallest signed tree that holds every record it
// was computed from (AreaTotals.log_position.tree_size).
//
// Thread-safe: the watcher adds while request threads read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "hattama/v1/transparency.pb.h"

namespace hattama::publication {

class CheckpointHistory {
 public:
  // Checkpoints remembered for CoveringTreeSize: at one a poll (500 ms) while the log grows,
  // half a minute, far longer than aggregation runs ahead of the log.
  static constexpr size_t kDefaultDepth = 64;

  explicit CheckpointHistory(size_t depth = kDefaultDepth);

  // Remembers `checkpoint` (its signature already checked) as the newest. The same tree size
  // again replaces the newest (its cosignatures may be newer); a smaller one than the newest
  // means the log was started anew, and everything remembered before it is forgotten.
  void Add(const v1::SignedCheckpoint& checkpoint);

  // The newest checkpoint; nullopt before the first.
  std::optional<v1::SignedCheckpoint> Newest() const;

  // The tree size of the smallest remembered checkpoint whose partition_ends[p] >= ends[p] for
  // every p (an entry missing on either side counts as 0), i.e. whose tree holds every record
  // below `ends`; 0 when none does (the log is behind, or nothing was added yet).
  int64_t CoveringTreeSize(std::span<const int64_t> ends) const;

 private:
  struct Remembered {
    int64_t tree_size = 0;
    std::vector<int64_t> partition_ends;
  };

  const size_t depth_;
  mutable std::mutex mutex_;
  std::optional<v1::SignedCheckpoint> newest_;
  std::deque<Remembered> remembered_;  // Ascending tree size; the newest last.
};

}  // namespace hattama::publication
