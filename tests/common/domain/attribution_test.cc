// Who may submit under an observer id (common/domain/attribution.h), through Validate as ingestion
// calls it.
#include "common/domain/attribution.h"

#include <gtest/gtest.h>

#include "common/domain/checks.h"
#include "common/domain/signature.h"
#include "tests/testing/election.h"

namespace hattama::domain {
namespace {

const Clock::time_point kNow = Clock::from_time_t(1'610'290'800);

crypto::Ed25519PrivateKey KeyOf(char fill) {
  return crypto::Ed25519PrivateKey::FromSeed(std::string(32, fill)).value();
}

// The test election with organisations "org-1" (optional signatures) and "org-signing"
// (required), observer "observer-7" of org-1 relayed by hub-almaty, "observer-8" of org-1 with a
// key (KeyOf('8')) relayed by hub-almaty or hub-national, "observer-9" of org-signing.
std::shared_ptr<const Registry> RegistryWithObservers() {
  std::vector<Organisation> organisations = {
      {.organisation_id = "org-1", .name = "Org One", .affiliation = Affiliation::kIndependent},
      {.organisation_id = "org-signing",
       .name = "Signing Org",
       .affiliation = Affiliation::kInternational,
       .signatures_required = true},
  };
  std::vector<Observer> observers = {
      {.observer_id = "observer-7", .organisation_id = "org-1", .hub_ids = {"hub-almaty"}},
      {.observer_id = "observer-8",
       .organisation_id = "org-1",
       .hub_ids = {"hub-almaty", "hub-national"},
       .public_key = KeyOf('8').public_key()},
      {.observer_id = "observer-9",
       .organisation_id = "org-signing",
       .hub_ids = {"hub-almaty"},
       .public_key = KeyOf('9').public_key()},
  };
  auto base = testing::TinyRegistry();
  return Registry::Build(base->election(), base->stations(),
                         ObserverRegistry::Build(organisations, observers).value())
      .value();
}

std::vector<v1::ReasonCode> Codes(const v1::Submission& submission, const Registry& registry) {
  std::vector<v1::ReasonCode> codes;
  for (const auto& reason : Validate(submission, registry, kNow).rejections) {
    codes.push_back(reason.code());
  }
  return codes;
}

using Codes_ = std::vector<v1::ReasonCode>;

// The test election's clean protocol as observer-7 of org-1 sends it through hub-almaty.
v1::Submission FromObserver7(const std::string& id) {
  v1::Submission submission = testing::CleanSubmission(id);
  submission.set_observer_id("observer-7");
  submission.set_hub_id("hub-almaty");
  return submission;
}

TEST(Attribution, AListedObserverThroughTheirHubIsAccepted) {
  auto registry = RegistryWithObservers();
  EXPECT_EQ(Codes(FromObserver7("a"), *registry), Codes_{});
}

TEST(Attribution, AnUnlistedObserverIsRejected) {
  auto registry = RegistryWithObservers();
  auto submission = FromObserver7("a");
  submission.set_observer_id("observer-404");
  EXPECT_EQ(Codes(submission, *registry), Codes_{v1::REASON_CODE_UNKNOWN_OBSERVER});
}

TEST(Attribution, AnotherHubCannotReviseOrRetractUnderAnObserversId) {
  // The "observed today": hub-national sending under observer-7, whose protocols come
  // through hub-almaty.
  auto registry = RegistryWithObservers();
  auto revision = FromObserver7("a-rev");
  revision.set_hub_id("hub-national");
  revision.set_revision(2);
  EXPECT_EQ(Codes(revision, *registry), Codes_{v1::REASON_CODE_HUB_NOT_ALLOWED_FOR_OBSERVER});
  v1::Submission retraction = revision;
  retraction.set_retraction(true);
  retraction.mutable_protocol()->clear_figures();
  EXPECT_EQ(Codes(retraction, *registry), Codes_{v1::REASON_CODE_HUB_NOT_ALLOWED_FOR_OBSERVER});
}

TEST(Attribution, AnotherOrganisationThanTheObserversIsRejected) {
  auto registry = RegistryWithObservers();
  auto submission = FromObserver7("a");
  submission.set_organisation_id("org-signing");
  EXPECT_EQ(Codes(submission, *registry), Codes_{v1::REASON_CODE_ORGANISATION_MISMATCH});
}

TEST(Attribution, AnObserverWithAKeySignsEveryProtocolThroughAnyOfTheirHubs) {
  auto registry = RegistryWithObservers();
  auto submission = FromObserver7("a");
  submission.set_observer_id("observer-8");
  EXPECT_EQ(Codes(submission, *registry), Codes_{v1::REASON_CODE_SIGNATURE_REQUIRED});
  ASSERT_TRUE(Sign(submission, KeyOf('8')).ok());
  EXPECT_EQ(Codes(submission, *registry), Codes_{});
  submission.set_hub_id("hub-national");  // Not signed: the other allowed hub may relay it.
  EXPECT_EQ(Codes(submission, *registry), Codes_{});
}

TEST(Attribution, ASignatureByAnotherKeyOrOverOtherFiguresIsRejected) {
  auto registry = RegistryWithObservers();
  auto submission = FromObserver7("a");
  submission.set_observer_id("observer-8");
  ASSERT_TRUE(Sign(submission, KeyOf('9')).ok());
  EXPECT_EQ(Codes(submission, *registry), Codes_{v1::REASON_CODE_BAD_SIGNATURE});

  ASSERT_TRUE(Sign(submission, KeyOf('8')).ok());
  // "60 votes became 1": a relaying hub changing a signed protocol.
  submission.mutable_protocol()->mutable_figures()->mutable_option_votes(0)->set_votes(1);
  EXPECT_EQ(Codes(submission, *registry), Codes_{v1::REASON_CODE_BAD_SIGNATURE});
  submission.set_signature(std::string(65, 's'));
  EXPECT_EQ(Codes(submission, *registry), Codes_{v1::REASON_CODE_TOO_LONG});
}

TEST(Attribution, AnOrganisationRequiringSignaturesGetsItsUnsignedProtocolsRejected) {
  auto registry = RegistryWithObservers();
  auto submission = FromObserver7("a");
  submission.set_observer_id("observer-9");
  submission.set_organisation_id("org-signing");
  const auto rejections = Validate(submission, *registry, kNow).rejections;
  ASSERT_EQ(rejections.size(), 1u);
  EXPECT_EQ(rejections[0].code(), v1::REASON_CODE_SIGNATURE_REQUIRED);
  EXPECT_EQ(rejections[0].field(), "signature");
}

TEST(Attribution, AnObserverWithoutAKeyCannotSign) {
  auto registry = RegistryWithObservers();
  auto submission = FromObserver7("a");
  ASSERT_TRUE(Sign(submission, KeyOf('7')).ok());
  EXPECT_EQ(Codes(submission, *registry), Codes_{v1::REASON_CODE_BAD_SIGNATURE});
}

TEST(Attribution, AnOfficialResultIsAttributedToTheHubThatTypedIt) {
  auto registry = RegistryWithObservers();
  auto official = FromObserver7("official-1");
  official.set_source(v1::SOURCE_OFFICIAL);
  official.set_organisation_id("central-election-commission");
  official.set_observer_id("hub-almaty");
  EXPECT_EQ(Codes(official, *registry), Codes_{});
  // Another hub cannot replace or retract it under hub-almaty's name.
  official.set_hub_id("hub-national");
  EXPECT_EQ(Codes(official, *registry), Codes_{v1::REASON_CODE_HUB_NOT_ALLOWED_FOR_OBSERVER});
  official.set_observer_id("hub-national");
  EXPECT_EQ(Codes(official, *registry), Codes_{});
  ASSERT_TRUE(Sign(official, KeyOf('8')).ok());
  EXPECT_EQ(Codes(official, *registry), Codes_{v1::REASON_CODE_BAD_SIGNATURE});
}

TEST(Attribution, WithoutAnObserverRegistryIdsAreTakenAsSentButSignaturesCannotBeChecked) {
  auto registry = testing::TinyRegistry();
  auto submission = FromObserver7("a");
  submission.set_observer_id("anyone");
  submission.set_hub_id("any-hub");
  EXPECT_EQ(Codes(submission, *registry), Codes_{});
  ASSERT_TRUE(Sign(submission, KeyOf('8')).ok());
  EXPECT_EQ(Codes(submission, *registry), Codes_{v1::REASON_CODE_BAD_SIGNATURE});
  EXPECT_NE(DescribeObserverRegistry(nullptr).find("NOT registered"), std::string::npos);
  EXPECT_NE(DescribeObserverRegistry(RegistryWithObservers()->observers())
                .find("2 organisations, 3 observers (2 with a key)"),
            std::string::npos);
}

TEST(Attribution, DeploymentEventsNameRegisteredOrganisations) {
  auto registry = RegistryWithObservers();
  v1::DeploymentEvent event;
  event.set_event_id("e1");
  event.set_station_id("S1");
  event.set_organisation_id("org-1");
  event.set_observer_id("observer-7");
  event.set_kind(v1::DEPLOYMENT_EVENT_KIND_MANDATE_SENT);
  EXPECT_TRUE(ValidateDeploymentEvent(event, *registry, kNow).empty());
  event.set_organisation_id("org-unknown");
  const auto reasons = ValidateDeploymentEvent(event, *registry, kNow);
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_EQ(reasons[0].code(), v1::REASON_CODE_UNKNOWN_ORGANISATION);
  EXPECT_TRUE(ValidateDeploymentEvent(event, *testing::TinyRegistry(), kNow).empty());
}

}  // namespace
}  // namespace hattama::domain
