// hattama-hub send --sign-key: every submission of the file is signed with the observer's key
// before it is sent, and ingestion's checks (here the fake's, which are domain::Validate) accept
// it only so.
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <fstream>

#include "common/crypto/key_file.h"
#include "common/domain/observers.h"
#include "common/domain/signature.h"
#include "tests/hub/fake_services.h"
#include "tests/hub/temp_dir.h"
#include "tools/hub/client/send.h"
#include "tools/hub/simulator/plan.h"
#include "tools/hub/simulator/synthetic.h"

namespace hattama::hub {
namespace {

using testing::FakeIngestion;
using testing::TestServer;

struct SignedNight {
  std::shared_ptr<const domain::Registry> registry;
  std::vector<v1::Submission> submissions;  // observer "obs-signing"'s clean protocols
};

// A small election whose one registered observer, "obs-signing" of an organisation requiring
// signatures, sends the clean protocols of the night through "hub-1" with `key`.
SignedNight NightSignedBy(const crypto::Ed25519PrivateKey& key) {
  auto base = std::move(GenerateRegistry({.stations = 30, .seed = 3})).value();
  auto plan = std::move(DrawPlan(*base, {.seed = 3, .hubs = 1})).value();
  auto observers =
      domain::ObserverRegistry::Build(
          {{.organisation_id = "org-signing", .name = "Signing", .signatures_required = true}},
          {{.observer_id = "obs-signing",
            .organisation_id = "org-signing",
            .hub_ids = {"hub-1"},
            .public_key = key.public_key()}})
          .value();
  SignedNight night;
  night.registry = domain::Registry::Build(base->election(), base->stations(), observers).value();
  for (auto& planned : plan.submissions) {
    if (planned.kind != SubmissionKind::kClean) continue;
    planned.submission.set_observer_id("obs-signing");
    planned.submission.set_organisation_id("org-signing");
    planned.submission.clear_hub_id();  // send's --hub-id gives it: not signed
    night.submissions.push_back(planned.submission);
    if (night.submissions.size() == 20) break;
  }
  return night;
}

std::string WriteJsonLines(const TempDir& dir, const std::vector<v1::Submission>& submissions) {
  const std::string path = dir.File("night.jsonl");
  std::ofstream out(path);
  for (const auto& submission : submissions) {
    std::string json;
    EXPECT_TRUE(google::protobuf::util::MessageToJsonString(submission, &json).ok());
    out << json << "\n";
  }
  return path;
}

SendOptions OptionsFor(const TestServer& server, const std::string& file) {
  SendOptions options;
  options.file = file;
  options.hub_id = "hub-1";
  options.stream.ingestion_address = server.address();
  options.stream.give_up_after = std::chrono::seconds(10);
  return options;
}

TEST(SendSigning, SignedWithTheRegisteredKeyEveryProtocolIsAccepted) {
  TempDir dir;
  std::filesystem::create_directories(dir.path());
  const auto key = crypto::Ed25519PrivateKey::Generate().value();
  ASSERT_TRUE(crypto::WritePrivateKeyFile(dir.File("observer.key"), key).ok());
  const SignedNight night = NightSignedBy(key);
  FakeIngestion ingestion(night.registry);
  TestServer server(&ingestion);

  SendOptions options = OptionsFor(server, WriteJsonLines(dir, night.submissions));
  options.sign_key = dir.File("observer.key");
  auto summary = SendFile(options);
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  EXPECT_EQ(summary->accepted, 20);
  EXPECT_EQ(summary->rejected, 0);

  // A rerun signs to the same bytes: nothing is left to send, and what was sent is durable once.
  auto again = SendFile(options);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->already_answered, 20);
  EXPECT_EQ(ingestion.durable(), 20u);
}

TEST(SendSigning, UnsignedOrSignedByAnotherKeyEveryProtocolIsRejected) {
  TempDir dir;
  std::filesystem::create_directories(dir.path());
  const auto registered = crypto::Ed25519PrivateKey::Generate().value();
  const auto other = crypto::Ed25519PrivateKey::Generate().value();
  ASSERT_TRUE(crypto::WritePrivateKeyFile(dir.File("other.key"), other).ok());
  const SignedNight night = NightSignedBy(registered);
  FakeIngestion ingestion(night.registry);
  TestServer server(&ingestion);

  SendOptions unsigned_options = OptionsFor(server, WriteJsonLines(dir, night.submissions));
  auto unsigned_summary = SendFile(unsigned_options);
  ASSERT_TRUE(unsigned_summary.ok()) << unsigned_summary.status().message();
  EXPECT_EQ(unsigned_summary->rejected, 20);

  SendOptions other_options = OptionsFor(server, WriteJsonLines(dir, night.submissions));
  other_options.journal = dir.File("other.answers.jsonl");
  other_options.sign_key = dir.File("other.key");
  auto other_summary = SendFile(other_options);
  ASSERT_TRUE(other_summary.ok()) << other_summary.status().message();
  EXPECT_EQ(other_summary->rejected, 20);
  std::ifstream not_accepted(dir.File("night.jsonl.not-accepted.jsonl"));
  std::string first;
  ASSERT_TRUE(std::getline(not_accepted, first));
  EXPECT_NE(first.find("REASON_CODE_BAD_SIGNATURE"), std::string::npos) << first;
  EXPECT_EQ(ingestion.durable(), 0u);
}

TEST(SendSigning, AMissingKeyFileIsNamedAndNothingIsSent) {
  TempDir dir;
  std::filesystem::create_directories(dir.path());
  const SignedNight night = NightSignedBy(crypto::Ed25519PrivateKey::Generate().value());
  FakeIngestion ingestion(night.registry);
  TestServer server(&ingestion);
  SendOptions options = OptionsFor(server, WriteJsonLines(dir, night.submissions));
  options.sign_key = dir.File("no-such.key");
  auto summary = SendFile(options);
  ASSERT_FALSE(summary.ok());
  EXPECT_NE(summary.status().message().find("no-such.key"), std::string::npos);
  EXPECT_EQ(ingestion.streams(), 0);
}

}  // namespace
}  // namespace hattama::hub
