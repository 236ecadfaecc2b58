// Keys of C2SP signed notes (https://c2sp.org/signed-note), as Go's golang.org/x/mod/sumdb/note
// writes them, and of C2SP tlog-cosignature v1 (https://c2sp.org/tlog-cosignature).
//
// A note key has a name (non-empty UTF-8 without Unicode spaces or '+'; by convention a
// schema-less URL such as "hattama.example/log"), a signature type byte, and an Ed25519 key:
//
//   type 0x01  Ed25519 note signature: the Ed25519 signature of the note text (64 bytes).
//   type 0x04  cosignature/v1: a witness's timestamped Ed25519 signature: the 8-byte big-endian
//              POSIX time t (at most 2^63-1) || the Ed25519 signature (64 bytes) of the message
//                "cosignature/v1\n" "time <t in decimal, no leading zeros>\n" <note text>
//              where the note text (a checkpoint) includes its final newline and any extension
//              lines. The name is not signed, so a witness uses one key per name.
//
//   key hash       the first 4 bytes, big-endian, of SHA-256(<name> || "\n" || <type> ||
//                  <32-byte public key>); it tells which key made a signature line
//   verifier key   "<name>+<key hash as 8 lower-case hex digits>+<base64(<type> || public key)>"
//                  e.g. "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
//   signer key     "PRIVATE+KEY+<name>+<key hash hex>+<base64(<type> || 32-byte seed)>"; the
//                  secret. Go's note.NewSigner reads those of type 0x01; type 0x04 in the same
//                  form is this library's extension (Go 0.7.0's note package has no cosigners).
//
// Thread-safety: NoteSigner and NoteVerifier are immutable values, usable from many threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/base/result.h"
#include "common/crypto/ed25519.h"

namespace hattama::tlog {

enum class NoteKeyType : std::uint8_t {
  kEd25519 = 0x01,
  kCosignatureV1 = 0x04,
};

// Whether `name` may name a note key.
bool IsValidNoteKeyName(std::string_view name);
// The key hash of the key (name, type, public key).
std::uint32_t NoteKeyHash(std::string_view name, NoteKeyType type,
                          const crypto::Ed25519PublicKey& key);

class NoteVerifier {
 public:
  // InvalidArgument for an invalid name.
  static Result<NoteVerifier> Create(std::string name, NoteKeyType type,
                                     crypto::Ed25519PublicKey key);
  // The verifier a verifier key text describes; InvalidArgument naming what is wrong (shape, name,
  // an unknown type, key length, a key hash that does not match). A final "\n" or "\r\n", as a
  // key file or Secret ends, is ignored.
  static Result<NoteVerifier> FromVerifierKey(std::string_view verifier_key);

  const std::string& name() const { return name_; }
  std::uint32_t key_hash() const { return key_hash_; }
  NoteKeyType type() const { return type_; }
  const crypto::Ed25519PublicKey& public_key() const { return key_; }
  std::string VerifierKey() const;

  // Checks `signature`, the bytes after the key hash in a signature line, over note text `text`.
  // For a cosignature/v1 key, returns the time it carries; for an Ed25519 key, nullopt.
  Result<std::optional<std::uint64_t>> Verify(std::string_view text,
                                              std::string_view signature) const;

 private:
  NoteVerifier(std::string name, NoteKeyType type, crypto::Ed25519PublicKey key);
  std::string name_;
  NoteKeyType type_;
  crypto::Ed25519PublicKey key_;
  std::uint32_t key_hash_;
};

class NoteSigner {
 public:
  static Result<NoteSigner> Create(std::string name, NoteKeyType type,
                                   crypto::Ed25519PrivateKey key);
  // The signer a signer key text describes; InvalidArgument naming what is wrong, never echoing
  // the secret. A final "\n" or "\r\n" is ignored.
  static Result<NoteSigner> FromSignerKey(std::string_view signer_key);

  const std::string& name() const { return verifier_.name(); }
  std::uint32_t key_hash() const { return verifier_.key_hash(); }
  NoteKeyType type() const { return verifier_.type(); }
  const NoteVerifier& verifier() const { return verifier_; }
  std::string SignerKey() const;

  // The signature bytes (after the key hash) of note text `text`. `unix_seconds` (>= 0) is the
  // time a cosignature states; an Ed25519 signature ignores it.
  std::string Sign(std::string_view text, std::int64_t unix_seconds) const;

 private:
  NoteSigner(crypto::Ed25519PrivateKey key, NoteVerifier verifier)
      : key_(std::move(key)), verifier_(std::move(verifier)) {}
  crypto::Ed25519PrivateKey key_;
  NoteVerifier verifier_;
};

// The log's verifier key as an operator gives it on a command line (publication's
// --tlog-verifier-key, hattama-verify's --log-key): the key text itself, or "@FILE" for a file
// holding it (at most 4 KiB). InvalidArgument naming what is wrong; a key of another type than
// Ed25519 (a witness's cosignature key) is refused, since only the log signs checkpoints.
Result<NoteVerifier> ReadLogVerifierKey(std::string_view flag);

}  // namespace hattama::tlog
