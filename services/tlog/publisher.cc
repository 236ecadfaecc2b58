#include "services/tlog/publisher.h"

#include <spdlog/spdlog.h>

#include <span>
#include <vector>

#include "common/tlog/note.h"

namespace hattama::transparency {

using tlog::kTileWidth;

Publisher::Publisher(TileStore& store, tlog::NoteSigner signer)
    : store_(store), signer_(std::move(signer)) {}

void Publisher::AddEntry(std::string entry) { pending_.push_back(std::move(entry)); }

Result<std::string> Publisher::BundleOf(const tlog::Tile& tile) const {
  const std::int64_t first = tile.n * kTileWidth - pending_base_;
  if (first < 0 || first + tile.width > static_cast<std::int64_t>(pending_.size())) {
    return Status::Internal("the entries of bundle " + tlog::EntryBundlePath(tile) +
                            " are no longer or not yet held");
  }
  std::vector<std::string> entries(pending_.begin() + first, pending_.begin() + first + tile.width);
  return tlog::EncodeEntryBundle(entries);
}

Status Publisher::WriteTile(const tlog::Tile& tile, const std::string& path,
                            const std::string& data) {
  if (tile.width < kTileWidth) return store_.WriteMutable(path, data);
  auto written = store_.WriteImmutable(path, data);
  if (!written.ok()) return written.status();
  if (*written == TileStore::Written::kReplaced) {
    spdlog::warn("{} in {} held other bytes than the log has; rewritten", path, store_.dir());
  }
  return Status::Ok();
}

Result<bool> Publisher::Publish(const tlog::MemoryTree& tree, std::int64_t size, bool sign,
                                std::vector<std::int64_t> partition_ends) {
  for (const tlog::Tile& tile : tlog::NewTiles(written_size_, size)) {
    auto data = tlog::ReadTileData(tile, tree);
    if (!data.ok()) return data.status();
    if (Status status = WriteTile(tile, tlog::TilePath(tile), *data); !status.ok()) return status;
    if (tile.level == 0) {
      auto bundle = BundleOf(tile);
      if (!bundle.ok()) return bundle.status();
      if (Status status = WriteTile(tile, tlog::EntryBundlePath(tile), *bundle); !status.ok()) {
        return status;
      }
    }
    if (tile.width == kTileWidth) {
      if (Status status = store_.RemovePartials(tile, false); !status.ok()) return status;
      if (tile.level == 0) {
        if (Status status = store_.RemovePartials(tile, true); !status.ok()) return status;
      }
    }
  }
  written_size_ = std::max(written_size_, size);
  // Entries of full bundles are on disk now; only the last, partial bundle's stay held.
  while (pending_base_ + kTileWidth <= written_size_ &&
         static_cast<std::int64_t>(pending_.size()) >= kTileWidth) {
    pending_.erase(pending_.begin(), pending_.begin() + kTileWidth);
    pending_base_ += kTileWidth;
  }

  auto latest = Latest();
  if (!sign || (latest && latest->checkpoint.size == size)) return false;
  auto root = tree.RootAt(size);
  if (!root.ok()) return root.status();
  auto published = std::make_shared<PublishedCheckpoint>();
  published->checkpoint = {.origin = origin(), .size = size, .root = *root};
  published->partition_ends = std::move(partition_ends);
  auto note = tlog::SignCheckpoint(published->checkpoint, signer_);
  if (!note.ok()) return note.status();
  published->signed_note = std::move(note).value();
  if (Status status = store_.WriteMutable("checkpoint", published->signed_note); !status.ok()) {
    return status;
  }
  std::lock_guard lock(mutex_);
  latest_ = std::move(published);
  return true;
}

std::shared_ptr<const PublishedCheckpoint> Publisher::Latest() const {
  std::lock_guard lock(mutex_);
  return latest_;
}

Result<std::string> Publisher::ReadEntry(std::int64_t index) const {
  auto latest = Latest();
  const std::int64_t size = latest ? latest->checkpoint.size : 0;
  if (index < 0 || index >= size) {
    return Status::NotFound("no leaf " + std::to_string(index) + " in the latest checkpoint (" +
                            std::to_string(size) + " leaves)");
  }
  tlog::Tile tile{.level = 0, .n = index / kTileWidth, .width = kTileWidth};
  if (tile.n == size / kTileWidth) tile.width = static_cast<int>(size % kTileWidth);
  auto bundle = store_.Read(tlog::EntryBundlePath(tile));
  // A newer checkpoint may have completed the bundle and removed its partials meanwhile: the
  // full bundle begins with the same entries.
  if (!bundle.ok() && bundle.status().IsNotFound() && tile.width < kTileWidth) {
    tile.width = kTileWidth;
    bundle = store_.Read(tlog::EntryBundlePath(tile));
  }
  if (!bundle.ok()) {
    if (bundle.status().IsNotFound()) {
      return Status::Unavailable("the entry bundle of leaf " + std::to_string(index) +
                                 " is missing from " + store_.dir());
    }
    return bundle.status();
  }
  auto entries = tlog::DecodeEntryBundle(*bundle);
  if (!entries.ok()) {
    return Status::Internal("the entry bundle of leaf " + std::to_string(index) +
                            " does not decode: " + entries.status().message());
  }
  const auto at = static_cast<std::size_t>(index % kTileWidth);
  if (at >= entries->size()) {
    return Status::Internal("the entry bundle of leaf " + std::to_string(index) + " is too short");
  }
  return std::move((*entries)[at]);
}

Result<std::optional<tlog::Checkpoint>> Publisher::StoredCheckpoint() const {
  auto note = store_.Read("checkpoint");
  if (!note.ok()) {
    if (note.status().IsNotFound()) return std::optional<tlog::Checkpoint>();
    return note.status();
  }
  auto checkpoint = tlog::OpenCheckpoint(*note, origin(), verifier());
  if (!checkpoint.ok()) {
    return Status::InvalidArgument(
        "the checkpoint in " + store_.dir() + " is not this log's (origin " + origin() + ", key " +
        verifier().VerifierKey() + "): " + checkpoint.status().message());
  }
  return std::optional<tlog::Checkpoint>(std::move(checkpoint).value());
}

}  // namespace hattama::transparency
