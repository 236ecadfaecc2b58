#include "services/tlog/log_key.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/crypto/ed25519.h"

namespace hattama::transparency {
namespace {

// A key file is one line; anything longer is not one (a wrong path), and is not read whole.
constexpr std::size_t kMaxKeyFileBytes = 4096;

// Writes `text` to `path` with `mode`; with `exclusive`, only as a new file.
Status WriteKeyFile(const std::string& path, const std::string& text, mode_t mode, bool exclusive) {
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (exclusive ? O_EXCL : O_TRUNC);
  const int fd = ::open(path.c_str(), flags, mode);
  if (fd < 0) {
    if (errno == EEXIST) {
      return Status::FailedPrecondition(path + " exists; a log key is never overwritten");
    }
    return Status::Unavailable("cannot create " + path + ": " + std::strerror(errno));
  }
  // open() applies `mode` through the umask, and not at all to an existing file.
  bool ok = ::fchmod(fd, mode) == 0;
  for (std::size_t done = 0; ok && done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  const int error = errno;
  ::close(fd);
  if (!ok) return Status::Unavailable("cannot write " + path + ": " + std::strerror(error));
  return Status::Ok();
}

}  // namespace

Result<std::string> GenerateLogKey(const std::string& path, const std::string& origin) {
  auto key = crypto::Ed25519PrivateKey::Generate();
  if (!key.ok()) return key.status();
  auto signer = tlog::NoteSigner::Create(origin, tlog::NoteKeyType::kEd25519, *key);
  if (!signer.ok())
    return Status::InvalidArgument("origin " + origin + ": " + signer.status().message());
  if (Status status = WriteKeyFile(path, signer->SignerKey() + "\n", 0600, true); !status.ok()) {
    return status;
  }
  const std::string verifier = signer->verifier().VerifierKey();
  if (Status status = WriteKeyFile(path + ".pub", verifier + "\n", 0644, false); !status.ok()) {
    return status;
  }
  return verifier;
}

Result<tlog::NoteSigner> ReadLogKey(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound("no log key file " + path);
    return Status::Unavailable("cannot open " + path + ": " + std::strerror(errno));
  }
  std::string text(kMaxKeyFileBytes + 1, '\0');
  std::size_t got = 0;
  while (got < text.size()) {
    const ssize_t n = ::read(fd, text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (got > kMaxKeyFileBytes) {
    return Status::InvalidArgument(path + " is larger than a log key file can be");
  }
  text.resize(got);
  auto signer = tlog::NoteSigner::FromSignerKey(text);
  if (!signer.ok()) return Status::InvalidArgument(path + ": " + signer.status().message());
  if (signer->type() != tlog::NoteKeyType::kEd25519) {
    return Status::InvalidArgument(path + " holds a cosigner's key, not a log key (type 0x01)");
  }
  return signer;
}

}  // namespace hattama::transparency
