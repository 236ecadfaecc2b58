// Protocol photos on the desk's disk, content-addressed: DATA/photos/<first two hex>/<sha256 hex>
// (written whole or not at all), so that a photo is stored once however often it is uploaded and
// its name is the SHA-256 a submission's photo_sha256 carries, which anyone holding the photo can
// recompute. Only JPEG and PNG are taken (by their first bytes, whatever the upload claims), up to
// a size limit.
//
// Thread-safety: stateless beyond its directory; safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/base/result.h"

namespace hattama::desk {

// The default of hattama-hub desk --max-photo-bytes: a phone's photo of a page is 2-6 MB.
inline constexpr int64_t kDefaultMaxPhotoBytes = 12 << 20;

struct StoredPhoto {
  std::string sha256_hex;
  // "image/jpeg" or "image/png".
  std::string content_type;
  int64_t bytes = 0;
};

class PhotoStore {
 public:
  PhotoStore(std::string dir, int64_t max_bytes) : dir_(std::move(dir)), max_bytes_(max_bytes) {}

  // The image's type by its magic bytes; empty when it is neither JPEG nor PNG.
  static std::string ContentType(std::string_view image);

  // Checks and writes `image`: InvalidArgument when it is no JPEG or PNG, ResourceExhausted when
  // larger than the limit. Writing an image stored already changes nothing.
  Result<StoredPhoto> Put(std::string_view image) const;
  // The bytes of a stored photo; NotFound without one.
  Result<std::string> Get(const std::string& sha256_hex) const;
  int64_t max_bytes() const { return max_bytes_; }

 private:
  std::string PathOf(const std::string& sha256_hex) const;
  std::string dir_;
  int64_t max_bytes_;
};

}  // namespace hattama::desk
