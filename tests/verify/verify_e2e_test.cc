// hattama-verify run as a user runs it, against the whole stack with hattama-tlog after a night
// with signed protocols sent by hattama-hub send: each command holds for the real log and fails
// (exit 1, naming what) for answers, checkpoints, registries and states that do not hold.
#include <google/protobuf/util/json_util.h>

#include <regex>

#include "common/crypto/ed25519.h"
#include "common/domain/observers.h"
#include "common/tlog/checkpoint.h"
#include "common/tlog/note.h"
#include "tests/verify/verify_stack.h"
#include "tools/verify/answers.h"
#include "tools/verify/http_fetcher.h"

namespace hattama::verify::testing {
namespace {

namespace fs = std::filesystem;

// The number a summary line states before `label`, e.g. Count(out, "signatures verified").
std::int64_t Count(const std::string& output, const std::string& label) {
  std::smatch match;
  if (!std::regex_search(output, match, std::regex("(\\d+) " + label))) return -1;
  return std::stoll(match[1]);
}

// A checkpoint of `size` leaves with a root no tree of this log has, signed with the log's own
// key (what a log that forked, or its stolen key, would sign).
std::string ForgedCheckpoint(const stack::Stack& stack, std::int64_t size) {
  auto signer = tlog::NoteSigner::FromSignerKey(ReadFile(stack.tlog_key_path()));
  EXPECT_TRUE(signer.ok()) << signer.status().message();
  tlog::Checkpoint forged{.origin = signer->name(), .size = size, .root = tlog::LeafHash("forged")};
  auto note = tlog::SignCheckpoint(forged, *signer);
  EXPECT_TRUE(note.ok());
  return note.ok() ? *note : "";
}

TEST_F(VerifyStack, InclusionHoldsForAHubsAnswersAndNamesAnIdTheLogLacks) {
  StartAndSendNight();
  auto answers = ReadAnswers(answers_);
  ASSERT_TRUE(answers.ok());
  std::int64_t logged = 0;
  for (const auto& answer : answers->answers) logged += SaysLogged(answer) ? 1 : 0;
  ASSERT_GT(logged, 0);
  ASSERT_LT(logged, static_cast<std::int64_t>(answers->answers.size())) << "none was rejected";

  const testing::Run holds = Verify({"inclusion", answers_}, "inclusion");
  EXPECT_EQ(holds.status, 0) << holds.output;
  EXPECT_NE(holds.output.find("HOLDS"), std::string::npos) << holds.output;
  EXPECT_EQ(Count(holds.output, "of \\d+ logged answers proven"), logged) << holds.output;
  EXPECT_EQ(Count(holds.output, "rejected answers skipped"),
            static_cast<std::int64_t>(answers->answers.size()) - logged)
      << holds.output;

  // An answer the log cannot back: accepted, says the file, but never logged.
  const std::string tampered = dir() + "/tampered.answers.jsonl";
  WriteFile(tampered,
            ReadFile(answers_) +
                "{\"submissionId\":\"never-sent-0001\",\"outcome\":\"OUTCOME_ACCEPTED\"}\n");
  const testing::Run fails = Verify({"inclusion", tampered}, "inclusion-tampered");
  EXPECT_EQ(fails.status, 1) << fails.output;
  EXPECT_NE(fails.output.find("NOT PROVEN never-sent-0001 (accepted)"), std::string::npos)
      << fails.output;
  EXPECT_EQ(Count(fails.output, "not proven"), 1) << fails.output;
}

TEST_F(VerifyStack, ConsistencyHoldsFromAnOlderCheckpointAndFailsForAForgedRootOrAnotherLog) {
  StartAndSendNight();
  auto older = OpenSignedCheckpoint(ReadFile(old_checkpoint()), client_->log_key());
  auto latest = client_->FetchCheckpoint();
  ASSERT_TRUE(older.ok() && latest.ok());
  ASSERT_LT(older->checkpoint.size, latest->checkpoint.size) << "the second half added nothing";

  // Against the log's latest, saving it for the next run; then the two files.
  const std::string saved = dir() + "/saved.checkpoint";
  const testing::Run live =
      Verify({"consistency", old_checkpoint(), "--save", saved}, "consistency");
  EXPECT_EQ(live.status, 0) << live.output;
  EXPECT_EQ(ReadFile(saved), latest->signed_note);
  const testing::Run files = Verify({"consistency", old_checkpoint(), saved}, "consistency-files");
  EXPECT_EQ(files.status, 0) << files.output;
  EXPECT_NE(files.output.find(fmt::format("HOLDS: {} size {} root {}", latest->checkpoint.origin,
                                          latest->checkpoint.size,
                                          tlog::HashToBase64(latest->checkpoint.root))),
            std::string::npos)
      << files.output;

  // A checkpoint signed by the log's key with a root the log never had at that size.
  const std::string forged = dir() + "/forged.checkpoint";
  WriteFile(forged, ForgedCheckpoint(*stack_, older->checkpoint.size));
  const std::string kept = dir() + "/kept.checkpoint";
  const testing::Run fork = Verify({"consistency", forged, "--save", kept}, "consistency-forged");
  EXPECT_EQ(fork.status, 1) << fork.output;
  EXPECT_NE(fork.output.find("NOT CONSISTENT"), std::string::npos) << fork.output;
  EXPECT_FALSE(fs::exists(kept)) << "an inconsistent checkpoint was saved";

  // Another log's checkpoint (another key of the same name).
  auto other_key = crypto::Ed25519PrivateKey::Generate();
  ASSERT_TRUE(other_key.ok());
  auto other =
      tlog::NoteSigner::Create(client_->log_key().name(), tlog::NoteKeyType::kEd25519, *other_key);
  ASSERT_TRUE(other.ok());
  auto other_note = tlog::SignCheckpoint(older->checkpoint, *other);
  ASSERT_TRUE(other_note.ok());
  WriteFile(forged, *other_note);
  const testing::Run other_log = Verify({"consistency", forged}, "consistency-other-log");
  EXPECT_EQ(other_log.status, 1) << other_log.output;
  EXPECT_NE(other_log.output.find("not signed by the log key"), std::string::npos)
      << other_log.output;
}

TEST_F(VerifyStack, SignaturesHoldForASignedNightAndFailAgainstAnotherObserverKey) {
  StartAndSendNight();
  const testing::Run holds = Verify({"signatures", "--registry", dir()}, "signatures");
  EXPECT_EQ(holds.status, 0) << holds.output;
  EXPECT_NE(holds.output.find("HOLDS"), std::string::npos) << holds.output;
  EXPECT_GT(Count(holds.output, "signatures verified"), 0) << holds.output;
  EXPECT_EQ(Count(holds.output, "findings"), 0) << holds.output;

  // The registry as the checker holds it lists another key for one observer who signed.
  auto registry =
      domain::ObserverRegistry::Load(dir() + "/organisations.csv", dir() + "/observers.csv");
  ASSERT_TRUE(registry.ok()) << registry.status().message();
  std::string signer;
  for (const auto& planned : plan_.submissions) {
    if (!planned.submission.signature().empty() &&
        planned.expected_outcome == v1::OUTCOME_ACCEPTED) {
      signer = planned.submission.observer_id();
      break;
    }
  }
  ASSERT_FALSE(signer.empty()) << "no signed protocol in the night";
  std::vector<domain::Observer> observers = (*registry)->observers();
  for (auto& observer : observers) {
    if (observer.observer_id == signer) {
      observer.public_key = crypto::Ed25519PrivateKey::Generate()->public_key();
    }
  }
  const std::string other_dir = dir() + "/other-registry";
  fs::create_directories(other_dir);
  fs::copy_file(dir() + "/organisations.csv", other_dir + "/organisations.csv");
  WriteFile(other_dir + "/observers.csv", domain::ObserverRegistry::FormatObservers(observers));

  const testing::Run fails =
      Verify({"signatures", "--registry", other_dir}, "signatures-other-key");
  EXPECT_EQ(fails.status, 1) << fails.output;
  EXPECT_NE(fails.output.find("BAD SIGNATURE"), std::string::npos) << fails.output;
  EXPECT_NE(fails.output.find("not observer " + signer + "'s registered key"), std::string::npos)
      << fails.output;
  EXPECT_NE(fails.output.find("DOES NOT HOLD"), std::string::npos) << fails.output;
}

TEST_F(VerifyStack, AWitnessCosignsTheLogServesItAndAForkedStateExitsOne) {
  const std::string key = dir() + "/witness.key";
  const testing::Run keygen = RunBinary(
      {stack::BinaryPath("hattama-verify"), "witness", "keygen", "--name", "witness.test/w1", key},
      dir() + "/keygen.log");
  ASSERT_EQ(keygen.status, 0) << keygen.output;
  EXPECT_EQ(fs::status(key).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  const testing::Run again = RunBinary(
      {stack::BinaryPath("hattama-verify"), "witness", "keygen", "--name", "witness.test/w1", key},
      dir() + "/keygen-again.log");
  EXPECT_EQ(again.status, 2) << "a witness key was overwritten: " << again.output;
  StartAndSendNight({"--witness-key", "@" + key + ".pub"});
  auto witness = tlog::NoteVerifier::FromVerifierKey(ReadFile(key + ".pub"));
  ASSERT_TRUE(witness.ok());

  const std::string state = dir() + "/witness.state";
  const testing::Run first =
      Verify({"witness", "--witness-key", key, "--state", state, "--once"}, "witness-first");
  ASSERT_EQ(first.status, 0) << first.output;
  EXPECT_NE(first.output.find("on first use"), std::string::npos) << first.output;
  auto latest = client_->FetchCheckpoint();
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(ReadFile(state), latest->signed_note);

  // The log serves the cosignature, checkable with the log's and the witness's keys.
  auto http = HttpFetcher::Create(log_url_, {});
  ASSERT_TRUE(http.ok());
  auto answer = (*http)->Get("/v1/GetCheckpoint", 1 << 20);
  ASSERT_TRUE(answer.ok() && answer->status == 200);
  v1::SignedCheckpoint served;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(answer->body, &served).ok());
  ASSERT_EQ(served.cosignatures_size(), 1) << answer->body;
  EXPECT_EQ(served.cosignatures(0).witness(), "witness.test/w1");
  EXPECT_EQ(served.cosignatures(0).tree_size(), latest->checkpoint.size);
  const std::vector<tlog::NoteVerifier> keys = {client_->log_key(), *witness};
  auto opened = tlog::OpenNote(served.cosignatures(0).signed_note(), keys);
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  EXPECT_EQ(opened->verified.size(), 2u);

  // `cosigned` checks it with the witness's key; a second witness, which never cosigned, is a
  // finding.
  const testing::Run holds = Verify({"cosigned", "--witness", "@" + key + ".pub"}, "cosigned");
  EXPECT_EQ(holds.status, 0) << holds.output;
  EXPECT_NE(holds.output.find("COSIGNED witness.test/w1: tree size " +
                              std::to_string(latest->checkpoint.size)),
            std::string::npos)
      << holds.output;
  const std::string silent = dir() + "/silent.key";
  ASSERT_EQ(RunBinary({stack::BinaryPath("hattama-verify"), "witness", "keygen", "--name",
                       "witness.test/w2", silent},
                      dir() + "/keygen-silent.log")
                .status,
            0);
  const testing::Run lacks =
      Verify({"cosigned", "--witness", "@" + key + ".pub", "--witness", "@" + silent + ".pub"},
             "cosigned-lacking");
  EXPECT_EQ(lacks.status, 1) << lacks.output;
  EXPECT_NE(lacks.output.find("NOT COSIGNED witness.test/w2"), std::string::npos) << lacks.output;
  EXPECT_NE(lacks.output.find("DOES NOT HOLD: 1 of 2 witnesses"), std::string::npos)
      << lacks.output;

  // The next round extends the state.
  const testing::Run second =
      Verify({"witness", "--witness-key", key, "--state", state, "--once"}, "witness-second");
  EXPECT_EQ(second.status, 0) << second.output;
  EXPECT_NE(second.output.find("extends size"), std::string::npos) << second.output;

  // A state the log's checkpoints do not extend: a fork, kept as evidence.
  auto older = OpenSignedCheckpoint(ReadFile(old_checkpoint()), client_->log_key());
  ASSERT_TRUE(older.ok());
  const std::string forked = ForgedCheckpoint(*stack_, older->checkpoint.size);
  WriteFile(state, forked);
  const testing::Run fork =
      Verify({"witness", "--witness-key", key, "--state", state, "--once"}, "witness-fork");
  EXPECT_EQ(fork.status, 1) << fork.output;
  EXPECT_NE(fork.output.find("FORK"), std::string::npos) << fork.output;
  EXPECT_NE(fork.output.find(forked), std::string::npos) << "the witnessed checkpoint is printed";
  EXPECT_NE(fork.output.find(latest->signed_note), std::string::npos) << fork.output;
  EXPECT_EQ(ReadFile(state), forked) << "the state was replaced";
}

}  // namespace
}  // namespace hattama::verify::testing
