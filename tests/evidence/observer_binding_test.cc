// Observers bound to their protocols, through the whole stack (ingestion, Kafka, aggregation,
// Redis, publication) with an observer registry beside the stations: what another hub can no
// longer do under an observer's id, and signed protocols from the hub to the published versions.
// Issue #13 items 1 and 2; the first test is the "observed today".
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <fstream>

#include "common/crypto/ed25519.h"
#include "common/domain/hubs.h"
#include "common/domain/observers.h"
#include "common/domain/signature.h"
#include "hattama/v1/publication.grpc.pb.h"
#include "tests/testing/eventually.h"
#include "tools/hub/client/client.h"
#include "tools/hub/client/deployment_stream.h"
#include "tools/hub/simulator/plan.h"
#include "tools/hub/simulator/synthetic.h"
#include "tools/stack/stack.h"

namespace hattama {
namespace {

constexpr char kMazhilis[] = "mazhilis";

// Two hubs with every region each, so that only the observer registry decides: observer "obs-a"
// of org-1 relayed by hub-a; "obs-signed" of org-signing (signatures required) relayed by hub-a
// or hub-b, with the suite's key.
class ObserverBinding : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<stack::TempDir>("hattama-evidence");
    auto registry = hub::GenerateRegistryFiles({.stations = 40, .seed = 13}, dir_->path());
    ASSERT_TRUE(registry.ok()) << registry.status().message();
    registry_ = *registry;
    auto plan = hub::DrawPlan(*registry_, {.seed = 13, .hubs = 1, .broken_rate = 0});
    ASSERT_TRUE(plan.ok());
    for (const auto& planned : plan->submissions) {
      if (planned.kind == hub::SubmissionKind::kClean &&
          planned.submission.protocol().contest_id() == kMazhilis) {
        clean_.push_back(planned.submission);
      }
    }
    ASSERT_GE(clean_.size(), 10u);
    key_ =
        std::make_unique<crypto::Ed25519PrivateKey>(crypto::Ed25519PrivateKey::Generate().value());
    WriteObserverRegistry();
    WriteHubRegistry();
    auto stack = stack::Stack::Start({.registry_dir = dir_->path(),
                                      .partitions = 2,
                                      .hub_registry = dir_->path() + "/hubs.csv"});
    ASSERT_TRUE(stack.ok()) << stack.status().message();
    stack_ = std::move(stack).value();
  }
  static void TearDownTestSuite() {
    stack_.reset();
    dir_.reset();
  }
  void SetUp() override { ASSERT_NE(stack_, nullptr); }

  static void WriteObserverRegistry() {
    std::ofstream(dir_->path() + "/organisations.csv")
        << domain::ObserverRegistry::FormatOrganisations(
               {{.organisation_id = "org-1", .name = "Org One"},
                {.organisation_id = "org-signing",
                 .name = "Signing Org",
                 .affiliation = domain::Affiliation::kInternational,
                 .signatures_required = true}});
    std::ofstream(dir_->path() + "/observers.csv") << domain::ObserverRegistry::FormatObservers(
        {{.observer_id = "obs-a", .organisation_id = "org-1", .hub_ids = {"hub-a"}},
         {.observer_id = "obs-signed",
          .organisation_id = "org-signing",
          .hub_ids = {"hub-a", "hub-b"},
          .public_key = key_->public_key()}});
  }

  static void WriteHubRegistry() {
    std::vector<std::pair<domain::Hub, std::string>> hubs;
    for (const char* id : {"hub-a", "hub-b"}) {
      tokens_[id] = domain::NewHubToken();
      hubs.emplace_back(domain::Hub{.hub_id = id, .all_regions = true},
                        domain::TokenSha256Hex(tokens_[id]));
    }
    std::ofstream(dir_->path() + "/hubs.csv") << domain::HubRegistry::Format(hubs);
  }

  // The night's clean Mazhilis protocol number `i`, as `observer` of `organisation` via `hub`.
  static v1::Submission Protocol(size_t i, const std::string& observer,
                                 const std::string& organisation, const std::string& hub) {
    v1::Submission submission = clean_.at(i);
    submission.set_observer_id(observer);
    submission.set_organisation_id(organisation);
    submission.set_hub_id(hub);
    return submission;
  }

  // `original`'s retraction, sent by `hub` under the same observer id.
  static v1::Submission RetractionBy(const v1::Submission& original, const std::string& hub) {
    v1::Submission retraction = original;
    retraction.set_submission_id(original.submission_id() + "-retracted-by-" + hub);
    retraction.set_hub_id(hub);
    retraction.set_retraction(true);
    retraction.mutable_protocol()->clear_figures();
    return retraction;
  }

  // Streams one submission with its hub's token; its answer.
  static hub::AckRecord Send(const v1::Submission& submission) {
    const v1::Submission* one[] = {&submission};
    hub::StreamOptions options{.ingestion_address = stack_->ingestion_address(),
                               .give_up_after = std::chrono::seconds(30),
                               .tokens = tokens_};
    auto report = hub::StreamSubmissions(one, options);
    EXPECT_TRUE(report.ok()) << report.status().message();
    return report.ok() ? report->acks.at(0) : hub::AckRecord{};
  }

  static bool HasReason(const hub::AckRecord& ack, v1::ReasonCode code) {
    for (const auto& reason : ack.reasons) {
      if (reason.code() == code) return true;
    }
    return false;
  }

  // The station's Mazhilis result once `counted_id` counts (official: as the official result);
  // fails the test after 30 s.
  static v1::StationContestResult WaitUntilCounted(const std::string& station,
                                                   const std::string& counted_id,
                                                   bool official = false) {
    auto stub = v1::PublicationService::NewStub(
        grpc::CreateChannel(stack_->publication_address(), grpc::InsecureChannelCredentials()));
    v1::StationContestResult found;
    const bool counted = testing::Eventually(
        [&] {
          grpc::ClientContext context;
          v1::GetStationResultsRequest request;
          request.set_station_id(station);
          v1::StationResults results;
          if (!stub->GetStationResults(&context, request, &results).ok()) return false;
          for (const auto& contest : results.contests()) {
            if (contest.contest_id() != kMazhilis) continue;
            found = contest;
            return (official ? contest.official_submission_id()
                             : contest.counted_submission_id()) == counted_id;
          }
          return false;
        },
        std::chrono::seconds(30), std::chrono::milliseconds(50));
    EXPECT_TRUE(counted) << station << " never counted " << counted_id;
    return found;
  }

  static inline std::unique_ptr<stack::TempDir> dir_;
  static inline std::shared_ptr<const domain::Registry> registry_;
  static inline std::vector<v1::Submission> clean_;
  static inline std::unique_ptr<crypto::Ed25519PrivateKey> key_;
  static inline std::map<std::string, std::string> tokens_;
  static inline std::unique_ptr<stack::Stack> stack_;
};

// The "observed today": another hub retracted under an observer id whose protocol came
// from a different hub, and the station stopped counting with no dispute; a revision under
// another observer's id replaced their figures (60 votes became 1). Before the observer registry
// both were ACCEPTED.
TEST_F(ObserverBinding, AnotherHubCanNeitherRetractNorReviseAnObserversProtocol) {
  const v1::Submission original = Protocol(0, "obs-a", "org-1", "hub-a");
  ASSERT_EQ(Send(original).outcome, v1::OUTCOME_ACCEPTED);

  const auto retracted = Send(RetractionBy(original, "hub-b"));
  EXPECT_EQ(retracted.outcome, v1::OUTCOME_REJECTED);
  EXPECT_TRUE(HasReason(retracted, v1::REASON_CODE_HUB_NOT_ALLOWED_FOR_OBSERVER));

  v1::Submission revision = original;
  revision.set_submission_id(original.submission_id() + "-revised-by-hub-b");
  revision.set_hub_id("hub-b");
  revision.set_revision(1);
  revision.mutable_protocol()->mutable_figures()->mutable_option_votes(0)->set_votes(1);
  const auto revised = Send(revision);
  EXPECT_EQ(revised.outcome, v1::OUTCOME_REJECTED);
  EXPECT_TRUE(HasReason(revised, v1::REASON_CODE_HUB_NOT_ALLOWED_FOR_OBSERVER));

  // The observer's own protocol still counts, alone and undisputed.
  const auto result = WaitUntilCounted(original.protocol().station_id(), original.submission_id());
  EXPECT_EQ(result.versions_size(), 1);
  EXPECT_FALSE(result.disputed());
  EXPECT_EQ(result.counted().figures().option_votes(0).votes(),
            original.protocol().figures().option_votes(0).votes());
}

TEST_F(ObserverBinding, UnlistedObserversAndOtherOrganisationsAreRejected) {
  const auto unlisted = Send(Protocol(1, "obs-unlisted", "org-1", "hub-a"));
  EXPECT_EQ(unlisted.outcome, v1::OUTCOME_REJECTED);
  EXPECT_TRUE(HasReason(unlisted, v1::REASON_CODE_UNKNOWN_OBSERVER));
  const auto other_organisation = Send(Protocol(1, "obs-a", "org-signing", "hub-a"));
  EXPECT_EQ(other_organisation.outcome, v1::OUTCOME_REJECTED);
  EXPECT_TRUE(HasReason(other_organisation, v1::REASON_CODE_ORGANISATION_MISMATCH));
}

TEST_F(ObserverBinding, ASignedProtocolIsPublishedWithItsSignatureAndAlteredOnesAreRejected) {
  v1::Submission submission = Protocol(2, "obs-signed", "org-signing", "hub-a");
  const auto unsigned_ack = Send(submission);
  EXPECT_EQ(unsigned_ack.outcome, v1::OUTCOME_REJECTED);
  EXPECT_TRUE(HasReason(unsigned_ack, v1::REASON_CODE_SIGNATURE_REQUIRED));

  const auto other_key = crypto::Ed25519PrivateKey::Generate().value();
  ASSERT_TRUE(domain::Sign(submission, other_key).ok());
  const auto wrong_key = Send(submission);
  EXPECT_EQ(wrong_key.outcome, v1::OUTCOME_REJECTED);
  EXPECT_TRUE(HasReason(wrong_key, v1::REASON_CODE_BAD_SIGNATURE));

  submission.set_submission_id(submission.submission_id() + "-signed");
  ASSERT_TRUE(domain::Sign(submission, *key_).ok());
  EXPECT_EQ(Send(submission).outcome, v1::OUTCOME_ACCEPTED);

  // A signed revision relayed by the observer's other hub replaces it; the same revision with a
  // figure changed on the way is rejected.
  v1::Submission revision = submission;
  revision.set_submission_id(submission.submission_id() + "-rev1");
  revision.set_revision(1);
  revision.set_hub_id("hub-b");
  auto* votes = revision.mutable_protocol()->mutable_figures()->mutable_option_votes(0);
  votes->set_votes(votes->votes() - 1);
  revision.mutable_protocol()->mutable_figures()->mutable_option_votes(1)->set_votes(
      revision.protocol().figures().option_votes(1).votes() + 1);
  ASSERT_TRUE(domain::Sign(revision, *key_).ok());
  v1::Submission altered = revision;
  altered.set_submission_id(revision.submission_id() + "-altered");
  altered.mutable_protocol()->mutable_figures()->mutable_option_votes(0)->set_votes(1);
  const auto altered_ack = Send(altered);
  EXPECT_EQ(altered_ack.outcome, v1::OUTCOME_REJECTED);
  EXPECT_TRUE(HasReason(altered_ack, v1::REASON_CODE_BAD_SIGNATURE));
  EXPECT_EQ(Send(revision).outcome, v1::OUTCOME_ACCEPTED);

  const auto result = WaitUntilCounted(revision.protocol().station_id(), revision.submission_id());
  ASSERT_EQ(result.versions_size(), 2);
  for (const auto& version : result.versions()) {
    // The signature travelled with the record: anyone can check it with the registered key.
    EXPECT_EQ(version.submission().signature().size(), 64u);
    EXPECT_TRUE(domain::VerifySignature(version.submission(), key_->public_key()).ok())
        << version.submission().submission_id();
  }
}

TEST_F(ObserverBinding, AnOfficialResultCanOnlyBeRetractedByTheHubThatTypedIt) {
  v1::Submission official = Protocol(3, "hub-a", "central-election-commission", "hub-a");
  official.set_submission_id(official.submission_id() + "-official");
  official.set_source(v1::SOURCE_OFFICIAL);
  ASSERT_EQ(Send(official).outcome, v1::OUTCOME_ACCEPTED);

  const auto retracted = Send(RetractionBy(official, "hub-b"));
  EXPECT_EQ(retracted.outcome, v1::OUTCOME_REJECTED);
  EXPECT_TRUE(HasReason(retracted, v1::REASON_CODE_HUB_NOT_ALLOWED_FOR_OBSERVER));

  const auto result =
      WaitUntilCounted(official.protocol().station_id(), official.submission_id(), true);
  EXPECT_EQ(result.official().figures().ballots_valid(),
            official.protocol().figures().ballots_valid());
}

TEST_F(ObserverBinding, DeploymentEventsMustNameARegisteredOrganisation) {
  std::vector<v1::DeploymentEvent> events(2);
  for (size_t i = 0; i < events.size(); ++i) {
    events[i].set_event_id("evidence-event-" + std::to_string(i));
    events[i].set_station_id(registry_->stations().at(0).station_id());
    events[i].set_observer_id("obs-a");
    events[i].set_hub_id("hub-a");
    events[i].set_kind(v1::DEPLOYMENT_EVENT_KIND_MANDATE_SENT);
  }
  events[0].set_organisation_id("org-1");
  events[1].set_organisation_id("org-unregistered");
  auto report =
      hub::StreamDeploymentEvents(events, {.ingestion_address = stack_->ingestion_address(),
                                           .give_up_after = std::chrono::seconds(30),
                                           .tokens = tokens_});
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->accepted, 1);
  EXPECT_EQ(report->rejected, 1);
}

}  // namespace
}  // namespace hattama
