// C2SP signed notes (https://c2sp.org/signed-note), compatible with Go's
// golang.org/x/mod/sumdb/note (Sign and Open): a text, signed by one or more keys (note_key.h).
//
//   <text, ending in "\n">
//   "\n"
//   "— <key name> <base64(4-byte big-endian key hash || signature bytes)>\n"   one line a signature
//
// The dash is U+2014 (bytes E2 80 94) followed by a space. The whole note is valid UTF-8 with no
// ASCII control character other than newline. The text may contain blank lines; the last blank
// line separates it from the signatures. Each signature covers the text including its final
// newline and not the blank line (for cosignature/v1 keys, the message note_key.h defines).
// Example, from Go's note package (the signature is one line):
//
// clang-format off
//   If you think cryptography is the answer to your problem,
//   then you don't know what your problem is.
//
//   — PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=
// clang-format on
//
// Opening follows the spec and Go: a signature whose (name, key hash) is not a known key is kept
// as unverified and otherwise ignored; one by a known key that fails to verify rejects the whole
// note; a note with no verified signature is rejected. At most 100 signature lines are read.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"
#include "common/tlog/note_key.h"

namespace hattama::tlog {

struct NoteSignature {
  std::string name;
  std::uint32_t key_hash = 0;
  std::string signature;                   // the bytes after the key hash
  std::optional<std::uint64_t> timestamp;  // the time of a verified cosignature/v1
  friend bool operator==(const NoteSignature&, const NoteSignature&) = default;
};

struct Note {
  std::string text;                       // ends in "\n"
  std::vector<NoteSignature> verified;    // by known keys (OpenNote), in the note's order
  std::vector<NoteSignature> unverified;  // by keys not known here
};

// Splits a signed note into its text and signatures, all unverified; InvalidArgument naming what
// is malformed.
Result<Note> ParseNote(std::string_view message);

// Parses a signed note and verifies the signatures of the `known` keys; InvalidArgument if it is
// malformed, if a known key's signature does not verify, or if no known key signed it.
Result<Note> OpenNote(std::string_view message, std::span<const NoteVerifier> known);

// The signed note of `note.text` with `note`'s signatures (verified and unverified; those of a key
// in `signers` are replaced) followed by one new signature by each of `signers`. A cosigner
// states `unix_seconds`, the current time when absent. InvalidArgument if the text does not end
// in "\n" or is not valid note text.
Result<std::string> SignNote(const Note& note, std::span<const NoteSigner> signers,
                             std::optional<std::int64_t> unix_seconds = std::nullopt);

}  // namespace hattama::tlog
