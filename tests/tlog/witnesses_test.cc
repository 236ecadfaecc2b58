// The witnesses' side of the log: a cosignature by a configured witness of a checkpoint the log
// signed is kept and served, checkable with the two keys alone; every other note is refused with
// the code that says why; the newest of each witness is kept, across a restart too.
#include "services/tlog/witnesses.h"

#include <gtest/gtest.h>

#include <fstream>

#include "common/tlog/checkpoint.h"
#include "common/tlog/witness_keys.h"
#include "services/tlog/transparency_api.h"
#include "tests/tlog/tlog_testing.h"
#include "tools/stack/process.h"

namespace hattama::transparency {
namespace {

using testing::Cosign;
using testing::EntryOf;
using testing::TestSigner;
using testing::WitnessSigner;

class TlogWitnesses : public ::testing::Test {
 protected:
  TlogWitnesses() { Open({alice_.verifier(), bob_.verifier()}); }

  void Open(std::vector<tlog::NoteVerifier> keys) {
    witnesses_.reset();
    auto opened = Witnesses::Open(std::move(keys), *store_, tree_, publisher_);
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    witnesses_ = std::move(opened).value();
  }

  // Grows the log to `size` leaves and signs that checkpoint; its signed note.
  std::string Checkpoint(int64_t size) {
    while (tree_.Head().size < size) {
      const std::string entry =
          EntryOf("s-" + std::to_string(tree_.Head().size), 0, tree_.Head().size);
      tree_.Append(entry);
      publisher_.AddEntry(entry);
    }
    EXPECT_TRUE(publisher_.Publish(tree_.tree(), size, true).ok());
    return publisher_.Latest()->signed_note;
  }

  std::vector<std::string> Served() {
    std::vector<std::string> served;
    for (const auto& cosignature : witnesses_->Newest()) {
      served.push_back(cosignature.witness() + "@" + std::to_string(cosignature.tree_size()) + "t" +
                       std::to_string(cosignature.timestamp()));
    }
    return served;
  }

  stack::TempDir dir_{"tlog-witnesses"};
  std::unique_ptr<TileStore> store_ = TileStore::Open(dir_.path()).value();
  LogTree tree_;
  Publisher publisher_{*store_, TestSigner()};
  const tlog::NoteSigner alice_ = WitnessSigner("witness.example/alice", 1);
  const tlog::NoteSigner bob_ = WitnessSigner("witness.example/bob", 2);
  std::unique_ptr<Witnesses> witnesses_;
};

TEST_F(TlogWitnesses, AConfiguredWitnessesCosignatureIsKeptAndServedCheckable) {
  const std::string note = Checkpoint(10);
  auto added = witnesses_->Add(Cosign(note, alice_, 1'800'000'000));
  ASSERT_TRUE(added.ok()) << added.status().message();
  EXPECT_EQ(added->witness(), "witness.example/alice");
  EXPECT_EQ(added->tree_size(), 10);

  // Served with the checkpoint: a note that the log's key and the witness's key verify alone.
  TransparencyApi api(tree_, publisher_, *witnesses_);
  auto checkpoint = api.GetCheckpoint();
  ASSERT_TRUE(checkpoint.ok());
  ASSERT_EQ(checkpoint->cosignatures_size(), 1);
  const v1::Cosignature& cosignature = checkpoint->cosignatures(0);
  EXPECT_EQ(cosignature.witness(), "witness.example/alice");
  EXPECT_EQ(cosignature.tree_size(), 10);
  EXPECT_EQ(cosignature.timestamp(), 1'800'000'000);
  const tlog::NoteVerifier keys[] = {TestSigner().verifier(), alice_.verifier()};
  auto opened = tlog::OpenNote(cosignature.signed_note(), keys);
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  ASSERT_EQ(opened->verified.size(), 2u);
  EXPECT_EQ(opened->verified[1].timestamp, 1'800'000'000u);
  EXPECT_TRUE(opened->unverified.empty());
  EXPECT_EQ(tlog::ParseCheckpoint(opened->text)->size, 10);
  // And as the static file beside the checkpoint.
  EXPECT_EQ(store_->Read("checkpoint.cosigned").value(), cosignature.signed_note());
}

TEST_F(TlogWitnesses, RefusesEveryOtherNoteWithTheCodeThatSaysWhy) {
  const std::string note = Checkpoint(10);
  const tlog::NoteSigner stranger = WitnessSigner("witness.example/mallory", 3);
  auto unknown = witnesses_->Add(Cosign(note, stranger, 100));
  EXPECT_EQ(unknown.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(unknown.status().message().find("witness.example/mallory"), std::string::npos)
      << unknown.status().message();
  EXPECT_EQ(witnesses_->Add(note).status().code(), StatusCode::kPermissionDenied);

  // The root altered after cosigning: the log's signature no longer holds.
  const std::string cosigned = Cosign(note, alice_, 100);
  const std::string root = tlog::HashToBase64(tree_.Head().root);
  std::string altered = cosigned;
  altered.replace(altered.find(root), root.size(), tlog::HashToBase64(tlog::LeafHash("x")));
  auto bad_root = witnesses_->Add(altered);
  EXPECT_EQ(bad_root.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad_root.status().message().find("signed by this log"), std::string::npos)
      << bad_root.status().message();

  // A witness's line that does not verify (another witness's signature bytes under its name).
  auto alice_note = tlog::ParseNote(cosigned).value();
  auto bob_note = tlog::ParseNote(Cosign(note, bob_, 100)).value();
  alice_note.unverified.back().signature = bob_note.unverified.back().signature;
  auto forged = witnesses_->Add(tlog::SignNote(alice_note, {}).value());
  EXPECT_EQ(forged.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(forged.status().message().find("the cosignature of witness.example/alice"),
            std::string::npos)
      << forged.status().message();

  EXPECT_EQ(witnesses_->Add("not a note").status().code(), StatusCode::kInvalidArgument);

  // Signed with the log's key, but a tree this log never had: another root, a larger size.
  for (const tlog::Checkpoint& fork :
       {tlog::Checkpoint{.origin = "hattama/test", .size = 10, .root = tlog::LeafHash("x")},
        tlog::Checkpoint{.origin = "hattama/test", .size = 11, .root = tree_.Head().root}}) {
    const std::string signed_fork = tlog::SignCheckpoint(fork, TestSigner()).value();
    auto refused = witnesses_->Add(Cosign(signed_fork, alice_, 100));
    EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition) << fork.size;
  }
  EXPECT_TRUE(witnesses_->Newest().empty());
  EXPECT_TRUE(store_->Read("checkpoint.cosigned").status().IsNotFound());
}

TEST_F(TlogWitnesses, KeepsTheNewestOfEachWitnessAndServesThemNewestFirst) {
  const std::string ten = Checkpoint(10);
  ASSERT_TRUE(witnesses_->Add(Cosign(ten, alice_, 100)).ok());
  const std::string twenty = Checkpoint(20);
  ASSERT_TRUE(witnesses_->Add(Cosign(twenty, bob_, 50)).ok());
  EXPECT_EQ(Served(), (std::vector<std::string>{"witness.example/bob@20t50",
                                                "witness.example/alice@10t100"}));
  // The same checkpoint at an earlier time changes nothing; a later time replaces it.
  ASSERT_TRUE(witnesses_->Add(Cosign(ten, alice_, 90)).ok());
  EXPECT_EQ(Served()[1], "witness.example/alice@10t100");
  ASSERT_TRUE(witnesses_->Add(Cosign(twenty, alice_, 200)).ok());
  EXPECT_EQ(Served(), (std::vector<std::string>{"witness.example/alice@20t200",
                                                "witness.example/bob@20t50"}));
  // A witness going back to a smaller tree is refused, naming both sizes.
  auto back = witnesses_->Add(Cosign(ten, alice_, 300));
  EXPECT_EQ(back.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(back.status().message().find("20 leaves already"), std::string::npos)
      << back.status().message();
  // Both cosigned the tree of 20: the static file carries both lines.
  const tlog::NoteVerifier keys[] = {TestSigner().verifier(), alice_.verifier(), bob_.verifier()};
  auto file = tlog::OpenNote(store_->Read("checkpoint.cosigned").value(), keys);
  ASSERT_TRUE(file.ok()) << file.status().message();
  EXPECT_EQ(file->verified.size(), 3u);
  EXPECT_EQ(tlog::ParseCheckpoint(file->text)->size, 20);
}

TEST_F(TlogWitnesses, KeepsCosignaturesAcrossARestartWhileTheirWitnessIsConfigured) {
  const std::string note = Checkpoint(10);
  ASSERT_TRUE(witnesses_->Add(Cosign(note, alice_, 100)).ok());
  ASSERT_TRUE(witnesses_->Add(Cosign(note, bob_, 120)).ok());
  const auto before = witnesses_->Newest();
  Open({alice_.verifier(), bob_.verifier()});
  const auto after = witnesses_->Newest();
  ASSERT_EQ(after.size(), 2u);
  for (size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].SerializeAsString(), before[i].SerializeAsString());
  }
  // Bob is no longer a witness of this log: his cosignature goes, from the file too.
  Open({alice_.verifier()});
  EXPECT_EQ(Served(), (std::vector<std::string>{"witness.example/alice@10t100"}));
  const tlog::NoteVerifier keys[] = {TestSigner().verifier(), alice_.verifier(), bob_.verifier()};
  EXPECT_EQ(tlog::OpenNote(store_->Read("checkpoint.cosigned").value(), keys)->verified.size(), 2u);
  // Nobody is: nothing cosigned is served.
  Open({});
  EXPECT_TRUE(witnesses_->Newest().empty());
  EXPECT_TRUE(store_->Read("checkpoint.cosigned").status().IsNotFound());
}

TEST(TlogWitnessKeys, ReadsKeysFromFlagsAndFilesAndRefusesWhatCannotBeAWitness) {
  stack::TempDir dir("tlog-witness-keys");
  const std::string alice = WitnessSigner("witness.example/alice", 1).verifier().VerifierKey();
  const std::string bob = WitnessSigner("witness.example/bob", 2).verifier().VerifierKey();
  const std::string carol = WitnessSigner("witness.example/carol", 3).verifier().VerifierKey();
  const std::string file = dir.path() + "/witnesses.txt";
  std::ofstream(file) << "# the night's witnesses\n" << bob << "\n\n" << carol << "\n";
  auto keys = tlog::ParseWitnessKeys({alice, "@" + file}, "hattama/test");
  ASSERT_TRUE(keys.ok()) << keys.status().message();
  ASSERT_EQ(keys->size(), 3u);
  EXPECT_EQ((*keys)[2].VerifierKey(), carol);
  // The environment variable's form: several keys separated by blanks.
  EXPECT_EQ(tlog::ParseWitnessKeys({alice + " " + bob}, "hattama/test")->size(), 2u);
  EXPECT_TRUE(tlog::ParseWitnessKeys({}, "hattama/test")->empty());

  const std::string ed25519 = TestSigner("witness.example/dave").verifier().VerifierKey();
  const std::string alice_again =
      WitnessSigner("witness.example/alice", 9).verifier().VerifierKey();
  const std::string named_as_log = WitnessSigner("hattama/test", 4).verifier().VerifierKey();
  for (const auto& [values, why] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{ed25519}, "no cosignature/v1 key"},
           {{alice, alice_again}, "two witness keys are named witness.example/alice"},
           {{named_as_log}, "the log's own name"},
           {{"alice+0000+AAAA"}, "--witness-key: alice+0000+AAAA"},
           {{"@" + dir.path() + "/missing"}, "cannot read"}}) {
    auto refused = tlog::ParseWitnessKeys(values, "hattama/test");
    EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument) << why;
    EXPECT_NE(refused.status().message().find(why), std::string::npos)
        << refused.status().message();
  }
}

}  // namespace
}  // namespace hattama::transparency
