#include "common/domain/checks.h"

#include <gtest/gtest.h>

#include "tests/common/domain/test_election.h"

namespace hattama::domain {
namespace {

// A clean protocol of UIK-1 for the Mazhilis: every control relation holds.
v1::Submission CleanSubmission() {
  v1::Submission submission;
  submission.set_submission_id("sub-1");
  submission.set_observer_id("obs-1");
  submission.set_source(v1::SOURCE_OBSERVER);
  auto* protocol = submission.mutable_protocol();
  protocol->set_station_id("UIK-1");
  protocol->set_contest_id("mazhilis");
  auto* f = protocol->mutable_figures();
  f->set_registered_voters(1000);
  f->set_ballots_received(1000);
  f->set_ballots_issued(400);
  f->set_ballots_cancelled(600);
  f->set_ballots_in_box(390);
  f->set_ballots_spoiled(10);
  f->set_ballots_valid(380);
  for (auto [id, votes] : {std::pair{"nur-otan", 200}, {"ak-zhol", 100}, {"adal", 80}}) {
    auto* line = f->add_option_votes();
    line->set_option_id(id);
    line->set_votes(votes);
  }
  return submission;
}

class Checks : public ::testing::Test {
 protected:
  // The single reason of a rejected or flagged submission.
  v1::Reason OnlyRejection(const v1::Submission& submission) {
    auto result = Validate(submission, *registry_);
    EXPECT_EQ(result.rejections.size(), 1u);
    EXPECT_TRUE(result.flags.empty());
    return result.rejections.empty() ? v1::Reason() : result.rejections[0];
  }
  v1::Reason OnlyFlag(const v1::Submission& submission) {
    auto result = Validate(submission, *registry_);
    EXPECT_TRUE(result.rejections.empty());
    EXPECT_EQ(result.flags.size(), 1u);
    return result.flags.empty() ? v1::Reason() : result.flags[0];
  }
  std::shared_ptr<const Registry> registry_ = testing::SmallRegistry();
};

TEST_F(Checks, CleanProtocolIsNeitherRejectedNorFlagged) {
  auto result = Validate(CleanSubmission(), *registry_);
  EXPECT_TRUE(result.rejections.empty());
  EXPECT_TRUE(result.flags.empty());
}

TEST_F(Checks, MissingSubmissionIdIsRejected) {
  auto s = CleanSubmission();
  s.clear_submission_id();
  auto reason = OnlyRejection(s);
  EXPECT_EQ(reason.code(), v1::REASON_CODE_MISSING);
  EXPECT_EQ(reason.field(), "submission_id");
}

TEST_F(Checks, OverlongSubmissionIdIsRejected) {
  auto s = CleanSubmission();
  s.set_submission_id(std::string(129, 'x'));
  auto reason = OnlyRejection(s);
  EXPECT_EQ(reason.code(), v1::REASON_CODE_INVALID_VALUE);
  EXPECT_EQ(reason.field(), "submission_id");
}

TEST_F(Checks, MissingObserverIsRejected) {
  auto s = CleanSubmission();
  s.clear_observer_id();
  EXPECT_EQ(OnlyRejection(s).field(), "observer_id");
}

TEST_F(Checks, UnspecifiedSourceIsRejected) {
  auto s = CleanSubmission();
  s.set_source(v1::SOURCE_UNSPECIFIED);
  auto reason = OnlyRejection(s);
  EXPECT_EQ(reason.field(), "source");
  EXPECT_EQ(reason.code(), v1::REASON_CODE_MISSING);
}

TEST_F(Checks, NegativeRevisionIsRejected) {
  auto s = CleanSubmission();
  s.set_revision(-1);
  auto reason = OnlyRejection(s);
  EXPECT_EQ(reason.field(), "revision");
  EXPECT_EQ(reason.code(), v1::REASON_CODE_NEGATIVE);
}

TEST_F(Checks, PhotoHashOfWrongLengthIsRejected) {
  auto s = CleanSubmission();
  s.set_photo_sha256("short");
  auto reason = OnlyRejection(s);
  EXPECT_EQ(reason.field(), "photo_sha256");
  EXPECT_EQ(reason.code(), v1::REASON_CODE_INVALID_VALUE);
}

TEST_F(Checks, MissingProtocolIsRejected) {
  auto s = CleanSubmission();
  s.clear_protocol();
  auto reason = OnlyRejection(s);
  EXPECT_EQ(reason.field(), "protocol");
  EXPECT_EQ(reason.code(), v1::REASON_CODE_MISSING);
}

TEST_F(Checks, UnknownStationIsRejected) {
  auto s = CleanSubmission();
  s.mutable_protocol()->set_station_id("UIK-404");
  auto reason = OnlyRejection(s);
  EXPECT_EQ(reason.field(), "protocol.station_id");
  EXPECT_EQ(reason.code(), v1::REASON_CODE_UNKNOWN_STATION);
  EXPECT_NE(reason.message().find("UIK-404"), std::string::npos);
}

TEST_F(Checks, UnknownContestIsRejected) {
  auto s = CleanSubmission();
  s.mutable_protocol()->set_contest_id("senate");
  auto reason = OnlyRejection(s);
  EXPECT_EQ(reason.field(), "protocol.contest_id");
  EXPECT_EQ(reason.code(), v1::REASON_CODE_UNKNOWN_CONTEST);
}

TEST_F(Checks, ContestNotHeldAtTheStationIsRejected) {
  auto s = CleanSubmission();
  s.mutable_protocol()->set_station_id("UIK-2");
  s.mutable_protocol()->set_contest_id("city-maslikhat");
  auto reason = OnlyRejection(s);
  EXPECT_EQ(reason.field(), "protocol.contest_id");
  EXPECT_EQ(reason.code(), v1::REASON_CODE_CONTEST_NOT_AT_STATION);
}

TEST_F(Checks, EveryMissingFigureIsRejectedByName) {
  for (const char* name : {"registered_voters", "ballots_received", "ballots_issued",
                           "ballots_cancelled", "ballots_in_box", "ballots_spoiled",
                           "ballots_valid"}) {
    auto s = CleanSubmission();
    auto* figures = s.mutable_protocol()->mutable_figures();
    figures->GetReflection()->ClearField(figures,
                                         figures->GetDescriptor()->FindFieldByName(name));
    auto reason = OnlyRejection(s);
    EXPECT_EQ(reason.field(), std::string("protocol.figures.") + name);
    EXPECT_EQ(reason.code(), v1::REASON_CODE_MISSING);
  }
}

TEST_F(Checks, NegativeFigureIsRejected) {
  auto s = CleanSubmission();
  s.mutable_protocol()->mutable_figures()->set_ballots_spoiled(-3);
  auto reason = OnlyRejection(s);
  EXPECT_EQ(reason.field(), "protocol.figures.ballots_spoiled");
  EXPECT_EQ(reason.code(), v1::REASON_CODE_NEGATIVE);
  EXPECT_NE(reason.message().find("-3"), std::string::npos);
}

TEST_F(Checks, NegativeAdditionalListIsRejected) {
  auto s = CleanSubmission();
  s.mutable_protocol()->mutable_figures()->set_additional_list_voters(-1);
  EXPECT_EQ(OnlyRejection(s).field(), "protocol.figures.additional_list_voters");
}

TEST_F(Checks, AbsurdlyLargeFigureIsRejected) {
  auto s = CleanSubmission();
  s.mutable_protocol()->mutable_figures()->set_ballots_received(kMaxFigure + 1);
  auto reason = OnlyRejection(s);
  EXPECT_EQ(reason.field(), "protocol.figures.ballots_received");
  EXPECT_EQ(reason.code(), v1::REASON_CODE_INVALID_VALUE);
}

TEST_F(Checks, UnknownOptionIsRejected) {
  auto s = CleanSubmission();
  s.mutable_protocol()->mutable_figures()->mutable_option_votes(1)->set_option_id("green");
  auto result = Validate(s, *registry_);
  ASSERT_EQ(result.rejections.size(), 2u);  // the unknown line, and ak-zhol now has no votes
  EXPECT_EQ(result.rejections[0].field(), "protocol.figures.option_votes[1].option_id");
  EXPECT_EQ(result.rejections[0].code(), v1::REASON_CODE_UNKNOWN_OPTION);
  EXPECT_EQ(result.rejections[1].code(), v1::REASON_CODE_MISSING);
  EXPECT_NE(result.rejections[1].message().find("ak-zhol"), std::string::npos);
}

TEST_F(Checks, OptionListedTwiceIsRejected) {
  auto s = CleanSubmission();
  auto* line = s.mutable_protocol()->mutable_figures()->add_option_votes();
  line->set_option_id("adal");
  line->set_votes(0);
  auto reason = OnlyRejection(s);
  EXPECT_EQ(reason.field(), "protocol.figures.option_votes[3].option_id");
  EXPECT_EQ(reason.code(), v1::REASON_CODE_DUPLICATE_OPTION);
}

TEST_F(Checks, OptionWithoutVotesIsRejected) {
  auto s = CleanSubmission();
  s.mutable_protocol()->mutable_figures()->mutable_option_votes(2)->clear_votes();
  auto reason = OnlyRejection(s);
  EXPECT_EQ(reason.field(), "protocol.figures.option_votes[2].votes");
  EXPECT_EQ(reason.code(), v1::REASON_CODE_MISSING);
}

TEST_F(Checks, RetractionNeedsNoFigures) {
  auto s = CleanSubmission();
  s.set_retraction(true);
  s.mutable_protocol()->clear_figures();
  EXPECT_FALSE(Validate(s, *registry_).rejected());
}

TEST_F(Checks, ValidPlusSpoiledNotInBoxIsFlagged) {
  auto s = CleanSubmission();
  s.mutable_protocol()->mutable_figures()->set_ballots_spoiled(15);
  auto flag = OnlyFlag(s);
  EXPECT_EQ(flag.code(), v1::REASON_CODE_VALID_PLUS_SPOILED_NOT_IN_BOX);
  EXPECT_EQ(flag.field(), "protocol.figures.ballots_in_box");
}

TEST_F(Checks, OptionVotesNotAddingUpToValidIsFlagged) {
  auto s = CleanSubmission();
  s.mutable_protocol()->mutable_figures()->mutable_option_votes(0)->set_votes(201);
  auto flag = OnlyFlag(s);
  EXPECT_EQ(flag.code(), v1::REASON_CODE_OPTION_VOTES_NOT_VALID);
  EXPECT_NE(flag.message().find("381"), std::string::npos);
}

TEST_F(Checks, MoreInTheBoxThanIssuedIsFlagged) {
  auto s = CleanSubmission();
  auto* f = s.mutable_protocol()->mutable_figures();
  f->set_ballots_issued(385);
  f->set_ballots_cancelled(615);
  auto flag = OnlyFlag(s);
  EXPECT_EQ(flag.code(), v1::REASON_CODE_IN_BOX_ABOVE_ISSUED);
}

TEST_F(Checks, MoreIssuedThanRegisteredIsFlagged) {
  auto s = CleanSubmission();
  s.mutable_protocol()->mutable_figures()->set_registered_voters(350);
  auto flag = OnlyFlag(s);
  EXPECT_EQ(flag.code(), v1::REASON_CODE_ISSUED_ABOVE_REGISTERED);
}

TEST_F(Checks, AdditionalListVotersCountTowardsRegistered) {
  auto s = CleanSubmission();
  s.mutable_protocol()->mutable_figures()->set_registered_voters(350);
  s.mutable_protocol()->mutable_figures()->set_additional_list_voters(50);
  EXPECT_TRUE(Validate(s, *registry_).flags.empty());
}

TEST_F(Checks, ReceivedNotIssuedPlusCancelledIsFlagged) {
  auto s = CleanSubmission();
  s.mutable_protocol()->mutable_figures()->set_ballots_received(1001);
  auto flag = OnlyFlag(s);
  EXPECT_EQ(flag.code(), v1::REASON_CODE_RECEIVED_NOT_ISSUED_PLUS_CANCELLED);
  EXPECT_EQ(flag.field(), "protocol.figures.ballots_received");
}

TEST_F(Checks, MalformedProtocolCarriesNoFlags) {
  auto s = CleanSubmission();
  s.mutable_protocol()->mutable_figures()->set_ballots_received(1001);
  s.mutable_protocol()->mutable_figures()->clear_ballots_valid();
  auto result = Validate(s, *registry_);
  EXPECT_TRUE(result.rejected());
  EXPECT_TRUE(result.flags.empty());
}

}  // namespace
}  // namespace hattama::domain
