// Ed25519 (RFC 8032, "pure" Ed25519 without prehashing), through OpenSSL 3.
//
// Byte forms, as RFC 8032 §5.1.5 and §5.1.6 define them:
//   private key  the 32-byte seed k (RFC 8032's "secret key"); the signing scalar and prefix are
//                derived from SHA-512(k). Go's ed25519.NewKeyFromSeed takes the same 32 bytes.
//   public key   the 32-byte encoding of the point A.
//   signature    64 bytes, R || S.
// The text and file forms of keys are in key_file.h.
//
// Thread-safety: both key classes are immutable values; one key may sign or verify from many
// threads at once.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "common/base/result.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace hattama::crypto {

inline constexpr std::size_t kEd25519SeedSize = 32;
inline constexpr std::size_t kEd25519PublicKeySize = 32;
inline constexpr std::size_t kEd25519SignatureSize = 64;

class Ed25519PublicKey {
 public:
  // The key whose 32-byte encoding is `bytes`, or InvalidArgument if it has another length. (A
  // string of 32 bytes that is not a point on the curve is accepted here and verifies nothing.)
  static Result<Ed25519PublicKey> FromBytes(std::string_view bytes);

  // The 32 raw bytes.
  const std::string& bytes() const { return bytes_; }

  // Ok when `signature` is this key's valid signature of `message`; InvalidArgument saying what is
  // wrong otherwise (its length, or that it does not verify).
  Status Verify(std::string_view message, std::string_view signature) const;

  friend bool operator==(const Ed25519PublicKey& a, const Ed25519PublicKey& b) {
    return a.bytes_ == b.bytes_;
  }

 private:
  Ed25519PublicKey(std::string bytes, std::shared_ptr<EVP_PKEY> key)
      : bytes_(std::move(bytes)), key_(std::move(key)) {}
  std::string bytes_;
  std::shared_ptr<EVP_PKEY> key_;
};

class Ed25519PrivateKey {
 public:
  // A new key from the operating system's random source (OpenSSL's RAND_priv_bytes); Unavailable
  // if that fails.
  static Result<Ed25519PrivateKey> Generate();
  // The key whose 32-byte seed is `seed`, or InvalidArgument if it has another length.
  static Result<Ed25519PrivateKey> FromSeed(std::string_view seed);

  // The 32-byte seed: the secret. Whoever holds it can sign as this key.
  std::string seed() const;
  const Ed25519PublicKey& public_key() const { return public_key_; }

  // The 64-byte signature of `message`. Ed25519 signing is deterministic: the same key and
  // message give the same signature.
  std::string Sign(std::string_view message) const;

 private:
  Ed25519PrivateKey(std::shared_ptr<EVP_PKEY> key, Ed25519PublicKey public_key)
      : key_(std::move(key)), public_key_(std::move(public_key)) {}
  std::shared_ptr<EVP_PKEY> key_;
  Ed25519PublicKey public_key_;
};

}  // namespace hattama::crypto
