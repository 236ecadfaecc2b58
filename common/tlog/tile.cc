#include "common/tlog/tile.h"

#include <charconv>
#include <cstdio>
#include <limits>
#include <optional>

namespace hattama::tlog {
namespace {

constexpr int kMaxLevel = 63;

// <N> in groups of three digits, all but the last prefixed with "x".
std::string IndexPath(std::int64_t n) {
  std::vector<int> groups{static_cast<int>(n % 1000)};
  for (n /= 1000; n > 0; n /= 1000) groups.push_back(static_cast<int>(n % 1000));
  std::string path;
  char group[6];
  for (std::size_t i = groups.size(); i-- > 0;) {
    std::snprintf(group, sizeof group, i > 0 ? "x%03d/" : "%03d", groups[i]);
    path += group;
  }
  return path;
}

std::string WidthSuffix(int width) {
  return width == kTileWidth ? "" : ".p/" + std::to_string(width);
}

// A decimal number of at most `max`, or nullopt.
std::optional<std::int64_t> ParseDecimal(std::string_view text, std::int64_t max) {
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || value < 0 ||
      value > max) {
    return std::nullopt;
  }
  return value;
}

Status BadPath(std::string_view path, std::string_view why) {
  return Status::InvalidArgument("\"" + std::string(path.substr(0, 200)) +
                                 "\" is not a tile path: " + std::string(why));
}

// Splits "a/b/c" at '/'.
std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> parts;
  while (true) {
    const std::size_t slash = path.find('/');
    parts.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) return parts;
    path.remove_prefix(slash + 1);
  }
}

}  // namespace

std::string TilePath(const Tile& tile) {
  return "tile/" + std::to_string(tile.level) + "/" + IndexPath(tile.n) + WidthSuffix(tile.width);
}

std::string EntryBundlePath(const Tile& tile) {
  return "tile/entries/" + IndexPath(tile.n) + WidthSuffix(tile.width);
}

Result<ParsedTilePath> ParseTilePath(std::string_view path) {
  std::vector<std::string_view> parts = SplitPath(path);
  if (parts.size() < 3 || parts[0] != "tile") return BadPath(path, "not tile/<L>/<N>");
  ParsedTilePath parsed;
  parsed.entry_bundle = parts[1] == "entries";
  if (!parsed.entry_bundle) {
    const auto level = ParseDecimal(parts[1], kMaxLevel);
    if (!level) return BadPath(path, "the level is not a number from 0 to 63");
    parsed.tile.level = static_cast<int>(*level);
  }
  std::span<const std::string_view> index(parts.begin() + 2, parts.end());
  if (index.size() >= 2 && index[index.size() - 2].ends_with(".p")) {
    const auto width = ParseDecimal(index.back(), kTileWidth - 1);
    if (!width || *width == 0) return BadPath(path, "the width is not a number from 1 to 255");
    parsed.tile.width = static_cast<int>(*width);
    index = index.first(index.size() - 1);
  }
  std::int64_t n = 0;
  for (std::size_t i = 0; i < index.size(); ++i) {
    std::string_view group = index[i];
    if (i + 1 == index.size() && group.ends_with(".p")) group.remove_suffix(2);
    if (i + 1 < index.size()) {
      if (!group.starts_with('x')) return BadPath(path, "an index group lacks its 'x'");
      group.remove_prefix(1);
    }
    const auto digits = ParseDecimal(group, 999);
    if (!digits || group.size() != 3) return BadPath(path, "an index group is not 3 digits");
    if (n > (std::numeric_limits<std::int64_t>::max() - *digits) / 1000) {
      return BadPath(path, "the index is too large");
    }
    n = n * 1000 + *digits;
  }
  parsed.tile.n = n;
  const std::string canonical =
      parsed.entry_bundle ? EntryBundlePath(parsed.tile) : TilePath(parsed.tile);
  if (canonical != path) return BadPath(path, "not written as " + canonical);
  return parsed;
}

std::vector<Tile> NewTiles(std::int64_t old_size, std::int64_t new_size) {
  std::vector<Tile> tiles;
  // At level L the tiles list the level-8L hashes; a tree of s leaves has s >> 8L of them.
  for (int level = 0; level * kTileHeight < 63 && (new_size >> (level * kTileHeight)) > 0;
       ++level) {
    const std::int64_t old_hashes = old_size >> (level * kTileHeight);
    const std::int64_t new_hashes = new_size >> (level * kTileHeight);
    for (std::int64_t n = old_hashes >> kTileHeight; n < new_hashes >> kTileHeight; ++n) {
      tiles.push_back({level, n, kTileWidth});
    }
    const int width = static_cast<int>(new_hashes % kTileWidth);
    if (width > 0 && new_hashes > old_hashes) {
      tiles.push_back({level, new_hashes >> kTileHeight, width});
    }
  }
  return tiles;
}

Result<std::string> ReadTileData(const Tile& tile, const HashReader& reader) {
  if (tile.level < 0 || tile.level * kTileHeight >= 63 || tile.n < 0 || tile.width < 1 ||
      tile.width > kTileWidth) {
    return Status::InvalidArgument("no such tile: " + TilePath(tile));
  }
  std::vector<std::int64_t> indexes(static_cast<std::size_t>(tile.width));
  for (int i = 0; i < tile.width; ++i) {
    indexes[i] = StoredHashIndex(tile.level * kTileHeight, tile.n * kTileWidth + i);
  }
  auto hashes = internal::ReadExactly(reader, indexes);
  if (!hashes.ok()) return hashes.status();
  std::string data;
  data.reserve(hashes->size() * kHashSize);
  for (const Hash& hash : *hashes) data += HashBytes(hash);
  return data;
}

Result<std::string> EncodeEntryBundle(std::span<const std::string> entries) {
  if (entries.empty() || entries.size() > static_cast<std::size_t>(kTileWidth)) {
    return Status::InvalidArgument("an entry bundle holds 1 to 256 entries, not " +
                                   std::to_string(entries.size()));
  }
  std::string bundle;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const std::string& entry = entries[i];
    if (entry.size() > kMaxEntrySize) {
      return Status::InvalidArgument("entry " + std::to_string(i) + " of the bundle is " +
                                     std::to_string(entry.size()) +
                                     " bytes; tlog-tiles entries are at most 65535");
    }
    bundle += static_cast<char>(entry.size() >> 8);
    bundle += static_cast<char>(entry.size() & 0xff);
    bundle += entry;
  }
  return bundle;
}

Result<std::vector<std::string>> DecodeEntryBundle(std::string_view bundle) {
  std::vector<std::string> entries;
  while (!bundle.empty()) {
    if (entries.size() == static_cast<std::size_t>(kTileWidth)) {
      return Status::InvalidArgument("the entry bundle holds more than 256 entries");
    }
    if (bundle.size() < 2) return Status::InvalidArgument("the entry bundle ends in a cut length");
    const std::size_t size =
        static_cast<unsigned char>(bundle[0]) << 8 | static_cast<unsigned char>(bundle[1]);
    bundle.remove_prefix(2);
    if (bundle.size() < size) {
      return Status::InvalidArgument("entry " + std::to_string(entries.size()) +
                                     " of the bundle is cut short");
    }
    entries.emplace_back(bundle.substr(0, size));
    bundle.remove_prefix(size);
  }
  if (entries.empty()) return Status::InvalidArgument("the entry bundle is empty");
  return entries;
}

}  // namespace hattama::tlog
