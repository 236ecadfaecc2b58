#include "common/crypto/ed25519.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <stdexcept>

namespace hattama::crypto {
namespace {

const unsigned char* Bytes(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

std::shared_ptr<EVP_PKEY> Own(EVP_PKEY* key) { return {key, EVP_PKEY_free}; }

struct DigestContextFree {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
using DigestContext = std::unique_ptr<EVP_MD_CTX, DigestContextFree>;

// OpenSSL failing on a well-formed key means memory ran out or the library is broken: a bug or an
// environment fault no caller can handle, so an exception (STYLE.md: exceptions only for bugs).
[[noreturn]] void OpenSslFailed(const char* what) {
  throw std::runtime_error(std::string("OpenSSL failed: ") + what);
}

}  // namespace

Result<Ed25519PublicKey> Ed25519PublicKey::FromBytes(std::string_view bytes) {
  if (bytes.size() != kEd25519PublicKeySize) {
    return Status::InvalidArgument("an Ed25519 public key is 32 bytes, not " +
                                   std::to_string(bytes.size()));
  }
  EVP_PKEY* key =
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, Bytes(bytes), bytes.size());
  if (key == nullptr) return Status::InvalidArgument("OpenSSL rejected the Ed25519 public key");
  return Ed25519PublicKey(std::string(bytes), Own(key));
}

Status Ed25519PublicKey::Verify(std::string_view message, std::string_view signature) const {
  if (signature.size() != kEd25519SignatureSize) {
    return Status::InvalidArgument("an Ed25519 signature is 64 bytes, not " +
                                   std::to_string(signature.size()));
  }
  DigestContext context(EVP_MD_CTX_new());
  if (!context || EVP_DigestVerifyInit(context.get(), nullptr, nullptr, nullptr, key_.get()) != 1) {
    OpenSslFailed("EVP_DigestVerifyInit");
  }
  if (EVP_DigestVerify(context.get(), Bytes(signature), signature.size(), Bytes(message),
                       message.size()) != 1) {
    return Status::InvalidArgument("the Ed25519 signature does not verify with this public key");
  }
  return Status::Ok();
}

Result<Ed25519PrivateKey> Ed25519PrivateKey::Generate() {
  std::array<unsigned char, kEd25519SeedSize> seed;
  if (RAND_priv_bytes(seed.data(), seed.size()) != 1) {
    return Status::Unavailable("no random bytes for a new Ed25519 key (OpenSSL RAND_priv_bytes)");
  }
  auto key = FromSeed(std::string_view(reinterpret_cast<const char*>(seed.data()), seed.size()));
  OPENSSL_cleanse(seed.data(), seed.size());
  return key;
}

Result<Ed25519PrivateKey> Ed25519PrivateKey::FromSeed(std::string_view seed) {
  if (seed.size() != kEd25519SeedSize) {
    return Status::InvalidArgument("an Ed25519 private key (seed) is 32 bytes, not " +
                                   std::to_string(seed.size()));
  }
  EVP_PKEY* raw = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, Bytes(seed), seed.size());
  if (raw == nullptr) OpenSslFailed("EVP_PKEY_new_raw_private_key");
  std::shared_ptr<EVP_PKEY> key = Own(raw);
  std::array<unsigned char, kEd25519PublicKeySize> public_bytes;
  std::size_t length = public_bytes.size();
  if (EVP_PKEY_get_raw_public_key(key.get(), public_bytes.data(), &length) != 1) {
    OpenSslFailed("EVP_PKEY_get_raw_public_key");
  }
  auto public_key = Ed25519PublicKey::FromBytes(
      std::string_view(reinterpret_cast<const char*>(public_bytes.data()), length));
  if (!public_key.ok()) OpenSslFailed("derived an invalid public key");
  return Ed25519PrivateKey(std::move(key), std::move(public_key).value());
}

std::string Ed25519PrivateKey::seed() const {
  std::string seed(kEd25519SeedSize, '\0');
  std::size_t length = seed.size();
  if (EVP_PKEY_get_raw_private_key(key_.get(), reinterpret_cast<unsigned char*>(seed.data()),
                                   &length) != 1 ||
      length != kEd25519SeedSize) {
    OpenSslFailed("EVP_PKEY_get_raw_private_key");
  }
  return seed;
}

std::string Ed25519PrivateKey::Sign(std::string_view message) const {
  DigestContext context(EVP_MD_CTX_new());
  if (!context || EVP_DigestSignInit(context.get(), nullptr, nullptr, nullptr, key_.get()) != 1) {
    OpenSslFailed("EVP_DigestSignInit");
  }
  std::string signature(kEd25519SignatureSize, '\0');
  std::size_t length = signature.size();
  if (EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     Bytes(message), message.size()) != 1 ||
      length != kEd25519SignatureSize) {
    OpenSslFailed("EVP_DigestSign");
  }
  return signature;
}

}  // namespace hattama::crypto
