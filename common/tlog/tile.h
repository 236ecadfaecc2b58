// The C2SP tlog-tiles layout (https://c2sp.org/tlog-tiles): a log served as static files that any
// file server or CDN can mirror. Paths are relative to the log's URL prefix:
//
//   checkpoint                      the signed checkpoint (checkpoint.h); the only mutable file
//   tile/<L>/<N>[.p/<W>]            hash tile N of level L
//   tile/entries/<N>[.p/<W>]        entry bundle N: the entries of leaves [256·N, 256·N + W)
//
// <L> is decimal 0..63 without leading zeros. <N> is written in groups of three digits, every
// group but the last prefixed with "x": 1234067 is "x001/x234/067", 5 is "005". ".p/<W>" marks a
// partial tile of width W (1..255, decimal); a full tile has 256 hashes and no suffix.
//
// Hash tile bytes: W hashes of 32 bytes, concatenated. Tile N of level L holds, for i in [0, W),
// the hash (8·L, 256·N + i) in stored_hashes.h's (level, n) coordinates: at level 0 the leaf
// hashes, at level L the root hashes of the full level-(L-1) tiles. A tree of size s has, at each
// level L, floor(s / 256^(L+1)) full tiles and one partial tile of width floor(s / 256^L) mod 256
// if that is not 0. These are exactly the tiles of Go's sumdb/tlog with height 8, whose path is
// tile/8/<L>/<N>[.p/<W>].
//
// Entry bundle bytes: the bundle's entries in leaf order, each as a big-endian uint16 length
// followed by that many bytes (so an entry is at most 65535 bytes). Entry i of bundle N hashes
// (LeafHash, hash.h) to hash i of level-0 tile N; bundles and level-0 tiles have the same N and W.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"
#include "common/tlog/stored_hashes.h"

namespace hattama::tlog {

inline constexpr int kTileHeight = 8;
inline constexpr int kTileWidth = 1 << kTileHeight;  // hashes in a full tile, entries in a bundle
inline constexpr std::size_t kMaxEntrySize = 65535;

// A hash tile, or (with level 0) the entry bundle beside it.
struct Tile {
  int level = 0;
  std::int64_t n = 0;
  int width = kTileWidth;  // 1..256; 256 is a full tile
  friend bool operator==(const Tile&, const Tile&) = default;
};

// "tile/<L>/<N>[.p/<W>]".
std::string TilePath(const Tile& tile);
// "tile/entries/<N>[.p/<W>]" for the bundle of level-0 tile `tile` (its level is ignored).
std::string EntryBundlePath(const Tile& tile);

struct ParsedTilePath {
  bool entry_bundle = false;  // tile/entries/…; then tile.level is 0
  Tile tile;
};
// The tile a path names, accepting only the canonical spelling that TilePath and EntryBundlePath
// write; InvalidArgument otherwise.
Result<ParsedTilePath> ParseTilePath(std::string_view path);

// The hash tiles that a log growing from `old_size` to `new_size` leaves must publish: every tile
// completed on the way, and the partial tiles of `new_size` at the levels where something changed.
// Their level-0 members name the entry bundles to publish. (Go's tlog.NewTiles also lists the
// partial tiles of every size in between, which no checkpoint needs.)
std::vector<Tile> NewTiles(std::int64_t old_size, std::int64_t new_size);

// The bytes of `tile`, read from a store (a tree of at least the tile's extent).
Result<std::string> ReadTileData(const Tile& tile, const HashReader& reader);

// An entry bundle of 1..256 entries; InvalidArgument for an entry longer than 65535 bytes.
Result<std::string> EncodeEntryBundle(std::span<const std::string> entries);
// The entries of a bundle; InvalidArgument if it is cut short, empty or holds more than 256.
Result<std::vector<std::string>> DecodeEntryBundle(std::string_view bundle);

}  // namespace hattama::tlog
