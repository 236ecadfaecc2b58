#include "common/crypto/ed25519.h"

#include <gtest/gtest.h>

#include "common/base/digest.h"

namespace hattama::crypto {
namespace {

std::string Unhex(std::string_view hex) {
  std::string bytes;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  }
  return bytes;
}

struct Rfc8032Vector {
  const char* seed;
  const char* public_key;
  const char* message;
  const char* signature;
};

// RFC 8032 §7.1, TEST 1, 2 and 3.
constexpr Rfc8032Vector kVectors[] = {
    {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b"
     "4"
     "6bd25bf5f0595bbe24655141438e7a100b"},
    {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11"
     "d"
     "8c387b2eaeb4302aeeb00d291612bb0c00"},
    {"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc"
     "6"
     "594a7c15e9716ed28dc027beceea1ec40a"},
};

TEST(Ed25519, SignsAndVerifiesTheRfc8032Vectors) {
  for (const auto& vector : kVectors) {
    auto key = Ed25519PrivateKey::FromSeed(Unhex(vector.seed));
    ASSERT_TRUE(key.ok()) << key.status().message();
    EXPECT_EQ(Hex(key->public_key().bytes()), vector.public_key);
    EXPECT_EQ(Hex(key->Sign(Unhex(vector.message))), vector.signature);
    auto public_key = Ed25519PublicKey::FromBytes(Unhex(vector.public_key));
    ASSERT_TRUE(public_key.ok());
    EXPECT_TRUE(public_key->Verify(Unhex(vector.message), Unhex(vector.signature)).ok());
  }
}

TEST(Ed25519, AChangedMessageSignatureOrKeyDoesNotVerify) {
  auto key = Ed25519PrivateKey::Generate();
  ASSERT_TRUE(key.ok());
  const std::string message = "station 12 counted 60 votes\n";
  const std::string signature = key->Sign(message);
  ASSERT_TRUE(key->public_key().Verify(message, signature).ok());

  EXPECT_EQ(key->public_key().Verify("station 12 counted 61 votes\n", signature).message(),
            "the Ed25519 signature does not verify with this public key");
  for (std::size_t i = 0; i < signature.size(); ++i) {
    std::string bad = signature;
    bad[i] ^= 0x01;
    EXPECT_FALSE(key->public_key().Verify(message, bad).ok()) << "byte " << i;
  }
  auto other = Ed25519PrivateKey::Generate();
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->public_key(), key->public_key());
  EXPECT_FALSE(other->public_key().Verify(message, signature).ok());
  EXPECT_EQ(key->public_key().Verify(message, signature.substr(1)).message(),
            "an Ed25519 signature is 64 bytes, not 63");
}

TEST(Ed25519, KeysOfTheWrongLengthAreRejectedWithTheirLength) {
  EXPECT_EQ(Ed25519PrivateKey::FromSeed(std::string(31, 'x')).status().message(),
            "an Ed25519 private key (seed) is 32 bytes, not 31");
  EXPECT_EQ(Ed25519PublicKey::FromBytes(std::string(33, 'x')).status().message(),
            "an Ed25519 public key is 32 bytes, not 33");
}

TEST(Ed25519, AKeyRoundTripsThroughItsSeed) {
  auto key = Ed25519PrivateKey::Generate();
  ASSERT_TRUE(key.ok());
  ASSERT_EQ(key->seed().size(), kEd25519SeedSize);
  auto again = Ed25519PrivateKey::FromSeed(key->seed());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->public_key(), key->public_key());
  EXPECT_EQ(again->Sign("x"), key->Sign("x"));
}

}  // namespace
}  // namespace hattama::crypto
