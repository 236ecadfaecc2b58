#include "common/crypto/key_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

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

Status WriteNewFile(const std::string& path, const std::string& text, mode_t mode, int flags) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | flags, mode);
  if (fd < 0) {
    if (errno == EEXIST) {
      return Status::FailedPrecondition(path + " exists; a private key is never overwritten");
    }
    return Status::Unavailable("cannot create " + path + ": " + std::strerror(errno));
  }
  // The mode given to open() applies only to a new file and is masked by the umask; set it.
  bool ok = ::fchmod(fd, mode) == 0;
  std::size_t written = 0;
  while (ok && written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) written += static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  const int saved_errno = errno;
  ::close(fd);
  if (!ok) return Status::Unavailable("cannot write " + path + ": " + std::strerror(saved_errno));
  return Status::Ok();
}

// Key files are a line long; the cap keeps a wrong path (a log, a device) from being read whole.
constexpr std::size_t kMaxKeyFileSize = std::size_t{64} * 1024;

Result<std::string> ReadSmallFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound("no key file " + path);
    return Status::Unavailable("cannot open " + path + ": " + std::strerror(errno));
  }
  std::string text;
  char buffer[4096];
  ssize_t n = 0;
  while (text.size() <= kMaxKeyFileSize && (n = ::read(fd, buffer, sizeof buffer)) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  const int saved_errno = errno;
  ::close(fd);
  if (n < 0) return Status::Unavailable("cannot read " + path + ": " + std::strerror(saved_errno));
  if (text.size() > kMaxKeyFileSize) {
    return Status::InvalidArgument(path + " is larger than a key file can be (64 KiB)");
  }
  return text;
}

template <typename Key>
Result<Key> ReadKeyFile(const std::string& path, Result<Key> (*parse)(std::string_view)) {
  auto text = ReadSmallFile(path);
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
  return WriteNewFile(path, FormatPrivateKey(key), 0600, O_EXCL);
}

Status WritePublicKeyFile(const std::string& path, const Ed25519PublicKey& key) {
  return WriteNewFile(path, FormatPublicKey(key), 0644, O_TRUNC);
}

Result<Ed25519PrivateKey> ReadPrivateKeyFile(const std::string& path) {
  return ReadKeyFile<Ed25519PrivateKey>(path, &ParsePrivateKey);
}

Result<Ed25519PublicKey> ReadPublicKeyFile(const std::string& path) {
  return ReadKeyFile<Ed25519PublicKey>(path, &ParsePublicKey);
}

}  // namespace hattama::crypto
