// The log as the writer holds it in memory: the Merkle tree of the leaves so far, which source
// records they log, and which leaves carry a submission id. Built by reading hattama.tlog.v1 from
// its first record, the only way leaves join it, so that the tree is a function of that topic:
// the same after a restart, after the tiles are lost, and for anyone who reads the topic.
//
// The rule (README, "Checking Hattama's figures yourself"): the records of hattama.tlog.v1, in
// offset order from offset 0, are the leaves, except a record that is no valid entry
// (common/tlog/entry.h) and a record whose source position an earlier leaf already logs. The writer
// never writes either on purpose; the second can happen when a write it took as failed was kept by
// the broker after all, and it is then skipped, never a leaf twice.
//
// Memory: the tree's two hashes (64 bytes) and about 40 bytes of id index a leaf.
//
// Thread-safety: one thread appends (the follower); any thread reads, concurrently with it.
#pragma once

#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/tlog/entry.h"
#include "common/tlog/memory_tree.h"
#include "services/tlog/logged_sources.h"

namespace hattama::transparency {

class LogTree {
 public:
  enum class Outcome {
    kLeaf,             // appended as leaf `index`
    kDuplicateSource,  // its source is logged by an earlier leaf: skipped
    kMalformed,        // no valid entry: skipped
  };
  struct Appended {
    Outcome outcome = Outcome::kLeaf;
    std::int64_t index = -1;  // for kLeaf
    tlog::LeafEntry entry;    // for kLeaf and kDuplicateSource
    std::string why;          // for kMalformed
  };

  // Applies the rule to the next record of hattama.tlog.v1, whose value is `value`.
  Appended Append(std::string_view value);

  tlog::TreeHead Head() const { return tree_.Head(); }
  const tlog::MemoryTree& tree() const { return tree_; }

  bool IsLogged(const tlog::SourcePosition& source) const;
  // LoggedSources::ResumeOffset.
  std::int64_t ResumeOffset(std::int32_t partition) const;
  // Index p: the offset of partition p of hattama.submissions.v1 below which every record of p is
  // a leaf now (its ResumeOffset), for each partition below `partitions` and below every partition
  // a leaf logs: a checkpoint's partition ends, when taken on the appending thread at the size it
  // signs.
  std::vector<std::int64_t> PartitionEnds(std::int32_t partitions) const;
  // How many source records are logged (equals the leaves).
  std::int64_t logged() const;

  // The leaves that may carry `submission_id`, lowest first: every leaf that does, and rarely one
  // whose id merely shares its 64-bit index key. The caller checks the entry's id.
  std::vector<std::int64_t> CandidateLeaves(std::string_view submission_id) const;

 private:
  static std::uint64_t IdKey(std::string_view submission_id);

  tlog::MemoryTree tree_;
  mutable std::shared_mutex mutex_;
  LoggedSources sources_;                                     // guarded by mutex_
  std::unordered_multimap<std::uint64_t, std::int64_t> ids_;  // guarded by mutex_
};

}  // namespace hattama::transparency
