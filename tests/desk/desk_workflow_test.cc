// The desk's rules without a browser or a stack: two entries of a photo by different operators,
// equal ones queued as the submission, different ones settled only by a third; figures ingestion
// would reject never saved; a correction only after a rejected or flagged answer; the first answer
// recorded kept; photos only JPEG or PNG, within the limit, stored once by their SHA-256; sessions
// ended by signing out or by being idle.
#include <gtest/gtest.h>

#include "common/base/digest.h"
#include "common/domain/checks.h"
#include "tools/hub/desk/desk.h"
#include "tools/hub/desk/form.h"
#include "tools/hub/simulator/synthetic.h"
#include "tools/stack/process.h"

namespace hattama::desk {
namespace {

const std::string kPng = std::string("\x89PNG\r\n\x1A\n", 8) + "a protocol";

class DeskWorkflow : public ::testing::Test {
 protected:
  void SetUp() override {
    auto registry = hub::GenerateRegistry({.stations = 20, .seed = 3});
    ASSERT_TRUE(registry.ok());
    registry_ = *registry;
    auto desk = Desk::Open(registry_,
                           {.hub_id = "hub-1", .data_dir = dir_.path(), .max_photo_bytes = 1024});
    ASSERT_TRUE(desk.ok()) << desk.status().message();
    desk_ = std::move(*desk);
    station_ = &registry_->stations().front();
  }

  // Figures that break nothing at the first station, `shift` votes moved between two options.
  v1::Figures Figures(int64_t shift = 0) const {
    const int64_t registered = station_->registered_voters();
    const int64_t issued = registered / 2;
    v1::Figures f;
    f.set_registered_voters(registered);
    f.set_ballots_received(registered);
    f.set_ballots_issued(issued);
    f.set_ballots_cancelled(registered - issued);
    f.set_ballots_in_box(issued);
    f.set_ballots_spoiled(0);
    f.set_ballots_valid(issued);
    const v1::Contest& contest = *registry_->FindContest("mazhilis");
    for (int i = 0; i < contest.options_size(); ++i) {
      auto& line = *f.add_option_votes();
      line.set_option_id(contest.options(i).option_id());
      line.set_votes(i == 0 ? issued - shift : i == 1 ? shift : 0);
    }
    return f;
  }

  std::string Receive(const std::string& image = kPng) {
    auto photo = desk_->Receive(alice_, station_->station_id(), "mazhilis", "obs-1", image);
    EXPECT_TRUE(photo.ok()) << photo.status().message();
    return photo.ok() ? photo->photo_sha256() : "";
  }

  stack::TempDir dir_{"hattama-desk-workflow"};
  std::shared_ptr<const domain::Registry> registry_;
  std::unique_ptr<Desk> desk_;
  const domain::Station* station_ = nullptr;
  const OperatorRow alice_{"alice", "operator"}, bob_{"bob", "operator"},
      carol_{"carol", "supervisor"};
};

TEST_F(DeskWorkflow, EqualEntriesByTwoOperatorsBecomeTheQueuedSubmission) {
  const std::string sha = Receive();
  EXPECT_EQ(sha, Hex(Sha256(kPng)));
  ASSERT_TRUE(desk_->Type(alice_, sha, Figures(), nullptr).ok());
  EXPECT_EQ(desk_->Type(alice_, sha, Figures(), nullptr).status().code(),
            StatusCode::kFailedPrecondition);
  auto second = desk_->Type(bob_, sha, Figures(), nullptr);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->state(), "queued");
  EXPECT_EQ(second->decision().kind(), "agreed");
  auto queued = desk_->store().Unanswered(10);
  ASSERT_TRUE(queued.ok());
  ASSERT_EQ(queued->size(), 1u);
  const v1::Submission& submission = queued->front().submission;
  EXPECT_EQ(submission.submission_id(), SubmissionIdOf("hub-1", sha, 1));
  EXPECT_EQ(Hex(submission.photo_sha256()), sha);
  EXPECT_EQ(submission.revision(), 1);
  EXPECT_EQ(submission.protocol().figures().ballots_valid(), Figures().ballots_valid());
}

TEST_F(DeskWorkflow, DifferentEntriesAreSettledByAThirdOperatorOnly) {
  const std::string sha = Receive();
  ASSERT_TRUE(desk_->Type(alice_, sha, Figures(), nullptr).ok());
  auto conflict = desk_->Type(bob_, sha, Figures(5), nullptr);
  ASSERT_TRUE(conflict.ok());
  EXPECT_EQ(conflict->state(), "conflict");
  EXPECT_EQ(conflict->conflicting_entries_size(), 0) << "a typist sees the other's figures";
  auto seen = desk_->View(carol_, sha);
  ASSERT_TRUE(seen.ok());
  ASSERT_EQ(seen->conflicting_entries_size(), 2);
  EXPECT_EQ(seen->conflicting_entries(0).operator_(), "alice");
  EXPECT_EQ(desk_->Settle(bob_, sha, Figures(5), nullptr).status().code(),
            StatusCode::kPermissionDenied);
  auto settled = desk_->Settle(carol_, sha, Figures(), nullptr);
  ASSERT_TRUE(settled.ok());
  EXPECT_EQ(settled->state(), "queued");
  EXPECT_EQ(settled->decision().operator_(), "carol");
  EXPECT_EQ(settled->decision().kind(), "settled");
}

TEST_F(DeskWorkflow, FiguresIngestionWouldRejectAreNeverSaved) {
  const std::string sha = Receive();
  v1::Figures implausible = Figures();
  implausible.set_ballots_valid(domain::PlausibleVoterLimit(station_->registered_voters()) + 1);
  Refused refused;
  auto typed = desk_->Type(alice_, sha, implausible, &refused);
  EXPECT_EQ(typed.status().code(), StatusCode::kInvalidArgument);
  ASSERT_GT(refused.check.rejections_size(), 0);
  EXPECT_EQ(refused.check.rejections(0).code(), v1::REASON_CODE_IMPLAUSIBLE);
  auto entries = desk_->store().Entries(sha, 1);
  ASSERT_TRUE(entries.ok());
  EXPECT_TRUE(entries->empty());
}

TEST_F(DeskWorkflow, ARevisionFollowsOnlyARejectedOrFlaggedAnswerAndTheFirstAnswerStays) {
  const std::string sha = Receive();
  ASSERT_TRUE(desk_->Type(alice_, sha, Figures(), nullptr).ok());
  ASSERT_TRUE(desk_->Type(bob_, sha, Figures(), nullptr).ok());
  EXPECT_EQ(desk_->Correct(carol_, sha).status().code(), StatusCode::kFailedPrecondition);
  v1::SubmissionAck flagged;
  flagged.set_outcome(v1::OUTCOME_ACCEPTED_WITH_FLAGS);
  const std::string id = SubmissionIdOf("hub-1", sha, 1);
  ASSERT_TRUE(desk_->store().RecordAnswer(id, flagged).ok());
  v1::SubmissionAck duplicate;
  duplicate.set_outcome(v1::OUTCOME_DUPLICATE);
  ASSERT_TRUE(desk_->store().RecordAnswer(id, duplicate).ok());
  EXPECT_EQ(desk_->View(carol_, sha)->state(), "flagged");
  auto corrected = desk_->Correct(carol_, sha);
  ASSERT_TRUE(corrected.ok());
  EXPECT_EQ(corrected->revision(), 2);
  EXPECT_EQ(corrected->state(), "received");
  ASSERT_TRUE(desk_->Type(alice_, sha, Figures(), nullptr).ok());
  ASSERT_TRUE(desk_->Type(bob_, sha, Figures(), nullptr).ok());
  auto queued = desk_->store().Unanswered(10);
  ASSERT_TRUE(queued.ok());
  ASSERT_EQ(queued->size(), 1u);
  EXPECT_EQ(queued->front().submission.submission_id(), SubmissionIdOf("hub-1", sha, 2));
  EXPECT_EQ(queued->front().submission.revision(), 2);
}

TEST_F(DeskWorkflow, PhotosAreJpegOrPngWithinTheLimitAndStoredOnce) {
  EXPECT_EQ(
      desk_->Receive(alice_, station_->station_id(), "mazhilis", "obs-1", "GIF89a").status().code(),
      StatusCode::kInvalidArgument);
  EXPECT_EQ(desk_
                ->Receive(alice_, station_->station_id(), "mazhilis", "obs-1",
                          std::string("\xFF\xD8\xFF", 3) + std::string(2000, 'x'))
                .status()
                .code(),
            StatusCode::kResourceExhausted);
  EXPECT_EQ(desk_->Receive(alice_, "UIK-NONE", "mazhilis", "obs-1", kPng).status().code(),
            StatusCode::kInvalidArgument);
  const std::string sha = Receive();
  EXPECT_EQ(Receive(), sha);
  auto photos = desk_->List(alice_);
  ASSERT_TRUE(photos.ok());
  EXPECT_EQ(photos->photos_size(), 1);
  EXPECT_EQ(*desk_->PhotoBytes(sha), kPng);
}

TEST_F(DeskWorkflow, SigningOutEndsTheSessionForGood) {
  ASSERT_TRUE(desk_->AddOperator("alice", kOperatorRole, "alice-token").ok());
  auto signed_in = desk_->Login("alice", "alice-token");
  ASSERT_TRUE(signed_in.ok());
  const std::string session = signed_in->second;
  ASSERT_TRUE(desk_->SessionOperator(session).ok());
  ASSERT_TRUE(desk_->Logout(session).ok());
  EXPECT_EQ(desk_->SessionOperator(session).status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(desk_->Login("alice", "not-her-token").status().code(), StatusCode::kPermissionDenied);
}

// Times are given (unix seconds), the idle time 60 s: a session lives 60 s past its last use by
// the operator; the page asking again by itself is no use.
TEST_F(DeskWorkflow, ASessionEndsWhenIdleLongerThanTheIdleTime) {
  DeskStore& store = desk_->store();
  ASSERT_TRUE(store.AddOperator("alice", "token-hash", kOperatorRole).ok());
  ASSERT_TRUE(store.AddSession("s1", "alice", 1000).ok());
  ASSERT_TRUE(store.AddSession("s2", "alice", 1000).ok());
  // s1: used at 1050 by alice, so alive at 1100 and ended at 1111.
  EXPECT_TRUE(store.SessionOperator("s1", 1050, 60, true)->has_value());
  EXPECT_TRUE(store.SessionOperator("s1", 1100, 60, false)->has_value());
  EXPECT_FALSE(store.SessionOperator("s1", 1111, 60, true)->has_value());
  // Ended is ended: using it again does not bring it back.
  EXPECT_FALSE(store.SessionOperator("s1", 1112, 60, true)->has_value());
  // s2: only asked in the background at 1050, so ended at 1061.
  EXPECT_TRUE(store.SessionOperator("s2", 1050, 60, false)->has_value());
  EXPECT_FALSE(store.SessionOperator("s2", 1061, 60, false)->has_value());
}

}  // namespace
}  // namespace hattama::desk
