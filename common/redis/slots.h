// Redis Cluster's key-to-slot rule and the keys of a command, as a cluster client needs them to
// send each command to the node that owns its keys. Pure functions: no I/O, safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/base/result.h"
#include "common/redis/redis.h"

namespace hattama::redis {

inline constexpr int kSlotCount = 16384;

// The hash slot (0..16383) of `key`, exactly as the Redis Cluster specification computes it:
// CRC16 (XMODEM: polynomial 0x1021, initial 0) of the key modulo 16384, where a key holding a '{'
// followed later by a '}' with at least one byte between them hashes only those bytes (the first
// '{' and the first '}' after it), so "hattama:{p3}:seen:x" and "hattama:{p3}:position" share a
// slot. "{}x" and "x{" hash whole.
uint16_t KeySlot(std::string_view key);

// The one slot every key of `command` lies in; nullopt for a command without keys (PING, INFO,
// SCRIPT LOAD, MULTI, EXEC, WAIT, ...), which any node may answer. Keys are found by command name:
// EVAL/EVALSHA/FCALL (and _RO) take numkeys keys after the script, MGET/DEL/EXISTS/UNLINK/TOUCH/
// WATCH take only keys, MSET/MSETNX alternate keys and values, and every other command's key is its
// first argument. InvalidArgument when the keys span several slots (Redis would answer CROSSSLOT),
// for a malformed numkeys, and for commands whose keys are elsewhere (XREAD, BLMPOP, SORT ...
// STORE, ...), which this client refuses rather than misroutes.
Result<std::optional<uint16_t>> CommandSlot(const Command& command);

}  // namespace hattama::redis
