#include "common/base/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace hattama {
namespace {

Status Failed(const std::string& what, const std::string& path, int error) {
  return Status::Unavailable("cannot " + what + " " + path + ": " + std::strerror(error));
}

// Writes `text` to a new temporary file for `path` as `options` say; returns its name.
Result<std::string> WriteTemporary(const std::string& path, std::string_view text,
                                   const FileWriteOptions& options) {
  std::string temporary =
      options.temp_dir.empty() ? path + ".tmp-XXXXXX" : options.temp_dir + "/XXXXXX";
  const int fd = ::mkstemp(temporary.data());
  if (fd < 0) return Failed("create a temporary file for", path, errno);
  // mkstemp creates 0600; fchmod sets the mode asked for, whatever the umask.
  bool ok = ::fchmod(fd, options.mode) == 0;
  for (std::size_t done = 0; ok && done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  ok = ok && (!options.sync || ::fsync(fd) == 0);
  const int error = errno;
  ::close(fd);
  if (!ok) {
    ::unlink(temporary.c_str());
    return Failed("write", temporary, error);
  }
  return temporary;
}

}  // namespace

Result<std::string> ReadSmallFile(const std::string& path, std::size_t max_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound("no file " + path);
    return Failed("open", path, errno);
  }
  std::string text(max_bytes + 1, '\0');
  std::size_t got = 0;
  ssize_t n = 0;
  while (got < text.size()) {
    n = ::read(fd, text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  const int error = errno;
  ::close(fd);
  if (n < 0) return Failed("read", path, error);
  if (got > max_bytes) {
    return Status::ResourceExhausted(path + " is larger than " + std::to_string(max_bytes) +
                                     " bytes");
  }
  text.resize(got);
  return text;
}

Status WriteFileAtomically(const std::string& path, std::string_view text,
                           const FileWriteOptions& options) {
  auto temporary = WriteTemporary(path, text, options);
  if (!temporary.ok()) return temporary.status();
  if (::rename(temporary->c_str(), path.c_str()) != 0) {
    const Status failed = Failed("rename a temporary file to", path, errno);
    ::unlink(temporary->c_str());
    return failed;
  }
  return Status::Ok();
}

Status WriteNewFile(const std::string& path, std::string_view text,
                    const FileWriteOptions& options) {
  auto temporary = WriteTemporary(path, text, options);
  if (!temporary.ok()) return temporary.status();
  // link() fails with EEXIST rather than replace: the check and the creation are one step.
  const int linked = ::link(temporary->c_str(), path.c_str());
  const int error = errno;
  ::unlink(temporary->c_str());
  if (linked != 0) {
    if (error == EEXIST) return Status::FailedPrecondition(path + " exists; it is not replaced");
    return Failed("create", path, error);
  }
  return Status::Ok();
}

}  // namespace hattama
