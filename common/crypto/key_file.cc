#include "common/crypto/key_file.h"

#include "common/base/files.h"
#include "common/crypto/base64.h"

namespace hattama::crypto {
namespace {

constexpr std::string_view kPrivateLabel = "ed25519-private-key";
constexpr std::string_view kPublicLabel = "ed25519-public-key";

std::string FormatKey(std::string_view label, std::string_view bytes) {
  return std::string(label) + " " + EncodeBase64(bytes) + "\n";
}

// The raw key bytes on the one key line of `text`, checked to carry `label`.
Result<std::string> ParseKeyBytes(std::string_view text, std::string_view label) {
  std::string_view key_line;
  int key_lines = 0;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    key_line = line;
    ++key_lines;
  }
  if (key_lines != 1) {
    return Status::InvalidArgument("a key text holds exactly one line \"" + std::string(label) +
                                   " <base64>\", found " + std::to_string(key_lines) +
                                   " non-comment lines");
  }
  const std::size_t space = key_line.find(' ');
  const std::string_view found = key_line.substr(0, space);
  if (found != label || space == std::string_view::npos) {
    return Status::InvalidArgument("expected a line \"" + std::string(label) +
                                   " <base64>\", found one starting \"" +
                                   std::string(found.substr(0, 40)) + "\"");
  }
  auto bytes = DecodeBase64(key_line.substr(space + 1));
  if (!bytes.ok())
    return Status::InvalidArgument(std::string(label) + ": " + bytes.status().message());
  return bytes;
}

// Key files are a line long; the cap keeps a wrong path (a log, a device) from being read whole.
constexpr std::size_t kMaxKeyFileSize = std::size_t{64} * 1024;

Result<std::string> ReadKeyText(const std::string& path) {
  auto text = ReadSmallFile(path, kMaxKeyFileSize);
  if (text.status().IsNotFound()) return Status::NotFound("no key file " + path);
  if (text.status().code() == StatusCode::kResourceExhausted) {
    return Status::InvalidArgument(path + " is larger than a key file can be (64 KiB)");
  }
  return text;
}

template <typename Key>
Result<Key> ReadKeyFile(const std::string& path, Result<Key> (*parse)(std::string_view)) {
  auto text = ReadKeyText(path);
  if (!text.ok()) return text.status();
  auto key = parse(*text);
  if (!key.ok()) return Status::InvalidArgument(path + ": " + key.status().message());
  return key;
}

}  // namespace

std::string FormatPrivateKey(const Ed25519PrivateKey& key) {
  return FormatKey(kPrivateLabel, key.seed());
}

std::string FormatPublicKey(const Ed25519PublicKey& key) {
  return FormatKey(kPublicLabel, key.bytes());
}

Result<Ed25519PrivateKey> ParsePrivateKey(std::string_view text) {
  auto seed = ParseKeyBytes(text, kPrivateLabel);
  if (!seed.ok()) return seed.status();
  return Ed25519PrivateKey::FromSeed(*seed);
}

Result<Ed25519PublicKey> ParsePublicKey(std::string_view text) {
  auto bytes = ParseKeyBytes(text, kPublicLabel);
  if (!bytes.ok()) return bytes.status();
  return Ed25519PublicKey::FromBytes(*bytes);
}

Status WritePrivateKeyFile(const std::string& path, const Ed25519PrivateKey& key) {
  Status written = WriteNewFile(path, FormatPrivateKey(key), {.mode = 0600});
  if (written.code() == StatusCode::kFailedPrecondition) {
    return Status::FailedPrecondition(path + " exists; a private key is never overwritten");
  }
  return written;
}

Status WritePublicKeyFile(const std::string& path, const Ed25519PublicKey& key) {
  return WriteFileAtomically(path, FormatPublicKey(key));
}

Result<Ed25519PrivateKey> ReadPrivateKeyFile(const std::string& path) {
  return ReadKeyFile<Ed25519PrivateKey>(path, &ParsePrivateKey);
}

Result<Ed25519PublicKey> ReadPublicKeyFile(const std::string& path) {
  return ReadKeyFile<Ed25519PublicKey>(path, &ParsePublicKey);
}

}  // namespace hattama::crypto
