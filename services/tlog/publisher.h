// Publishes the log into its TileStore: the hash tiles and entry bundles up to a size, then the
// checkpoint of that size signed with the log key, in that order, so that every file a checkpoint
// needs exists before the checkpoint does. Keeps the latest checkpoint for the API and reads
// entries back from the bundles.
//
// Thread-safety: one thread adds entries and publishes (the follower); Latest and ReadEntry may
// be called from any thread.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/tlog/checkpoint.h"
#include "common/tlog/memory_tree.h"
#include "common/tlog/note_key.h"
#include "services/tlog/tile_store.h"

namespace hattama::transparency {

struct PublishedCheckpoint {
  std::string signed_note;  // as <dir>/checkpoint holds it
  tlog::Checkpoint checkpoint;
  // Index p: the offset of partition p of hattama.submissions.v1 below which every record is a
  // leaf of this tree (LogTree::PartitionEnds at the size signed). Not signed, not on disk.
  std::vector<std::int64_t> partition_ends;
};

class Publisher {
 public:
  // `signer`'s name is the log's origin.
  Publisher(TileStore& store, tlog::NoteSigner signer);

  const std::string& origin() const { return signer_.name(); }
  const tlog::NoteVerifier& verifier() const { return signer_.verifier(); }

  // Keeps the entry of the next leaf (entries come in leaf order, from leaf 0) until its bundle
  // is full and written.
  void AddEntry(std::string entry);

  // Writes every tile and bundle that the tree of `size` leaves (size <= tree.Head().size, every
  // entry below it added) has and the last call did not write; then, with `sign` and a size other
  // than the latest checkpoint's, the signed checkpoint of `size`, kept with `partition_ends` (the
  // source positions that tree holds). Returns whether it signed.
  Result<bool> Publish(const tlog::MemoryTree& tree, std::int64_t size, bool sign,
                       std::vector<std::int64_t> partition_ends = {});

  // The latest checkpoint written, or null before the first.
  std::shared_ptr<const PublishedCheckpoint> Latest() const;

  // The entry of leaf `index` from the bundles written: NotFound unless index < Latest() size.
  Result<std::string> ReadEntry(std::int64_t index) const;

  // The checkpoint already in the store from an earlier run, or nullopt when there is none.
  // InvalidArgument when it is not this log's (another origin or key) or does not parse.
  Result<std::optional<tlog::Checkpoint>> StoredCheckpoint() const;

 private:
  Status WriteTile(const tlog::Tile& tile, const std::string& path, const std::string& data);
  Result<std::string> BundleOf(const tlog::Tile& tile) const;

  TileStore& store_;
  const tlog::NoteSigner signer_;
  // Entries of the leaves from pending_base_ on (a multiple of 256): those of bundles not yet full.
  std::deque<std::string> pending_;
  std::int64_t pending_base_ = 0;
  std::int64_t written_size_ = 0;  // tiles and bundles are written up to this size

  mutable std::mutex mutex_;
  std::shared_ptr<const PublishedCheckpoint> latest_;  // guarded by mutex_
};

}  // namespace hattama::transparency
