#include "common/tlog/note_key.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <stdexcept>
#include <vector>

#include "common/base/digest.h"
#include "common/base/files.h"
#include "common/crypto/base64.h"
#include "common/tlog/utf8.h"

namespace hattama::tlog {
namespace {

constexpr std::size_t kTimestampSize = 8;

std::optional<NoteKeyType> TypeFromByte(char byte) {
  switch (static_cast<std::uint8_t>(byte)) {
    case 0x01:
      return NoteKeyType::kEd25519;
    case 0x04:
      return NoteKeyType::kCosignatureV1;
    default:
      return std::nullopt;
  }
}

std::string HashHex(std::uint32_t key_hash) {
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", key_hash);
  return hex;
}

std::optional<std::uint32_t> ParseHashHex(std::string_view hex) {
  if (hex.size() != 8) return std::nullopt;
  std::uint32_t value = 0;
  for (const char c : hex) {
    int digit = 0;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      digit = c - 'A' + 10;
    } else {
      return std::nullopt;
    }
    value = value << 4 | static_cast<std::uint32_t>(digit);
  }
  return value;
}

// Splits `text` at its first `count` '+' signs (a key's base64 may hold more of them).
std::optional<std::vector<std::string_view>> SplitPlus(std::string_view text, int count) {
  std::vector<std::string_view> parts;
  for (int i = 0; i < count; ++i) {
    const std::size_t plus = text.find('+');
    if (plus == std::string_view::npos) return std::nullopt;
    parts.push_back(text.substr(0, plus));
    text.remove_prefix(plus + 1);
  }
  parts.push_back(text);
  return parts;
}

// A key text without the line end that a file gives it.
std::string_view WithoutLineEnd(std::string_view text) {
  if (text.ends_with('\n')) text.remove_suffix(1);
  if (text.ends_with('\r')) text.remove_suffix(1);
  return text;
}

// "cosignature/v1\ntime <t>\n<text>": what a cosigner signs.
std::string CosignedMessage(std::string_view text, std::uint64_t timestamp) {
  return "cosignature/v1\ntime " + std::to_string(timestamp) + "\n" + std::string(text);
}

struct KeyParts {
  std::string name;
  std::uint32_t key_hash;
  NoteKeyType type;
  std::string key;  // public key or seed, without the type byte
};

// The name, hash and typed key of "<name>+<hex>+<base64(type || key)>".
Result<KeyParts> ParseKeyParts(std::string_view name_hash_key, std::string_view what) {
  const auto parts = SplitPlus(name_hash_key, 2);
  if (!parts) {
    return Status::InvalidArgument(std::string(what) + " is not <name>+<key hash>+<key>");
  }
  KeyParts key;
  key.name = std::string((*parts)[0]);
  if (!IsValidNoteKeyName(key.name)) {
    return Status::InvalidArgument(std::string(what) +
                                   " has an invalid name (empty, or with a space or '+')");
  }
  const auto key_hash = ParseHashHex((*parts)[1]);
  if (!key_hash) {
    return Status::InvalidArgument(std::string(what) + " has a key hash that is not 8 hex digits");
  }
  key.key_hash = *key_hash;
  auto bytes = crypto::DecodeBase64((*parts)[2]);
  if (!bytes.ok()) {
    return Status::InvalidArgument(std::string(what) + " has a key that is not base64");
  }
  if (bytes->empty()) return Status::InvalidArgument(std::string(what) + " has an empty key");
  const auto type = TypeFromByte(bytes->front());
  if (!type) {
    return Status::InvalidArgument(std::string(what) + " has the unknown signature type " +
                                   std::to_string(static_cast<std::uint8_t>(bytes->front())));
  }
  key.type = *type;
  key.key = bytes->substr(1);
  if (key.key.size() != 32) {
    return Status::InvalidArgument(std::string(what) + " has a key of " +
                                   std::to_string(key.key.size()) + " bytes, not 32");
  }
  return key;
}

std::string TypedKeyBase64(NoteKeyType type, std::string_view key) {
  return crypto::EncodeBase64(std::string(1, static_cast<char>(type)) + std::string(key));
}

}  // namespace

bool IsValidNoteKeyName(std::string_view name) {
  if (name.empty()) return false;
  const auto decoded = internal::DecodeUtf8(name);
  return decoded && std::none_of(decoded->begin(), decoded->end(), [](char32_t c) {
           return c == U'+' || internal::IsUnicodeSpace(c);
         });
}

std::uint32_t NoteKeyHash(std::string_view name, NoteKeyType type,
                          const crypto::Ed25519PublicKey& key) {
  const std::string digest =
      Sha256(std::string(name) + "\n" + std::string(1, static_cast<char>(type)) + key.bytes());
  std::uint32_t hash = 0;
  for (int i = 0; i < 4; ++i) hash = hash << 8 | static_cast<unsigned char>(digest[i]);
  return hash;
}

NoteVerifier::NoteVerifier(std::string name, NoteKeyType type, crypto::Ed25519PublicKey key)
    : name_(std::move(name)),
      type_(type),
      key_(std::move(key)),
      key_hash_(NoteKeyHash(name_, type_, key_)) {}

Result<NoteVerifier> NoteVerifier::Create(std::string name, NoteKeyType type,
                                          crypto::Ed25519PublicKey key) {
  if (!IsValidNoteKeyName(name)) {
    return Status::InvalidArgument("\"" + name +
                                   "\" cannot name a note key (empty, or with a space or '+')");
  }
  return NoteVerifier(std::move(name), type, std::move(key));
}

Result<NoteVerifier> NoteVerifier::FromVerifierKey(std::string_view verifier_key) {
  auto parts = ParseKeyParts(WithoutLineEnd(verifier_key), "the verifier key");
  if (!parts.ok()) return parts.status();
  auto key = crypto::Ed25519PublicKey::FromBytes(parts->key);
  if (!key.ok()) return key.status();
  NoteVerifier verifier(std::move(parts->name), parts->type, std::move(key).value());
  if (verifier.key_hash() != parts->key_hash) {
    return Status::InvalidArgument("the verifier key's hash " + HashHex(parts->key_hash) +
                                   " is not its key's hash " + HashHex(verifier.key_hash()));
  }
  return verifier;
}

std::string NoteVerifier::VerifierKey() const {
  return name_ + "+" + HashHex(key_hash_) + "+" + TypedKeyBase64(type_, key_.bytes());
}

Result<std::optional<std::uint64_t>> NoteVerifier::Verify(std::string_view text,
                                                          std::string_view signature) const {
  const std::string who = "the signature of " + name_ + "+" + HashHex(key_hash_);
  if (type_ == NoteKeyType::kEd25519) {
    if (Status bad = key_.Verify(text, signature); !bad.ok()) {
      return Status::InvalidArgument(who + ": " + bad.message());
    }
    return std::optional<std::uint64_t>();
  }
  if (signature.size() != kTimestampSize + crypto::kEd25519SignatureSize) {
    return Status::InvalidArgument(who + ": a cosignature is 72 bytes, not " +
                                   std::to_string(signature.size()));
  }
  std::uint64_t timestamp = 0;
  for (std::size_t i = 0; i < kTimestampSize; ++i) {
    timestamp = timestamp << 8 | static_cast<unsigned char>(signature[i]);
  }
  if (timestamp > static_cast<std::uint64_t>(INT64_MAX)) {
    return Status::InvalidArgument(who + ": a cosignature's time is at most 2^63-1");
  }
  if (Status bad = key_.Verify(CosignedMessage(text, timestamp), signature.substr(kTimestampSize));
      !bad.ok()) {
    return Status::InvalidArgument(who + ": " + bad.message());
  }
  return std::optional<std::uint64_t>(timestamp);
}

Result<NoteSigner> NoteSigner::Create(std::string name, NoteKeyType type,
                                      crypto::Ed25519PrivateKey key) {
  auto verifier = NoteVerifier::Create(std::move(name), type, key.public_key());
  if (!verifier.ok()) return verifier.status();
  return NoteSigner(std::move(key), std::move(verifier).value());
}

Result<NoteSigner> NoteSigner::FromSignerKey(std::string_view signer_key) {
  constexpr std::string_view kPrefix = "PRIVATE+KEY+";
  signer_key = WithoutLineEnd(signer_key);
  if (!signer_key.starts_with(kPrefix)) {
    return Status::InvalidArgument("a signer key starts with PRIVATE+KEY+");
  }
  auto parts = ParseKeyParts(signer_key.substr(kPrefix.size()), "the signer key");
  if (!parts.ok()) return parts.status();
  auto key = crypto::Ed25519PrivateKey::FromSeed(parts->key);
  if (!key.ok()) return key.status();
  auto signer = Create(std::move(parts->name), parts->type, std::move(key).value());
  if (!signer.ok()) return signer.status();
  // The hash is of the public key, which only the seed gives: check it after deriving that key.
  if (signer->key_hash() != parts->key_hash) {
    return Status::InvalidArgument("the signer key's hash " + HashHex(parts->key_hash) +
                                   " is not its key's hash");
  }
  return signer;
}

std::string NoteSigner::SignerKey() const {
  return "PRIVATE+KEY+" + name() + "+" + HashHex(key_hash()) + "+" +
         TypedKeyBase64(type(), key_.seed());
}

std::string NoteSigner::Sign(std::string_view text, std::int64_t unix_seconds) const {
  if (type() == NoteKeyType::kEd25519) return key_.Sign(text);
  if (unix_seconds < 0) throw std::invalid_argument("a cosignature's time is not negative");
  const auto timestamp = static_cast<std::uint64_t>(unix_seconds);
  std::string signature;
  for (int shift = 56; shift >= 0; shift -= 8) {
    signature += static_cast<char>(timestamp >> shift & 0xff);
  }
  return signature + key_.Sign(CosignedMessage(text, timestamp));
}

Result<NoteVerifier> ReadLogVerifierKey(std::string_view flag) {
  constexpr std::size_t kMaxKeyFileBytes = 4096;
  std::string text(flag);
  if (flag.starts_with("@")) {
    auto file = ReadSmallFile(std::string(flag.substr(1)), kMaxKeyFileBytes);
    if (!file.ok()) return Status::InvalidArgument("the log key: " + file.status().message());
    text = std::move(file).value();
  }
  auto key = NoteVerifier::FromVerifierKey(text);
  if (!key.ok()) return Status::InvalidArgument("the log key: " + key.status().message());
  if (key->type() != NoteKeyType::kEd25519) {
    return Status::InvalidArgument("the log key " + key->name() +
                                   " is a witness's (cosignature) key, not a log's (Ed25519)");
  }
  return key;
}

}  // namespace hattama::tlog
