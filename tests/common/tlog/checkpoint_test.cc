#include "common/tlog/checkpoint.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "common/tlog/note.h"

namespace hattama::tlog {
namespace {

// The example of c2sp.org/tlog-checkpoint.
constexpr char kSpecText[] =
    "example.com/behind-the-sofa\n"
    "20852163\n"
    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

TEST(Checkpoint, TheSpecExampleParsesAndFormatsBackToItsText) {
  auto checkpoint = ParseCheckpoint(kSpecText);
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status().message();
  EXPECT_EQ(checkpoint->origin, "example.com/behind-the-sofa");
  EXPECT_EQ(checkpoint->size, 20852163);
  EXPECT_EQ(HashToBase64(checkpoint->root), "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=");
  EXPECT_TRUE(checkpoint->extensions.empty());
  EXPECT_EQ(*FormatCheckpoint(*checkpoint), kSpecText);
}

TEST(Checkpoint, ExtensionLinesAndTheEmptyTreeRoundTrip) {
  const Checkpoint checkpoint{"hattama.example/log", 0, EmptyTreeHash(), {"ext one", "two"}};
  auto text = FormatCheckpoint(checkpoint);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text,
            "hattama.example/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\next one\ntwo\n");
  EXPECT_EQ(*ParseCheckpoint(*text), checkpoint);
}

TEST(Checkpoint, MalformedTextsNameTheirFault) {
  const std::string root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";
  const std::pair<std::string, std::string> kBad[] = {
      {"o\n1\n" + root, "a checkpoint's text ends in a newline"},
      {"o\n1\n", "a checkpoint has at least 3 lines (origin, size, root hash)"},
      {"\n1\n" + root + "\n", "the checkpoint's origin is empty"},
      {"o\n01\n" + root + "\n",
       "the checkpoint's second line \"01\" is not a tree size in decimal"},
      {"o\n-1\n" + root + "\n",
       "the checkpoint's second line \"-1\" is not a tree size in decimal"},
      {"o\n+1\n" + root + "\n",
       "the checkpoint's second line \"+1\" is not a tree size in decimal"},
      {"o\n1 \n" + root + "\n",
       "the checkpoint's second line \"1 \" is not a tree size in decimal"},
      {"o\n99999999999999999999\n" + root + "\n",
       "the checkpoint's second line \"99999999999999999999\" is not a tree size in decimal"},
      {"o\n1\nAAAA\n", "the checkpoint's third line is not a root hash: a hash is 32 bytes, not 3"},
      {"o\n1\n" + root + "\n\n", "the checkpoint's line 4 is an empty extension line"},
  };
  for (const auto& [text, message] : kBad) {
    EXPECT_EQ(ParseCheckpoint(text).status().message(), message) << text;
  }
  EXPECT_FALSE(FormatCheckpoint({"two\nlines", 1, EmptyTreeHash(), {}}).ok());
  EXPECT_FALSE(FormatCheckpoint({"", 1, EmptyTreeHash(), {}}).ok());
  EXPECT_FALSE(FormatCheckpoint({"o", -1, EmptyTreeHash(), {}}).ok());
  EXPECT_FALSE(FormatCheckpoint({"o", 1, EmptyTreeHash(), {""}}).ok());
}

class SignedCheckpoint : public ::testing::Test {
 protected:
  static NoteSigner Signer(const std::string& name) {
    return *NoteSigner::Create(name, NoteKeyType::kEd25519, *crypto::Ed25519PrivateKey::Generate());
  }
  const NoteSigner log_ = Signer("hattama.example/log");
  const Checkpoint checkpoint_{"hattama.example/log", 12, LeafHash("x"), {}};
};

TEST_F(SignedCheckpoint, OpensWithTheLogKeyAndOrigin) {
  auto note = SignCheckpoint(checkpoint_, log_);
  ASSERT_TRUE(note.ok()) << note.status().message();
  EXPECT_EQ(note->rfind(*FormatCheckpoint(checkpoint_) + "\n\xe2\x80\x94 hattama.example/log ", 0),
            0u);
  auto opened = OpenCheckpoint(*note, "hattama.example/log", log_.verifier());
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  EXPECT_EQ(*opened, checkpoint_);
}

TEST_F(SignedCheckpoint, AnotherOriginAnotherKeyOrAChangedSizeIsRejected) {
  const std::string note = *SignCheckpoint(checkpoint_, log_);
  EXPECT_EQ(OpenCheckpoint(note, "other.example/log", log_.verifier()).status().message(),
            "the checkpoint is of the log \"hattama.example/log\", not \"other.example/log\"");
  const NoteSigner impostor = Signer("hattama.example/log");
  EXPECT_FALSE(OpenCheckpoint(note, "hattama.example/log", impostor.verifier()).ok());
  std::string altered = note;
  altered.replace(altered.find("\n12\n"), 4, "\n13\n");
  const auto opened = OpenCheckpoint(altered, "hattama.example/log", log_.verifier());
  char key_hash[9];
  std::snprintf(key_hash, sizeof key_hash, "%08x", log_.key_hash());
  EXPECT_EQ(opened.status().message(),
            std::string("the signature of hattama.example/log+") + key_hash +
                ": the Ed25519 signature does not verify with this public key");
}

}  // namespace
}  // namespace hattama::tlog
