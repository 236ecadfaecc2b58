#include "common/crypto/key_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/crypto/base64.h"
#include "tools/stack/process.h"

namespace hattama::crypto {
namespace {

// RFC 8032 §7.1 TEST 1's key.
constexpr char kPrivateText[] =
    "ed25519-private-key nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=\n";
constexpr char kPublicText[] = "ed25519-public-key 11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n";

TEST(KeyFile, FormatsAndParsesTheDocumentedLines) {
  auto key = ParsePrivateKey(kPrivateText);
  ASSERT_TRUE(key.ok()) << key.status().message();
  EXPECT_EQ(FormatPrivateKey(*key), kPrivateText);
  EXPECT_EQ(FormatPublicKey(key->public_key()), kPublicText);
  auto public_key = ParsePublicKey(kPublicText);
  ASSERT_TRUE(public_key.ok());
  EXPECT_EQ(*public_key, key->public_key());
}

TEST(KeyFile, CommentsBlankLinesAndCrlfAreAllowedAroundTheKeyLine) {
  auto key = ParsePublicKey(
      "# the log key of hattama.example/log\r\n\r\n"
      "ed25519-public-key 11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\r\n");
  ASSERT_TRUE(key.ok()) << key.status().message();
  EXPECT_EQ(FormatPublicKey(*key), kPublicText);
  EXPECT_TRUE(
      ParsePublicKey("ed25519-public-key 11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=").ok());
}

TEST(KeyFile, TextsThatHoldNoSingleKeyOfTheRightKindSayWhy) {
  EXPECT_EQ(ParsePublicKey(kPrivateText).status().message(),
            "expected a line \"ed25519-public-key <base64>\", found one starting "
            "\"ed25519-private-key\"");
  EXPECT_EQ(ParsePrivateKey("# nothing\n").status().message(),
            "a key text holds exactly one line \"ed25519-private-key <base64>\", found 0 "
            "non-comment lines");
  EXPECT_FALSE(ParsePublicKey(std::string(kPublicText) + kPublicText).ok());
  EXPECT_EQ(ParsePublicKey("ed25519-public-key 11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURp=\n")
                .status()
                .message(),
            "ed25519-public-key: base64 text is not canonical (stray bits)");
  EXPECT_EQ(
      ParsePublicKey("ed25519-public-key " + EncodeBase64(std::string(31, 'k'))).status().message(),
      "an Ed25519 public key is 32 bytes, not 31");
  EXPECT_FALSE(ParsePublicKey("ed25519-public-key\n").ok());
}

TEST(KeyFile, APrivateKeyFileIsOwnerOnlyAndNeverOverwritten) {
  const stack::TempDir dir("key_file_test");
  auto key = Ed25519PrivateKey::Generate();
  ASSERT_TRUE(key.ok());
  const std::string path = dir.path() + "/log.key";
  ASSERT_TRUE(WritePrivateKeyFile(path, *key).ok());

  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  auto read = ReadPrivateKeyFile(path);
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(read->seed(), key->seed());

  auto other = Ed25519PrivateKey::Generate();
  ASSERT_TRUE(other.ok());
  const Status again = WritePrivateKeyFile(path, *other);
  EXPECT_EQ(again.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(again.message(), path + " exists; a private key is never overwritten");
  EXPECT_EQ(ReadPrivateKeyFile(path)->seed(), key->seed());
}

TEST(KeyFile, APublicKeyFileRoundTripsAndReadErrorsNameThePath) {
  const stack::TempDir dir("key_file_test");
  auto key = Ed25519PrivateKey::Generate();
  ASSERT_TRUE(key.ok());
  const std::string path = dir.path() + "/log.pub";
  ASSERT_TRUE(WritePublicKeyFile(path, key->public_key()).ok());
  auto read = ReadPublicKeyFile(path);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, key->public_key());

  EXPECT_EQ(ReadPublicKeyFile(dir.path() + "/missing.pub").status().code(), StatusCode::kNotFound);
  const auto wrong_kind = ReadPrivateKeyFile(path);
  EXPECT_EQ(wrong_kind.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(wrong_kind.status().message().rfind(path + ": expected a line", 0), 0u)
      << wrong_kind.status().message();
}

}  // namespace
}  // namespace hattama::crypto
