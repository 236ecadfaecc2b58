#include "common/redis/slots.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <span>
#include <string>
#include <vector>

namespace hattama::redis {
namespace {

constexpr std::array<uint16_t, 256> MakeCrc16Table() {
  std::array<uint16_t, 256> table{};
  for (int byte = 0; byte < 256; ++byte) {
    auto crc = static_cast<uint16_t>(byte << 8);
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 0x8000) != 0 ? static_cast<uint16_t>((crc << 1) ^ 0x1021)
                                : static_cast<uint16_t>(crc << 1);
    }
    table[static_cast<size_t>(byte)] = crc;
  }
  return table;
}

constexpr std::array<uint16_t, 256> kCrc16Table = MakeCrc16Table();

uint16_t Crc16(std::string_view bytes) {
  uint16_t crc = 0;
  for (char c : bytes) {
    const auto index = static_cast<uint8_t>((crc >> 8) ^ static_cast<uint8_t>(c));
    crc = static_cast<uint16_t>((crc << 8) ^ kCrc16Table[index]);
  }
  return crc;
}

std::string Upper(std::string_view text) {
  std::string upper(text);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return upper;
}

bool OneOf(const std::string& name, std::initializer_list<std::string_view> names) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// The keys of `command` (views into it), or an error for a command this client cannot route.
Result<std::vector<std::string_view>> CommandKeys(const Command& command) {
  std::vector<std::string_view> keys;
  if (command.empty()) return Status::InvalidArgument("an empty Redis command");
  const std::string name = Upper(command[0]);
  const std::span<const std::string> args(command.begin() + 1, command.end());
  if (OneOf(name, {"PING",    "ECHO",     "INFO",      "DBSIZE",   "TIME",    "SCRIPT",
                   "CLUSTER", "MULTI",    "EXEC",      "DISCARD",  "UNWATCH", "WAIT",
                   "ASKING",  "READONLY", "READWRITE", "FLUSHALL", "FLUSHDB", "CONFIG",
                   "COMMAND", "FUNCTION", "CLIENT",    "HELLO",    "SELECT"})) {
    return keys;
  }
  if (OneOf(name, {"EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "FCALL", "FCALL_RO"})) {
    size_t numkeys = 0;
    const std::string& text = args.size() >= 2 ? args[1] : std::string();
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), numkeys);
    if (args.size() < 2 || error != std::errc() || end != text.data() + text.size() ||
        numkeys > args.size() - 2) {
      return Status::InvalidArgument(name + " without a valid numkeys");
    }
    keys.assign(args.begin() + 2, args.begin() + 2 + static_cast<ptrdiff_t>(numkeys));
    return keys;
  }
  if (OneOf(name, {"MGET", "DEL", "EXISTS", "UNLINK", "TOUCH", "WATCH"})) {
    keys.assign(args.begin(), args.end());
    return keys;
  }
  if (OneOf(name, {"MSET", "MSETNX"})) {
    for (size_t i = 0; i < args.size(); i += 2) keys.push_back(args[i]);
    return keys;
  }
  if (OneOf(
          name,
          {"XREAD",       "XREADGROUP",        "BLMPOP",     "LMPOP",      "ZMPOP",  "BZMPOP",
           "SORT",        "SORT_RO",           "MIGRATE",    "OBJECT",     "MEMORY", "XINFO",
           "GEORADIUS",   "GEORADIUSBYMEMBER", "ZUNION",     "ZINTER",     "ZDIFF",  "ZUNIONSTORE",
           "ZINTERSTORE", "ZDIFFSTORE",        "SINTERCARD", "ZINTERCARD", "BLPOP",  "BRPOP",
           "BZPOPMIN",    "BZPOPMAX"})) {
    return Status::InvalidArgument("the Redis Cluster client does not route " + name +
                                   " (its keys are not its first argument)");
  }
  if (args.empty()) return Status::InvalidArgument(name + " without a key");
  keys.push_back(args[0]);
  return keys;
}

}  // namespace

uint16_t KeySlot(std::string_view key) {
  const size_t open = key.find('{');
  if (open != std::string_view::npos) {
    const size_t close = key.find('}', open + 1);
    if (close != std::string_view::npos && close > open + 1) {
      return Crc16(key.substr(open + 1, close - open - 1)) % kSlotCount;
    }
  }
  return Crc16(key) % kSlotCount;
}

Result<std::optional<uint16_t>> CommandSlot(const Command& command) {
  auto keys = CommandKeys(command);
  if (!keys.ok()) return keys.status();
  std::optional<uint16_t> slot;
  for (std::string_view key : *keys) {
    const uint16_t this_slot = KeySlot(key);
    if (slot.has_value() && *slot != this_slot) {
      return Status::InvalidArgument(command[0] + " names keys of several Redis Cluster slots (\"" +
                                     std::string((*keys)[0]) + "\" and \"" + std::string(key) +
                                     "\"); give them one hash tag");
    }
    slot = this_slot;
  }
  return slot;
}

}  // namespace hattama::redis
