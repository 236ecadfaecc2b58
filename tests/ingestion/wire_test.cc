// The bounds every answer and rejection record keeps whatever a hub sent (wire.h): at most 20
// reasons, the last then standing for the rest, and each message at most 512 bytes with its
// ellipsis, never cut inside a UTF-8 character.
#include "services/ingestion/wire.h"

#include <gtest/gtest.h>

#include <string>

#include "hattama/v1/ingestion.pb.h"

namespace hattama::ingestion {
namespace {

v1::Reason* AddReason(v1::SubmissionAck& ack, const std::string& field, v1::ReasonCode code,
                      const std::string& message) {
  v1::Reason* reason = ack.add_reasons();
  reason->set_field(field);
  reason->set_code(code);
  reason->set_message(message);
  return reason;
}

TEST(Wire, ALongMessageIsCutToExactlyTheLimitWithItsEllipsis) {
  v1::SubmissionAck ack;
  AddReason(ack, "observer_id", v1::REASON_CODE_UNKNOWN_OBSERVER, std::string(5000, 'x'));
  BoundReasons(*ack.mutable_reasons());
  const std::string& message = ack.reasons(0).message();
  EXPECT_EQ(message.size(), kMaxReasonMessageBytes);
  EXPECT_TRUE(message.ends_with("…"));
  EXPECT_EQ(message.substr(0, kMaxReasonMessageBytes - 3), std::string(509, 'x'));
}

TEST(Wire, AMessageIsNeverCutInsideACharacter) {
  // Two-byte letters: 509 bytes before the ellipsis would end halfway through the 255th.
  v1::SubmissionAck ack;
  std::string cyrillic;
  for (int i = 0; i < 400; ++i) cyrillic += "ж";
  AddReason(ack, "observer_id", v1::REASON_CODE_UNKNOWN_OBSERVER, cyrillic);
  BoundReasons(*ack.mutable_reasons());
  const std::string& message = ack.reasons(0).message();
  EXPECT_LE(message.size(), kMaxReasonMessageBytes);
  EXPECT_TRUE(IsValidUtf8(message));
  EXPECT_EQ(message, cyrillic.substr(0, 508) + "…");
}

TEST(Wire, AMessageAtTheLimitIsKeptWhole) {
  v1::SubmissionAck ack;
  AddReason(ack, "observer_id", v1::REASON_CODE_UNKNOWN_OBSERVER,
            std::string(kMaxReasonMessageBytes, 'y'));
  BoundReasons(*ack.mutable_reasons());
  EXPECT_EQ(ack.reasons(0).message(), std::string(kMaxReasonMessageBytes, 'y'));
}

TEST(Wire, TheTwentiethReasonStandsForTheRestWithTheCodeAndFieldOfTheFirstLeftOut) {
  // What validation lists for a protocol bad in three ways, each code capped at 10 plus a
  // summary: 33 reasons.
  v1::SubmissionAck ack;
  for (v1::ReasonCode code :
       {v1::REASON_CODE_UNKNOWN_OPTION, v1::REASON_CODE_NEGATIVE, v1::REASON_CODE_IMPLAUSIBLE}) {
    for (int i = 0; i < 11; ++i) {
      AddReason(ack, v1::ReasonCode_Name(code) + "-field-" + std::to_string(i), code,
                "reason " + std::to_string(i));
    }
  }
  ASSERT_EQ(ack.reasons_size(), 33);
  EXPECT_EQ(BoundReasons(*ack.mutable_reasons()), 33 - 19);
  ASSERT_EQ(ack.reasons_size(), kMaxAnswerReasons);
  // The first 19 as they were.
  EXPECT_EQ(ack.reasons(18).field(), "REASON_CODE_NEGATIVE-field-7");
  const v1::Reason& more = ack.reasons(19);
  EXPECT_EQ(more.code(), v1::REASON_CODE_NEGATIVE);
  EXPECT_EQ(more.field(), "REASON_CODE_NEGATIVE-field-8");
  EXPECT_EQ(more.message(), "… and 14 more reasons (an answer lists at most 20)");
}

TEST(Wire, TwentyReasonsAreKeptAsTheyAre) {
  v1::SubmissionAck ack;
  for (int i = 0; i < kMaxAnswerReasons; ++i) {
    AddReason(ack, "f" + std::to_string(i), v1::REASON_CODE_MISSING, "m");
  }
  EXPECT_EQ(BoundReasons(*ack.mutable_reasons()), 0);
  ASSERT_EQ(ack.reasons_size(), kMaxAnswerReasons);
  EXPECT_EQ(ack.reasons(19).field(), "f19");
  EXPECT_EQ(ack.reasons(19).message(), "m");
}

}  // namespace
}  // namespace hattama::ingestion
