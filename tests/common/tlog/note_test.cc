#include "common/tlog/note.h"

#include <gtest/gtest.h>

#include <fstream>

#include "common/base/digest.h"
#include "common/crypto/base64.h"

namespace hattama::tlog {
namespace {

// The keys and note of Go's golang.org/x/mod/sumdb/note documentation and tests.
constexpr char kPeterSigner[] =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
constexpr char kPeterVerifier[] =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
constexpr char kEnochVerifier[] = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
constexpr char kText[] =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
constexpr char kPeterSignature[] =
    "\xe2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/"
    "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
constexpr char kEnochSignature[] =
    "\xe2\x80\x94 EnochRoot "
    "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/"
    "5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

NoteVerifier Verifier(const char* key) { return *NoteVerifier::FromVerifierKey(key); }

NoteSigner NewSigner(const std::string& name, NoteKeyType type = NoteKeyType::kEd25519) {
  return *NoteSigner::Create(name, type, *crypto::Ed25519PrivateKey::Generate());
}

std::string Sign(const std::string& text, const NoteSigner& signer,
                 std::optional<std::int64_t> time = std::nullopt) {
  return *SignNote(Note{text, {}, {}}, std::span(&signer, 1), time);
}

TEST(NoteKey, GoDocumentationKeysParseAndFormatBack) {
  auto signer = NoteSigner::FromSignerKey(kPeterSigner);
  ASSERT_TRUE(signer.ok()) << signer.status().message();
  EXPECT_EQ(signer->name(), "PeterNeumann");
  EXPECT_EQ(signer->key_hash(), 0xc74f20a3u);
  EXPECT_EQ(signer->SignerKey(), kPeterSigner);
  EXPECT_EQ(signer->verifier().VerifierKey(), kPeterVerifier);
  auto verifier = NoteVerifier::FromVerifierKey(kPeterVerifier);
  ASSERT_TRUE(verifier.ok()) << verifier.status().message();
  EXPECT_EQ(verifier->public_key(), signer->verifier().public_key());
  // As read from a file.
  EXPECT_TRUE(NoteVerifier::FromVerifierKey(std::string(kPeterVerifier) + "\n").ok());
  EXPECT_TRUE(NoteSigner::FromSignerKey(std::string(kPeterSigner) + "\r\n").ok());
  EXPECT_FALSE(NoteSigner::FromSignerKey(std::string(kPeterSigner) + "\n\n").ok());
}

// As Go's TestNewVerifier and TestNewSigner: every substring and every one-byte increment of a
// key is refused.
TEST(NoteKey, EveryManglingOfAKeyIsRefused) {
  for (const std::string& key : {std::string(kPeterVerifier), std::string(kPeterSigner)}) {
    const bool is_signer = key.starts_with("PRIVATE");
    const auto parses = [&](const std::string& text) {
      return is_signer ? NoteSigner::FromSignerKey(text).ok()
                       : NoteVerifier::FromVerifierKey(text).ok();
    };
    for (std::size_t i = 0; i <= key.size(); ++i) {
      for (std::size_t j = i + 1; j <= key.size(); ++j) {
        if (i == 0 && j == key.size()) continue;
        ASSERT_FALSE(parses(key.substr(i, j - i))) << key.substr(i, j - i);
      }
    }
    for (std::size_t i = 0; i < key.size(); ++i) {
      std::string changed = key;
      ++changed[i];
      ASSERT_FALSE(parses(changed)) << changed;
    }
  }
}

TEST(NoteKey, KeyErrorsSayWhatIsWrong) {
  EXPECT_EQ(NoteVerifier::FromVerifierKey("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/"
                                          "LDE4izWy10TW")
                .status()
                .message(),
            "the verifier key's hash c74f20a4 is not its key's hash c74f20a3");
  // Go's test keys: a wrong length and an unknown algorithm, each with a matching key hash. (The
  // first is refused before its length is seen: "…EY==" leaves stray bits, which Go's decoder
  // ignores and base64.h does not.)
  EXPECT_EQ(NoteVerifier::FromVerifierKey(
                "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==")
                .status()
                .message(),
            "the verifier key has a key that is not base64");
  EXPECT_EQ(NoteVerifier::FromVerifierKey(
                "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWQkFES1k=")
                .status()
                .message(),
            "the verifier key has a key of 37 bytes, not 32");
  EXPECT_EQ(NoteVerifier::FromVerifierKey(
                "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
                .status()
                .message(),
            "the verifier key has the unknown signature type 101");
  EXPECT_EQ(NoteVerifier::FromVerifierKey("Peter Neumann+c74f20a3+AA==").status().message(),
            "the verifier key has an invalid name (empty, or with a space or '+')");
  EXPECT_EQ(NoteSigner::FromSignerKey(kPeterVerifier).status().message(),
            "a signer key starts with PRIVATE+KEY+");
  EXPECT_FALSE(NoteSigner::Create("a\xc2\xa0"
                                  "b",
                                  NoteKeyType::kEd25519,  // NO-BREAK SPACE
                                  *crypto::Ed25519PrivateKey::Generate())
                   .ok());
  EXPECT_FALSE(
      NoteSigner::Create("a\xff", NoteKeyType::kEd25519, *crypto::Ed25519PrivateKey::Generate())
          .ok());
}

TEST(NoteKey, TheKeyHashIsTheSpecsSha256Prefix) {
  const NoteSigner signer = NewSigner("witness.example/w1", NoteKeyType::kCosignatureV1);
  const std::string digest =
      Sha256("witness.example/w1\n\x04" + signer.verifier().public_key().bytes());
  EXPECT_EQ(signer.key_hash(),
            static_cast<std::uint32_t>(static_cast<unsigned char>(digest[0]) << 24 |
                                       static_cast<unsigned char>(digest[1]) << 16 |
                                       static_cast<unsigned char>(digest[2]) << 8 |
                                       static_cast<unsigned char>(digest[3])));
  // The same key as an Ed25519 note key has another hash: the type byte is hashed.
  EXPECT_NE(
      NoteKeyHash("witness.example/w1", NoteKeyType::kEd25519, signer.verifier().public_key()),
      signer.key_hash());
  auto again = NoteSigner::FromSignerKey(signer.SignerKey());
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->type(), NoteKeyType::kCosignatureV1);
  const std::string signer_key = again->SignerKey();
  // PRIVATE+KEY+<name>+<8 hex digits>+<base64, which may hold '+' itself>
  const std::size_t key_start = std::string("PRIVATE+KEY+witness.example/w1+01234567+").size();
  EXPECT_EQ(crypto::DecodeBase64(signer_key.substr(key_start))->front(), '\x04');
}

TEST(NoteKey, ALogKeyIsReadFromTheFlagOrAFileAndMustBeALogs) {
  const NoteSigner log = NewSigner("hattama.example/log");
  const std::string key = log.verifier().VerifierKey();
  auto inline_key = ReadLogVerifierKey(key);
  ASSERT_TRUE(inline_key.ok()) << inline_key.status().message();
  EXPECT_EQ(inline_key->VerifierKey(), key);

  const std::string path = ::testing::TempDir() + "/log.pub";
  {
    std::ofstream file(path);
    file << key << "\n";  // as a Secret or `keygen` writes it
  }
  auto from_file = ReadLogVerifierKey("@" + path);
  ASSERT_TRUE(from_file.ok()) << from_file.status().message();
  EXPECT_EQ(from_file->VerifierKey(), key);

  {
    std::ofstream file(path);
    file << std::string(5000, 'k');
  }
  EXPECT_FALSE(ReadLogVerifierKey("@" + path).ok());  // bounded: no key is 5,000 bytes
  EXPECT_FALSE(ReadLogVerifierKey("@" + path + ".missing").ok());
  EXPECT_FALSE(ReadLogVerifierKey("not a key").ok());

  const NoteSigner witness = NewSigner("witness.example/w1", NoteKeyType::kCosignatureV1);
  auto refused = ReadLogVerifierKey(witness.verifier().VerifierKey());
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("witness"), std::string::npos)
      << refused.status().message();
}

TEST(Note, SigningTheGoExampleGivesGosSignatureLine) {
  const NoteSigner signer = *NoteSigner::FromSignerKey(kPeterSigner);
  EXPECT_EQ(Sign(kText, signer), std::string(kText) + "\n" + kPeterSignature);
}

TEST(Note, OpensWithTheKnownKeysAndKeepsOthersUnverified) {
  const std::string message = std::string(kText) + "\n" + kPeterSignature + kEnochSignature;
  const NoteVerifier peter = Verifier(kPeterVerifier);
  auto note = OpenNote(message, std::span(&peter, 1));
  ASSERT_TRUE(note.ok()) << note.status().message();
  EXPECT_EQ(note->text, kText);
  ASSERT_EQ(note->verified.size(), 1u);
  EXPECT_EQ(note->verified[0].name, "PeterNeumann");
  EXPECT_EQ(note->verified[0].key_hash, 0xc74f20a3u);
  EXPECT_EQ(note->verified[0].timestamp, std::nullopt);
  ASSERT_EQ(note->unverified.size(), 1u);
  EXPECT_EQ(note->unverified[0].name, "EnochRoot");
  EXPECT_EQ(note->unverified[0].key_hash, 0xaf0cfe78u);

  const NoteVerifier both[] = {peter, Verifier(kEnochVerifier)};
  auto verified = OpenNote(message, both);
  ASSERT_TRUE(verified.ok()) << verified.status().message();
  EXPECT_EQ(verified->verified.size(), 2u);
  EXPECT_TRUE(verified->unverified.empty());
}

TEST(Note, ANoteNoKnownKeySignedOrWithABadKnownSignatureIsRejected) {
  const std::string message = std::string(kText) + "\n" + kPeterSignature + kEnochSignature;
  EXPECT_EQ(OpenNote(message, {}).status().message(),
            "the note has no signature by a known key (signed by PeterNeumann+c74f20a3, "
            "EnochRoot+af0cfe78)");
  const NoteVerifier peter = Verifier(kPeterVerifier);
  std::string changed = message;
  changed[3] = 'X';
  EXPECT_EQ(OpenNote(changed, std::span(&peter, 1)).status().message(),
            "the signature of PeterNeumann+c74f20a3: the Ed25519 signature does not verify with "
            "this public key");
  // Go's test: four base64 characters more inside Peter's signature.
  std::string longer = std::string(kText) + "\n" + kPeterSignature;
  longer.insert(std::string(kText).size() + 1 + 60, "ABCD");
  EXPECT_FALSE(OpenNote(longer, std::span(&peter, 1)).ok());

  const NoteVerifier twice[] = {Verifier(kEnochVerifier), peter, Verifier(kEnochVerifier)};
  EXPECT_EQ(OpenNote(std::string(kText) + "\n" + kEnochSignature, twice).status().message(),
            "two known keys are EnochRoot+af0cfe78");
  EXPECT_TRUE(OpenNote(std::string(kText) + "\n" + kPeterSignature, twice).ok());
}

TEST(Note, RepeatedSignaturesCountOnce) {
  std::string enoch_abcd = kEnochSignature;
  enoch_abcd.insert(60, "ABCD");
  const std::string message = std::string(kText) + "\n" + kPeterSignature + kPeterSignature +
                              kEnochSignature + kEnochSignature + enoch_abcd;
  const NoteVerifier peter = Verifier(kPeterVerifier);
  auto note = OpenNote(message, std::span(&peter, 1));
  ASSERT_TRUE(note.ok()) << note.status().message();
  EXPECT_EQ(note->verified.size(), 1u);
  EXPECT_EQ(note->unverified.size(), 2u);
}

TEST(Note, MalformedNotesAreRejected) {
  const NoteVerifier peter = Verifier(kPeterVerifier);
  const std::string text = kText;
  const std::string sig = kPeterSignature;
  std::string too_many;
  for (int i = 0; i < 101; ++i) too_many += sig;
  // Go's TestOpen's bad messages, and more.
  for (const std::string& bad :
       {text, text + "\n", text + "\n" + sig.substr(0, sig.size() - 1), "\x01" + text + "\n" + sig,
        "\xff" + text + "\n" + sig,
        text + "\n\xe2\x80\x94 Bad Name x08go/ZJkuBS9UG/"
               "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=",
        text + "\n" + sig + "Unexpected line.\n", text + "\n" + too_many,
        text + "\n\xe2\x80\x94 PeterNeumann AAAA\n", "a\tb\n\n" + sig,
        text + "\n- " + sig.substr(4), text + "\n\xed\xa0\x80\n" + sig /* a UTF-16 surrogate */,
        text + "\n\xc0\xaf\n" + sig /* an overlong '/' */}) {
    EXPECT_FALSE(OpenNote(bad, std::span(&peter, 1)).ok()) << bad;
    EXPECT_FALSE(ParseNote(bad).ok()) << bad;
  }
  EXPECT_EQ(ParseNote(text + "\n" + too_many).status().message(),
            "the note has more than 100 signatures");
  EXPECT_EQ(ParseNote(text).status().message(), "the note has no blank line before its signatures");
}

TEST(Note, ATextWithBlankLinesIsSeparatedAtTheLastOne) {
  const NoteSigner signer = NewSigner("hattama.example/log");
  const std::string text = "first\n\nsecond\n\n";
  const std::string message = Sign(text, signer);
  auto note = OpenNote(message, std::span(&signer.verifier(), 1));
  ASSERT_TRUE(note.ok()) << note.status().message();
  EXPECT_EQ(note->text, text);
}

TEST(Note, SigningRefusesTextsANoteCannotCarry) {
  const NoteSigner signer = NewSigner("hattama.example/log");
  EXPECT_EQ(SignNote(Note{"no newline", {}, {}}, std::span(&signer, 1)).status().message(),
            "a note's text ends in a newline");
  EXPECT_EQ(SignNote(Note{"a\rb\n", {}, {}}, std::span(&signer, 1)).status().message(),
            "the note's text holds the control character 13");
  EXPECT_FALSE(SignNote(Note{"\xc3\n", {}, {}}, std::span(&signer, 1)).ok());
}

// A witness reads the log's checkpoint note, adds its cosignature and keeps the log's signature.
TEST(Cosignature, AWitnessCosignsALogsNote) {
  const NoteSigner log = NewSigner("hattama.example/log");
  const NoteSigner witness = NewSigner("witness.example/w1", NoteKeyType::kCosignatureV1);
  const std::string text = "hattama.example/log\n7\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n";
  const std::string signed_by_log = Sign(text, log);

  auto note = ParseNote(signed_by_log);
  ASSERT_TRUE(note.ok());
  auto cosigned = SignNote(*note, std::span(&witness, 1), 1679315147);
  ASSERT_TRUE(cosigned.ok()) << cosigned.status().message();
  EXPECT_EQ(cosigned->rfind(signed_by_log, 0), 0u);  // the log's line stays, the witness's follows

  const NoteVerifier both[] = {log.verifier(), witness.verifier()};
  auto opened = OpenNote(*cosigned, both);
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  ASSERT_EQ(opened->verified.size(), 2u);
  EXPECT_EQ(opened->verified[0].timestamp, std::nullopt);
  EXPECT_EQ(opened->verified[1].name, "witness.example/w1");
  EXPECT_EQ(opened->verified[1].timestamp, 1679315147u);
  ASSERT_EQ(opened->verified[1].signature.size(), 72u);
  EXPECT_EQ(opened->verified[1].signature.substr(0, 8), std::string("\0\0\0\0\x64\x18\x50\xcb", 8));

  // The signed message is "cosignature/v1\ntime <t>\n" + text: checked with the bare public key.
  EXPECT_TRUE(witness.verifier()
                  .public_key()
                  .Verify("cosignature/v1\ntime 1679315147\n" + text,
                          opened->verified[1].signature.substr(8))
                  .ok());
}

TEST(Cosignature, AChangedTimeOrTextDoesNotVerify) {
  const NoteSigner witness = NewSigner("witness.example/w1", NoteKeyType::kCosignatureV1);
  const std::string text = "o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n";
  const std::string signature = witness.Sign(text, 100);
  EXPECT_EQ(*witness.verifier().Verify(text, signature), 100u);
  std::string later = signature;
  later[7] = 101;
  EXPECT_FALSE(witness.verifier().Verify(text, later).ok());
  EXPECT_FALSE(witness.verifier()
                   .Verify("o\n2\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", signature)
                   .ok());
  const std::string short_message =
      witness.verifier().Verify(text, signature.substr(8)).status().message();
  EXPECT_TRUE(short_message.ends_with(": a cosignature is 72 bytes, not 64")) << short_message;
}

// c2sp.org/tlog-cosignature's example: witness.example.com/w1's line carries the time 1679315147
// (the time of the spec's example message) in its first 8 bytes after the key hash.
TEST(Cosignature, TheSpecExampleLineCarriesItsTime) {
  const std::string message =
      "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n"
      "\xe2\x80\x94 example.com/behind-the-sofa "
      "Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/"
      "Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
      "\xe2\x80\x94 witness.example.com/w1 "
      "jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+"
      "mbIUBkBIfZ+qnA==\n";
  auto note = ParseNote(message);
  ASSERT_TRUE(note.ok()) << note.status().message();
  ASSERT_EQ(note->unverified.size(), 2u);
  const NoteSignature& cosignature = note->unverified[1];
  EXPECT_EQ(cosignature.key_hash, 0x8d66cf3fu);
  ASSERT_EQ(cosignature.signature.size(), 72u);
  EXPECT_EQ(cosignature.signature.substr(0, 8), std::string("\0\0\0\0\x64\x18\x50\xcb", 8));
}

}  // namespace
}  // namespace hattama::tlog
