#include "common/domain/checks.h"

#include <gtest/gtest.h>

#include "tests/testing/election.h"

namespace hattama::domain {
namespace {

// Ingestion's clock in these tests: 2026-06-01T00:00:00Z.
Clock::time_point Now() { return Clock::time_point(std::chrono::seconds(1'780'272'000)); }

// The tests' clean protocol of S1 (1,000 registered voters): 600 ballots received, 590 issued, 10
// cancelled, 590 in the box, 20 spoiled, 570 valid (nur 300, akzhol 200, adal 70).
v1::Submission CleanSubmission() { return testing::CleanSubmission("sub-1", "S1"); }

class Checks : public ::testing::Test {
 protected:
  // The single reason of a rejected or flagged submission.
  v1::Reason OnlyRejection(const v1::Submission& submission) {
    auto result = Validate(submission, *registry_, Now());
    EXPECT_EQ(result.rejections.size(), 1u);
    EXPECT_TRUE(result.flags.empty());
    return result.rejections.empty() ? v1::Reason() : result.rejections[0];
  }
  v1::Reason OnlyFlag(const v1::Submission& submission) {
    auto result = Validate(submission, *registry_, Now());
    EXPECT_TRUE(result.rejections.empty());
    EXPECT_EQ(result.flags.size(), 1u);
    return result.flags.empty() ? v1::Reason() : result.flags[0];
  }
  std::shared_ptr<const Registry> registry_ = testing::TinyRegistry();
};

TEST_F(Checks, CleanProtocolIsNeitherRejectedNorFlagged) {
  auto result = Validate(CleanSubmission(), *registry_, Now());
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
  EXPECT_EQ(reason.code(), v1::REASON_CODE_TOO_LONG);
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
  s.mutable_protocol()->set_station_id("S404");
  auto reason = OnlyRejection(s);
  EXPECT_EQ(reason.field(), "protocol.station_id");
  EXPECT_EQ(reason.code(), v1::REASON_CODE_UNKNOWN_STATION);
  EXPECT_NE(reason.message().find("S404"), std::string::npos);
}

TEST_F(Checks, UnknownContestIsRejected) {
  auto s = CleanSubmission();
  s.mutable_protocol()->set_contest_id("senate");
  auto reason = OnlyRejection(s);
  EXPECT_EQ(reason.field(), "protocol.contest_id");
  EXPECT_EQ(reason.code(), v1::REASON_CODE_UNKNOWN_CONTEST);
}

TEST_F(Checks, ContestNotHeldAtTheStationIsRejected) {
  // A consistent maslikhat protocol, at S4 in kz-b, where no maslikhat is held.
  auto s = testing::ObserverSubmission("sub-1", "S4", "maslikhat", {300, 270}, 20);
  auto reason = OnlyRejection(s);
  EXPECT_EQ(reason.field(), "protocol.contest_id");
  EXPECT_EQ(reason.code(), v1::REASON_CODE_CONTEST_NOT_AT_STATION);
}

TEST_F(Checks, EveryMissingFigureIsRejectedByName) {
  for (const char* name :
       {"registered_voters", "ballots_received", "ballots_issued", "ballots_cancelled",
        "ballots_in_box", "ballots_spoiled", "ballots_valid"}) {
    auto s = CleanSubmission();
    auto* figures = s.mutable_protocol()->mutable_figures();
    figures->GetReflection()->ClearField(figures, figures->GetDescriptor()->FindFieldByName(name));
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
  auto result = Validate(s, *registry_, Now());
  ASSERT_EQ(result.rejections.size(), 2u);  // the unknown line, and akzhol now has no votes
  EXPECT_EQ(result.rejections[0].field(), "protocol.figures.option_votes[1].option_id");
  EXPECT_EQ(result.rejections[0].code(), v1::REASON_CODE_UNKNOWN_OPTION);
  EXPECT_EQ(result.rejections[1].code(), v1::REASON_CODE_MISSING);
  EXPECT_NE(result.rejections[1].message().find("akzhol"), std::string::npos);
}

TEST_F(Checks, OptionListedTwiceIsRejected) {
  auto s = CleanSubmission();
  s.mutable_protocol()->mutable_figures()->mutable_option_votes(2)->set_option_id("nur");
  auto result = Validate(s, *registry_, Now());
  ASSERT_EQ(result.rejections.size(), 2u);  // the second nur, and adal now has no votes
  EXPECT_EQ(result.rejections[0].field(), "protocol.figures.option_votes[2].option_id");
  EXPECT_EQ(result.rejections[0].code(), v1::REASON_CODE_DUPLICATE_OPTION);
  EXPECT_EQ(result.rejections[1].code(), v1::REASON_CODE_MISSING);
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
  EXPECT_FALSE(Validate(s, *registry_, Now()).rejected());
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
  s.mutable_protocol()->mutable_figures()->mutable_option_votes(0)->set_votes(301);
  auto flag = OnlyFlag(s);
  EXPECT_EQ(flag.code(), v1::REASON_CODE_OPTION_VOTES_NOT_VALID);
  EXPECT_NE(flag.message().find("571"), std::string::npos);
}

TEST_F(Checks, MoreInTheBoxThanIssuedIsFlagged) {
  auto s = CleanSubmission();
  auto* f = s.mutable_protocol()->mutable_figures();
  f->set_ballots_issued(585);
  f->set_ballots_cancelled(15);
  auto flag = OnlyFlag(s);
  EXPECT_EQ(flag.code(), v1::REASON_CODE_IN_BOX_ABOVE_ISSUED);
}

TEST_F(Checks, MoreIssuedThanRegisteredIsFlagged) {
  auto s = CleanSubmission();
  auto* f = s.mutable_protocol()->mutable_figures();
  f->set_ballots_received(1100);
  f->set_ballots_issued(1010);
  f->set_ballots_cancelled(90);
  auto flag = OnlyFlag(s);
  EXPECT_EQ(flag.code(), v1::REASON_CODE_ISSUED_ABOVE_REGISTERED);
}

TEST_F(Checks, AdditionalListVotersCountTowardsRegistered) {
  auto s = CleanSubmission();
  auto* f = s.mutable_protocol()->mutable_figures();
  f->set_ballots_received(1100);
  f->set_ballots_issued(1010);
  f->set_ballots_cancelled(90);
  f->set_additional_list_voters(10);
  EXPECT_TRUE(Validate(s, *registry_, Now()).flags.empty());
}

TEST_F(Checks, ReceivedNotIssuedPlusCancelledIsFlagged) {
  auto s = CleanSubmission();
  s.mutable_protocol()->mutable_figures()->set_ballots_received(601);
  auto flag = OnlyFlag(s);
  EXPECT_EQ(flag.code(), v1::REASON_CODE_RECEIVED_NOT_ISSUED_PLUS_CANCELLED);
  EXPECT_EQ(flag.field(), "protocol.figures.ballots_received");
}

TEST_F(Checks, MalformedProtocolCarriesNoFlags) {
  auto s = CleanSubmission();
  s.mutable_protocol()->mutable_figures()->set_ballots_received(601);
  s.mutable_protocol()->mutable_figures()->clear_ballots_valid();
  auto result = Validate(s, *registry_, Now());
  EXPECT_TRUE(result.rejected());
  EXPECT_TRUE(result.flags.empty());
}

// Each id field a hub sends, and how to set it on a submission.
struct IdField {
  const char* field;
  void (*set)(v1::Submission&, const std::string&);
};
const IdField kSubmissionIds[] = {
    {"submission_id", [](v1::Submission& s, const std::string& v) { s.set_submission_id(v); }},
    {"observer_id", [](v1::Submission& s, const std::string& v) { s.set_observer_id(v); }},
    {"organisation_id", [](v1::Submission& s, const std::string& v) { s.set_organisation_id(v); }},
    {"hub_id", [](v1::Submission& s, const std::string& v) { s.set_hub_id(v); }},
    {"protocol.station_id",
     [](v1::Submission& s, const std::string& v) { s.mutable_protocol()->set_station_id(v); }},
    {"protocol.contest_id",
     [](v1::Submission& s, const std::string& v) { s.mutable_protocol()->set_contest_id(v); }},
    {"protocol.figures.option_votes[0].option_id",
     [](v1::Submission& s, const std::string& v) {
       s.mutable_protocol()->mutable_figures()->mutable_option_votes(0)->set_option_id(v);
     }},
};

TEST_F(Checks, EveryIdLongerThanItsLimitIsRejectedAsTooLongWithoutEchoingIt) {
  for (const auto& id : kSubmissionIds) {
    auto s = CleanSubmission();
    id.set(s, std::string(kMaxIdBytes + 1, 'z'));
    auto result = Validate(s, *registry_, Now());
    ASSERT_TRUE(result.rejected()) << id.field;
    EXPECT_EQ(result.rejections[0].field(), id.field);
    EXPECT_EQ(result.rejections[0].code(), v1::REASON_CODE_TOO_LONG) << id.field;
    EXPECT_NE(result.rejections[0].message().find("129 bytes"), std::string::npos);
    for (const auto& reason : result.rejections) {
      EXPECT_EQ(reason.message().find(std::string(kMaxIdBytes + 1, 'z')), std::string::npos);
    }
  }
}

TEST_F(Checks, IdsOfExactlyTheLimitAreNotTooLong) {
  auto s = CleanSubmission();
  s.set_submission_id(std::string(kMaxIdBytes, 's'));
  s.set_observer_id(std::string(kMaxIdBytes, 'o'));
  s.set_organisation_id(std::string(kMaxIdBytes, 'g'));
  s.set_hub_id(std::string(kMaxIdBytes, 'h'));
  EXPECT_FALSE(Validate(s, *registry_, Now()).rejected());
}

TEST_F(Checks, PhotoHashLongerThanASha256IsTooLong) {
  auto s = CleanSubmission();
  s.set_photo_sha256(std::string(1 << 20, '\x01'));
  auto reason = OnlyRejection(s);
  EXPECT_EQ(reason.field(), "photo_sha256");
  EXPECT_EQ(reason.code(), v1::REASON_CODE_TOO_LONG);
}

TEST_F(Checks, TwentyThousandOptionLinesGetASmallRejection) {
  auto s = CleanSubmission();
  auto* figures = s.mutable_protocol()->mutable_figures();
  for (int i = 0; i < 20'000; ++i) {
    auto* line = figures->add_option_votes();
    line->set_option_id("party-" + std::to_string(i));
    line->set_votes(1);
  }
  auto result = Validate(s, *registry_, Now());
  ASSERT_TRUE(result.rejected());
  EXPECT_EQ(result.rejections[0].code(), v1::REASON_CODE_TOO_MANY_LINES);
  EXPECT_EQ(result.rejections[0].field(), "protocol.figures.option_votes");
  EXPECT_NE(result.rejections[0].message().find("20003 option lines"), std::string::npos);
  EXPECT_NE(result.rejections[0].message().find("has 3 options"), std::string::npos);
  // The too-many-lines reason, the first 10 unknown options and one reason for the 19,990 others.
  ASSERT_EQ(result.rejections.size(), 1u + kMaxReasonsPerCode + 1u);
  EXPECT_EQ(result.rejections[1].field(), "protocol.figures.option_votes[3].option_id");
  EXPECT_EQ(result.rejections.back().code(), v1::REASON_CODE_UNKNOWN_OPTION);
  EXPECT_NE(result.rejections.back().message().find("19990 more"), std::string::npos);
  size_t bytes = 0;
  for (const auto& reason : result.rejections) bytes += reason.ByteSizeLong();
  EXPECT_LT(bytes, 4096u);
}

TEST_F(Checks, OneReasonTooManyOfACodeIsSummedUpToo) {
  // The ballot's 3 lines and 11 unknown ones: 11 reasons of one code, one above the cap.
  auto s = CleanSubmission();
  auto* figures = s.mutable_protocol()->mutable_figures();
  for (int i = 0; i < 11; ++i) {
    auto* line = figures->add_option_votes();
    line->set_option_id("party-" + std::to_string(i));
    line->set_votes(1);
  }
  auto result = Validate(s, *registry_, Now());
  ASSERT_TRUE(result.rejected());
  size_t listed = 0;
  for (const auto& reason : result.rejections) {
    if (reason.code() == v1::REASON_CODE_UNKNOWN_OPTION &&
        reason.message().starts_with("option '")) {
      ++listed;
    }
  }
  EXPECT_EQ(listed, kMaxReasonsPerCode);
  // The too-many-lines reason, 10 unknown options and the summary standing for the 11th, with
  // its code and field.
  ASSERT_EQ(result.rejections.size(), 1u + kMaxReasonsPerCode + 1u);
  const v1::Reason& summary = result.rejections.back();
  EXPECT_EQ(summary.code(), v1::REASON_CODE_UNKNOWN_OPTION);
  EXPECT_EQ(summary.field(), "protocol.figures.option_votes[13].option_id");
  EXPECT_EQ(summary.message(), "and 1 more reason of this kind, not listed (the first 10 are)");
}

TEST_F(Checks, OneOptionLineMoreThanTheBallotIsTooManyLines) {
  auto s = CleanSubmission();
  auto* line = s.mutable_protocol()->mutable_figures()->add_option_votes();
  line->set_option_id("adal");
  line->set_votes(0);
  auto result = Validate(s, *registry_, Now());
  ASSERT_EQ(result.rejections.size(), 2u);
  EXPECT_EQ(result.rejections[0].code(), v1::REASON_CODE_TOO_MANY_LINES);
  EXPECT_EQ(result.rejections[1].code(), v1::REASON_CODE_DUPLICATE_OPTION);
}

TEST(PlausibleVoterLimit, IsTheRegistryPlusTenPercentAndAtLeastFifty) {
  EXPECT_EQ(PlausibleVoterLimit(0), 50);
  EXPECT_EQ(PlausibleVoterLimit(100), 150);
  EXPECT_EQ(PlausibleVoterLimit(500), 550);
  EXPECT_EQ(PlausibleVoterLimit(1000), 1100);
  EXPECT_EQ(PlausibleVoterLimit(1179), 1179 + 118);  // 10 % rounded up
}

TEST_F(Checks, ABillionEverywhereIsImpossibleForASmallStationAndNamesTheLimit) {
  auto s = CleanSubmission();
  s.mutable_protocol()->set_station_id("S3");  // 600 registered voters: limit 660
  auto* f = s.mutable_protocol()->mutable_figures();
  for (auto setter : {&v1::Figures::set_registered_voters, &v1::Figures::set_additional_list_voters,
                      &v1::Figures::set_ballots_received, &v1::Figures::set_ballots_issued,
                      &v1::Figures::set_ballots_cancelled, &v1::Figures::set_ballots_in_box,
                      &v1::Figures::set_ballots_spoiled, &v1::Figures::set_ballots_valid}) {
    (f->*setter)(kMaxFigure);
  }
  for (auto& line : *f->mutable_option_votes()) line.set_votes(kMaxFigure);
  auto result = Validate(s, *registry_, Now());
  // 11 impossible figures: the first 10 named, and one reason standing for the 11th.
  ASSERT_EQ(result.rejections.size(), kMaxReasonsPerCode + 1u);
  for (const auto& reason : result.rejections) {
    EXPECT_EQ(reason.code(), v1::REASON_CODE_IMPLAUSIBLE) << reason.field();
  }
  for (size_t i = 0; i < kMaxReasonsPerCode; ++i) {
    EXPECT_NE(result.rejections[i].message().find("1000000000"), std::string::npos);
    EXPECT_NE(result.rejections[i].message().find("600 registered"), std::string::npos);
  }
  EXPECT_EQ(result.rejections[0].field(), "protocol.figures.registered_voters");
  EXPECT_NE(result.rejections[0].message().find("limit is 660"), std::string::npos);
  EXPECT_EQ(result.rejections[2].field(), "protocol.figures.ballots_received");
  EXPECT_NE(result.rejections[2].message().find("limit is 1320"), std::string::npos);
  EXPECT_EQ(result.rejections.back().field(), "protocol.figures.option_votes[2].votes");
  EXPECT_NE(result.rejections.back().message().find("1 more reason of this kind"),
            std::string::npos);
}

TEST_F(Checks, FiguresAtTheLimitAreCountedAndOneAboveIsNot) {
  // S1: 1,000 registered, limit 1,100; received and cancelled up to 2,200.
  auto s = CleanSubmission();
  auto* f = s.mutable_protocol()->mutable_figures();
  f->set_ballots_received(2200);
  f->set_ballots_issued(1100);
  f->set_ballots_cancelled(1100);
  f->set_additional_list_voters(100);
  f->set_ballots_in_box(1100);
  f->set_ballots_spoiled(0);
  f->set_ballots_valid(1100);
  f->mutable_option_votes(0)->set_votes(1100);
  f->mutable_option_votes(1)->set_votes(0);
  f->mutable_option_votes(2)->set_votes(0);
  auto at_limit = Validate(s, *registry_, Now());
  EXPECT_FALSE(at_limit.rejected());
  EXPECT_TRUE(at_limit.flags.empty());

  f->set_ballots_valid(1101);
  f->mutable_option_votes(0)->set_votes(1101);
  auto reason = Validate(s, *registry_, Now()).rejections;
  ASSERT_EQ(reason.size(), 2u);
  EXPECT_EQ(reason[0].field(), "protocol.figures.ballots_valid");
  EXPECT_EQ(reason[0].code(), v1::REASON_CODE_IMPLAUSIBLE);
  EXPECT_EQ(reason[1].field(), "protocol.figures.option_votes[0].votes");

  auto more = CleanSubmission();
  more.mutable_protocol()->mutable_figures()->set_ballots_received(2201);
  more.mutable_protocol()->mutable_figures()->set_ballots_cancelled(1611);  // 590 issued
  auto cancelled = Validate(more, *registry_, Now()).rejections;
  ASSERT_EQ(cancelled.size(), 1u);
  EXPECT_EQ(cancelled[0].field(), "protocol.figures.ballots_received");
  EXPECT_EQ(cancelled[0].code(), v1::REASON_CODE_IMPLAUSIBLE);
}

TEST_F(Checks, RegisteredVotersOtherThanTheRegistrysAreFlagged) {
  auto s = CleanSubmission();
  s.mutable_protocol()->mutable_figures()->set_registered_voters(990);
  auto flag = OnlyFlag(s);
  EXPECT_EQ(flag.code(), v1::REASON_CODE_REGISTERED_NOT_REGISTRY);
  EXPECT_EQ(flag.field(), "protocol.figures.registered_voters");
  EXPECT_NE(flag.message().find("990"), std::string::npos);
  EXPECT_NE(flag.message().find("registry lists 1000"), std::string::npos);
}

v1::Reason OnlyTimeRejection(const v1::Submission& submission, const Registry& registry) {
  auto result = Validate(submission, registry, Now());
  EXPECT_EQ(result.rejections.size(), 1u);
  if (result.rejections.empty()) return {};
  EXPECT_EQ(result.rejections[0].field(), "captured_time");
  EXPECT_EQ(result.rejections[0].code(), v1::REASON_CODE_INVALID_TIME);
  return result.rejections[0];
}

TEST_F(Checks, CapturedTimesThatAreNoTimestampAreRejected) {
  auto s = CleanSubmission();
  s.mutable_captured_time()->set_seconds(253'402'300'800);  // 10000-01-01
  OnlyTimeRejection(s, *registry_);
  s.mutable_captured_time()->set_seconds(1'610'287'200);
  s.mutable_captured_time()->set_nanos(1'000'000'000);
  EXPECT_NE(OnlyTimeRejection(s, *registry_).message().find("nanos 1000000000"), std::string::npos);
  s.mutable_captured_time()->set_nanos(-1);
  OnlyTimeRejection(s, *registry_);
  s.mutable_captured_time()->set_seconds(-62'135'596'801);
  s.mutable_captured_time()->set_nanos(0);
  OnlyTimeRejection(s, *registry_);
}

TEST_F(Checks, CapturedTimesOutsideTheSaneWindowAreRejected) {
  auto s = CleanSubmission();
  s.mutable_captured_time()->set_seconds(946'684'799);  // 1999-12-31T23:59:59Z
  EXPECT_NE(OnlyTimeRejection(s, *registry_).message().find("before 2000-01-01"),
            std::string::npos);
  const int64_t now = 1'780'272'000;
  s.mutable_captured_time()->set_seconds(now + 24 * 3600 + 1);
  EXPECT_NE(OnlyTimeRejection(s, *registry_).message().find("after ingestion's clock"),
            std::string::npos);
}

TEST_F(Checks, CapturedTimesWithinTheWindowAreAccepted) {
  auto s = CleanSubmission();
  for (int64_t seconds :
       {int64_t{946'684'800}, int64_t{1'610'287'200}, int64_t{1'780'272'000 + 24 * 3600}}) {
    s.mutable_captured_time()->set_seconds(seconds);
    s.mutable_captured_time()->set_nanos(999'999'999);
    EXPECT_FALSE(Validate(s, *registry_, Now()).rejected()) << seconds;
  }
}

v1::DeploymentEvent CleanEvent() {
  v1::DeploymentEvent event;
  event.set_event_id("event-1");
  event.set_station_id("S1");
  event.set_organisation_id("org-1");
  event.set_observer_id("obs-1");
  event.set_hub_id("hub-1");
  event.set_kind(v1::DEPLOYMENT_EVENT_KIND_PROTOCOL_OBTAINED);
  event.set_contest_id("mazhilis");
  event.mutable_time()->set_seconds(1'610'287'200);
  return event;
}

TEST_F(Checks, WellFormedDeploymentEventHasNoReasons) {
  EXPECT_TRUE(ValidateDeploymentEvent(CleanEvent(), *registry_, Now()).empty());
  auto untimed = CleanEvent();
  untimed.clear_time();
  EXPECT_TRUE(ValidateDeploymentEvent(untimed, *registry_, Now()).empty());
}

TEST_F(Checks, DeploymentEventsAreCheckedForIdKindStationContestAndTime) {
  auto codes = [&](const v1::DeploymentEvent& event) {
    std::vector<std::pair<std::string, v1::ReasonCode>> out;
    for (const auto& r : ValidateDeploymentEvent(event, *registry_, Now())) {
      out.emplace_back(r.field(), r.code());
    }
    return out;
  };
  using Codes = std::vector<std::pair<std::string, v1::ReasonCode>>;
  auto e = CleanEvent();
  e.clear_event_id();
  EXPECT_EQ(codes(e), (Codes{{"event_id", v1::REASON_CODE_MISSING}}));
  e = CleanEvent();
  e.set_kind(static_cast<v1::DeploymentEventKind>(99));
  EXPECT_EQ(codes(e), (Codes{{"kind", v1::REASON_CODE_INVALID_VALUE}}));
  e = CleanEvent();
  e.set_station_id("S404");
  EXPECT_EQ(codes(e), (Codes{{"station_id", v1::REASON_CODE_UNKNOWN_STATION}}));
  e = CleanEvent();
  e.set_contest_id("senate");
  EXPECT_EQ(codes(e), (Codes{{"contest_id", v1::REASON_CODE_UNKNOWN_CONTEST}}));
  e = CleanEvent();
  e.set_station_id("S4");  // In kz-b, where no maslikhat is held.
  e.set_contest_id("maslikhat");
  EXPECT_EQ(codes(e), (Codes{{"contest_id", v1::REASON_CODE_CONTEST_NOT_AT_STATION}}));
  // An admission is about no contest.
  e.set_kind(v1::DEPLOYMENT_EVENT_KIND_OBSERVER_ADMITTED);
  EXPECT_TRUE(codes(e).empty());
  e = CleanEvent();
  e.mutable_time()->set_seconds(253'402'300'800);
  EXPECT_EQ(codes(e), (Codes{{"time", v1::REASON_CODE_INVALID_TIME}}));
  e = CleanEvent();
  e.mutable_time()->set_nanos(1'000'000'000);
  EXPECT_EQ(codes(e), (Codes{{"time", v1::REASON_CODE_INVALID_TIME}}));
}

TEST_F(Checks, EveryDeploymentEventIdLongerThanItsLimitIsTooLong) {
  const std::string long_id(kMaxIdBytes + 1, 'q');
  using Setter = void (v1::DeploymentEvent::*)(const std::string&);
  const std::vector<std::pair<std::string, Setter>> fields = {
      {"event_id", &v1::DeploymentEvent::set_event_id},
      {"station_id", &v1::DeploymentEvent::set_station_id},
      {"organisation_id", &v1::DeploymentEvent::set_organisation_id},
      {"observer_id", &v1::DeploymentEvent::set_observer_id},
      {"hub_id", &v1::DeploymentEvent::set_hub_id},
      {"contest_id", &v1::DeploymentEvent::set_contest_id}};
  for (const auto& [field, set] : fields) {
    auto e = CleanEvent();
    (e.*set)(long_id);
    auto reasons = ValidateDeploymentEvent(e, *registry_, Now());
    ASSERT_EQ(reasons.size(), 1u) << field;
    EXPECT_EQ(reasons[0].field(), field);
    EXPECT_EQ(reasons[0].code(), v1::REASON_CODE_TOO_LONG);
  }
}

}  // namespace
}  // namespace hattama::domain
