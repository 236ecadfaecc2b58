#include "common/crypto/base64.h"

#include <gtest/gtest.h>

namespace hattama::crypto {
namespace {

// RFC 4648 §10's test vectors.
TEST(Base64, EncodesTheRfc4648Vectors) {
  EXPECT_EQ(EncodeBase64(""), "");
  EXPECT_EQ(EncodeBase64("f"), "Zg==");
  EXPECT_EQ(EncodeBase64("fo"), "Zm8=");
  EXPECT_EQ(EncodeBase64("foo"), "Zm9v");
  EXPECT_EQ(EncodeBase64("foob"), "Zm9vYg==");
  EXPECT_EQ(EncodeBase64("fooba"), "Zm9vYmE=");
  EXPECT_EQ(EncodeBase64("foobar"), "Zm9vYmFy");
}

TEST(Base64, DecodesWhatItEncodesForEveryByteAndLength) {
  std::string bytes;
  for (int i = 0; i < 300; ++i) {
    auto decoded = DecodeBase64(EncodeBase64(bytes));
    ASSERT_TRUE(decoded.ok()) << decoded.status().message();
    ASSERT_EQ(*decoded, bytes);
    bytes += static_cast<char>(i * 37 + 11);
  }
  EXPECT_EQ(EncodeBase64("\xfb\xff\xbf"), "+/+/");
}

TEST(Base64, RejectsTextThatIsNotCanonicalBase64) {
  for (const char* bad : {"Zg", "Zg=", "Zm9", "Z===", "====", "Zg==Zg==", "Zm 9v", "Zm9v\n", "Zm9-",
                          "Zm9_", "Zh==", "Zm9=", "=Zm9"}) {
    EXPECT_FALSE(DecodeBase64(bad).ok()) << bad;
  }
  EXPECT_EQ(DecodeBase64("Zh==").status().message(), "base64 text is not canonical (stray bits)");
}

}  // namespace
}  // namespace hattama::crypto
