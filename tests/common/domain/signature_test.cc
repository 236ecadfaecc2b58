// The signed form and signatures of submissions (common/domain/signature.h): the README's test
// vector exactly, and what a signature does and does not cover.
#include "common/domain/signature.h"

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include "common/base/digest.h"
#include "common/crypto/base64.h"
#include "common/crypto/ed25519.h"

namespace hattama::domain {
namespace {

// The README's vector ("Signed protocols"): RFC 8032 §7.1 TEST 1's key.
constexpr char kSeedHex[] = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
constexpr char kPublicKeyBase64[] = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
constexpr char kSignedForm[] =
    "hattama-submission-signature-v1\n"
    "submission_id=sub-0001\n"
    "observer_id=obs-UIK-00001\n"
    "organisation_id=erkindik-kanaty\n"
    "source=SOURCE_OBSERVER\n"
    "station_id=UIK-00001\n"
    "contest_id=mazhilis\n"
    "revision=1\n"
    "retraction=false\n"
    "captured_time_seconds=1610290800\n"
    "captured_time_nanos=0\n"
    "photo_sha256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
    "registered_voters=1000\n"
    "additional_list_voters=\n"
    "ballots_received=1000\n"
    "ballots_issued=400\n"
    "ballots_cancelled=600\n"
    "ballots_in_box=390\n"
    "ballots_spoiled=10\n"
    "ballots_valid=380\n"
    "option=nur-otan:200\n"
    "option=ak-zhol:100\n"
    "option=adal:80\n";
constexpr char kSignatureBase64[] =
    "0HlMfr5CFVxvIrCGWvtswC3FMLaoCyMZ6iUzyyPQeZLtC4CHbAzsQoTnDgFDbcjrKyjUN1pJQMn0Tt2kOjDjAw==";

std::string FromHex(std::string_view hex) {
  std::string bytes;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  }
  return bytes;
}

crypto::Ed25519PrivateKey VectorKey() {
  return crypto::Ed25519PrivateKey::FromSeed(FromHex(kSeedHex)).value();
}

// The README's submission, as a hub would send it (its hub_id is not signed).
v1::Submission VectorSubmission() {
  v1::Submission s;
  s.set_submission_id("sub-0001");
  s.set_observer_id("obs-UIK-00001");
  s.set_organisation_id("erkindik-kanaty");
  s.set_hub_id("hub-1");
  s.set_source(v1::SOURCE_OBSERVER);
  s.mutable_captured_time()->set_seconds(1610290800);
  s.set_photo_sha256(Sha256(""));
  s.set_revision(1);
  auto* protocol = s.mutable_protocol();
  protocol->set_station_id("UIK-00001");
  protocol->set_contest_id("mazhilis");
  auto* f = protocol->mutable_figures();
  f->set_registered_voters(1000);
  f->set_ballots_received(1000);
  f->set_ballots_issued(400);
  f->set_ballots_cancelled(600);
  f->set_ballots_in_box(390);
  f->set_ballots_spoiled(10);
  f->set_ballots_valid(380);
  for (auto [option, votes] : {std::pair{"nur-otan", 200}, {"ak-zhol", 100}, {"adal", 80}}) {
    auto* line = f->add_option_votes();
    line->set_option_id(option);
    line->set_votes(votes);
  }
  return s;
}

TEST(SubmissionSignature, TheReadmeVectorHasExactlyTheReadmeBytesAndSignature) {
  const auto key = VectorKey();
  EXPECT_EQ(crypto::EncodeBase64(key.public_key().bytes()), kPublicKeyBase64);
  v1::Submission submission = VectorSubmission();
  EXPECT_EQ(SignedForm(submission).value(), kSignedForm);
  ASSERT_TRUE(Sign(submission, key).ok());
  EXPECT_EQ(crypto::EncodeBase64(submission.signature()), kSignatureBase64);
  EXPECT_TRUE(VerifySignature(submission, key.public_key()).ok());
}

TEST(SubmissionSignature, TheReadmeJsonIsTheVectorSubmission) {
  // The README's JSON line of the vector, as `hattama-hub send` reads it.
  constexpr char kJson[] =
      R"({"submissionId":"sub-0001","observerId":"obs-UIK-00001","organisationId":"erkindik-kanaty",)"
      R"( "hubId":"hub-1","source":"SOURCE_OBSERVER","capturedTime":"2021-01-10T15:00:00Z",)"
      R"( "photoSha256":"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=","revision":1,)"
      R"( "protocol":{"stationId":"UIK-00001","contestId":"mazhilis","figures":{"registeredVoters":"1000",)"
      R"( "ballotsReceived":"1000","ballotsIssued":"400","ballotsCancelled":"600","ballotsInBox":"390",)"
      R"( "ballotsSpoiled":"10","ballotsValid":"380","optionVotes":[{"optionId":"nur-otan","votes":"200"},)"
      R"( {"optionId":"ak-zhol","votes":"100"},{"optionId":"adal","votes":"80"}]}}})";
  v1::Submission parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(kJson, &parsed).ok());
  EXPECT_EQ(parsed.SerializeAsString(), VectorSubmission().SerializeAsString());
  EXPECT_EQ(SignedForm(parsed).value(), kSignedForm);
}

TEST(SubmissionSignature, AnyCoveredChangeBreaksItButAnotherRelayingHubDoesNot) {
  const auto key = VectorKey();
  v1::Submission signed_submission = VectorSubmission();
  ASSERT_TRUE(Sign(signed_submission, key).ok());

  v1::Submission relayed = signed_submission;
  relayed.set_hub_id("hub-national");
  EXPECT_TRUE(VerifySignature(relayed, key.public_key()).ok());

  const std::vector<std::pair<const char*, void (*)(v1::Submission&)>> changes = {
      {"id", [](v1::Submission& s) { s.set_submission_id("sub-0002"); }},
      {"observer", [](v1::Submission& s) { s.set_observer_id("obs-UIK-00002"); }},
      {"organisation", [](v1::Submission& s) { s.set_organisation_id("adal-saylau"); }},
      {"source", [](v1::Submission& s) { s.set_source(v1::SOURCE_OFFICIAL); }},
      {"station", [](v1::Submission& s) { s.mutable_protocol()->set_station_id("UIK-00002"); }},
      {"revision", [](v1::Submission& s) { s.set_revision(2); }},
      {"retraction", [](v1::Submission& s) { s.set_retraction(true); }},
      {"time", [](v1::Submission& s) { s.mutable_captured_time()->set_nanos(1); }},
      {"photo", [](v1::Submission& s) { s.clear_photo_sha256(); }},
      {"a figure",
       [](v1::Submission& s) { s.mutable_protocol()->mutable_figures()->set_ballots_valid(381); }},
      {"an absent figure written 0",
       [](v1::Submission& s) {
         s.mutable_protocol()->mutable_figures()->set_additional_list_voters(0);
       }},
      {"votes",
       [](v1::Submission& s) {
         s.mutable_protocol()->mutable_figures()->mutable_option_votes(2)->set_votes(1);
       }},
      {"option order",
       [](v1::Submission& s) {
         s.mutable_protocol()->mutable_figures()->mutable_option_votes()->SwapElements(0, 1);
       }},
  };
  for (const auto& [what, change] : changes) {
    v1::Submission changed = signed_submission;
    change(changed);
    EXPECT_FALSE(VerifySignature(changed, key.public_key()).ok()) << what;
  }
}

TEST(SubmissionSignature, AnotherKeyOrAShortSignatureDoesNotVerify) {
  v1::Submission submission = VectorSubmission();
  ASSERT_TRUE(Sign(submission, VectorKey()).ok());
  const auto other = crypto::Ed25519PrivateKey::FromSeed(std::string(32, '\x07')).value();
  EXPECT_FALSE(VerifySignature(submission, other.public_key()).ok());
  submission.mutable_signature()->resize(63);
  EXPECT_FALSE(VerifySignature(submission, VectorKey().public_key()).ok());
}

TEST(SubmissionSignature, AnIdWithANewlineHasNoSignedForm) {
  // Otherwise "a\nobserver_id=b" could forge a line of another field.
  v1::Submission submission = VectorSubmission();
  submission.set_submission_id("sub\nobserver_id=obs-UIK-00002");
  auto form = SignedForm(submission);
  ASSERT_FALSE(form.ok());
  EXPECT_NE(form.status().message().find("submission_id"), std::string::npos);
  EXPECT_FALSE(Sign(submission, VectorKey()).ok());
  submission = VectorSubmission();
  submission.mutable_protocol()->mutable_figures()->mutable_option_votes(0)->set_option_id("a\r");
  EXPECT_FALSE(SignedForm(submission).ok());
}

TEST(SubmissionSignature, ARetractionSignsEmptyFiguresAndAnAbsentTime) {
  v1::Submission retraction;
  retraction.set_submission_id("r");
  retraction.set_observer_id("o");
  retraction.set_source(v1::SOURCE_OBSERVER);
  retraction.set_retraction(true);
  retraction.mutable_protocol()->set_station_id("UIK-1");
  retraction.mutable_protocol()->set_contest_id("mazhilis");
  EXPECT_EQ(SignedForm(retraction).value(),
            "hattama-submission-signature-v1\nsubmission_id=r\nobserver_id=o\norganisation_id=\n"
            "source=SOURCE_OBSERVER\nstation_id=UIK-1\ncontest_id=mazhilis\nrevision=0\n"
            "retraction=true\ncaptured_time_seconds=\ncaptured_time_nanos=\nphoto_sha256=\n"
            "registered_voters=\nadditional_list_voters=\nballots_received=\nballots_issued=\n"
            "ballots_cancelled=\nballots_in_box=\nballots_spoiled=\nballots_valid=\n");
}

}  // namespace
}  // namespace hattama::domain
