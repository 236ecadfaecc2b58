#include "tools/hub/desk/photo_store.h"

#include <fmt/format.h>

#include <filesystem>

#include "common/base/digest.h"
#include "common/base/files.h"

namespace hattama::desk {

std::string PhotoStore::ContentType(std::string_view image) {
  if (image.starts_with("\xFF\xD8\xFF")) return "image/jpeg";
  if (image.starts_with("\x89PNG\r\n\x1A\n")) return "image/png";
  return "";
}

std::string PhotoStore::PathOf(const std::string& sha256_hex) const {
  return fmt::format("{}/{}/{}", dir_, sha256_hex.substr(0, 2), sha256_hex);
}

Result<StoredPhoto> PhotoStore::Put(std::string_view image) const {
  if (static_cast<int64_t>(image.size()) > max_bytes_) {
    return Status::ResourceExhausted(
        fmt::format("the photo is {} bytes, more than the desk's limit of {} (--max-photo-bytes)",
                    image.size(), max_bytes_));
  }
  StoredPhoto photo{.sha256_hex = Hex(Sha256(image)),
                    .content_type = ContentType(image),
                    .bytes = static_cast<int64_t>(image.size())};
  if (photo.content_type.empty()) {
    return Status::InvalidArgument("the file is neither a JPEG nor a PNG image");
  }
  const std::string path = PathOf(photo.sha256_hex);
  std::error_code error;
  if (std::filesystem::exists(path, error)) return photo;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), error);
  if (error) return Status::Unavailable(fmt::format("cannot create {}: {}", path, error.message()));
  if (Status s = WriteFileAtomically(path, image, {.mode = 0644}); !s.ok()) return s;
  return photo;
}

Result<std::string> PhotoStore::Get(const std::string& sha256_hex) const {
  if (sha256_hex.size() != 64 ||
      sha256_hex.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return Status::NotFound("no such photo");
  }
  return ReadSmallFile(PathOf(sha256_hex), static_cast<size_t>(max_bytes_));
}

}  // namespace hattama::desk
