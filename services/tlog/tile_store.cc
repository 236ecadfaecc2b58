#include "services/tlog/tile_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/base/files.h"

namespace hattama::transparency {
namespace {

namespace fs = std::filesystem;

constexpr char kTempDir[] = ".tmp";

Status Unavailable(const std::string& what, const std::string& path, int error) {
  return Status::Unavailable("cannot " + what + " " + path + ": " + std::strerror(error));
}

}  // namespace

Result<std::unique_ptr<TileStore>> TileStore::Open(const std::string& dir) {
  std::error_code error;
  fs::create_directories(fs::path(dir) / kTempDir, error);
  if (error) {
    return Status::Unavailable("cannot create the tiles directory " + dir + ": " + error.message());
  }
  return std::unique_ptr<TileStore>(new TileStore(dir));
}

std::string TileStore::FullPath(std::string_view path) const {
  return dir_ + "/" + std::string(path);
}

Status TileStore::WriteAtomically(const std::string& full_path, std::string_view data) {
  std::error_code error;
  fs::create_directories(fs::path(full_path).parent_path(), error);
  if (error) {
    return Status::Unavailable("cannot create the directory of " + full_path + ": " +
                               error.message());
  }
  // Not synced: the tiles are rebuilt from the log's topic, so a power loss costs a rewrite.
  return WriteFileAtomically(full_path, data, {.sync = false, .temp_dir = dir_ + "/" + kTempDir});
}

Result<TileStore::Written> TileStore::WriteImmutable(std::string_view path, std::string_view data) {
  auto existing = Read(path);
  if (existing.ok() && *existing == data) return Written::kUnchanged;
  if (!existing.ok() && !existing.status().IsNotFound()) return existing.status();
  if (Status status = WriteAtomically(FullPath(path), data); !status.ok()) return status;
  return existing.ok() ? Written::kReplaced : Written::kNew;
}

Status TileStore::WriteMutable(std::string_view path, std::string_view data) {
  return WriteAtomically(FullPath(path), data);
}

Status TileStore::RemovePartials(const tlog::Tile& tile, bool entry_bundle) {
  const std::string path = entry_bundle ? tlog::EntryBundlePath(tile) : tlog::TilePath(tile);
  std::error_code error;
  fs::remove_all(FullPath(path) + ".p", error);
  if (error) {
    return Status::Unavailable("cannot remove the partial tiles of " + path + ": " +
                               error.message());
  }
  return Status::Ok();
}

Status TileStore::Remove(std::string_view path) {
  std::error_code error;
  fs::remove(FullPath(path), error);
  if (error) return Status::Unavailable("cannot remove " + FullPath(path) + ": " + error.message());
  return Status::Ok();
}

Result<std::string> TileStore::Read(std::string_view path) const {
  const std::string full = FullPath(path);
  const int fd = ::open(full.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR)
      return Status::NotFound("no file " + std::string(path));
    return Unavailable("open", full, errno);
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    return Status::NotFound("no file " + std::string(path));
  }
  std::string bytes(static_cast<std::size_t>(info.st_size), '\0');
  std::size_t got = 0;
  while (got < bytes.size()) {
    const ssize_t n = ::read(fd, bytes.data() + got, bytes.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      ::close(fd);
      return Unavailable("read", full, error);
    }
    if (n == 0) break;  // Files are replaced by rename, never cut short; a short read is the end.
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  bytes.resize(got);
  return bytes;
}

}  // namespace hattama::transparency
