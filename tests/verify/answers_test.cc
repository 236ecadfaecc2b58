// A hub's answers file read as hattama-hub send leaves it: the last answer of an id counts, a torn
// last line is set aside, and only accepted, flagged and duplicate answers say "logged".
#include "tools/verify/answers.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tools/stack/process.h"

namespace hattama::verify {
namespace {

TEST(VerifyAnswers, TheLastAnswerOfAnIdCountsAndATornLineIsSetAside) {
  stack::TempDir dir("hattama-verify-answers");
  const std::string path = dir.path() + "/night.jsonl.answers.jsonl";
  std::ofstream(path) << "{\"submissionId\":\"a\",\"outcome\":\"OUTCOME_ACCEPTED\"}\n"
                      << "{\"submissionId\":\"b\",\"outcome\":\"OUTCOME_REJECTED\"}\n"
                      << "\n"
                      << "{\"submissionId\":\"c\",\"outcome\":\"OUTCOME_ACCEPTED_WITH_FLAGS\"}\n"
                      << "{\"submissionId\":\"b\",\"outcome\":\"OUTCOME_DUPLICATE\"}\n"
                      << "{\"submissionId\":\"d\",\"outc";
  auto answers = ReadAnswers(path);
  ASSERT_TRUE(answers.ok()) << answers.status().message();
  ASSERT_EQ(answers->answers.size(), 3u);
  EXPECT_EQ(answers->answers[0].submission_id(), "a");
  EXPECT_EQ(answers->answers[1].submission_id(), "b");
  EXPECT_EQ(answers->answers[1].outcome(), v1::OUTCOME_DUPLICATE);
  EXPECT_TRUE(SaysLogged(answers->answers[1]));
  EXPECT_TRUE(SaysLogged(answers->answers[2]));
  EXPECT_EQ(answers->unreadable_lines, std::vector<std::int64_t>{6});

  v1::SubmissionAck rejected;
  rejected.set_outcome(v1::OUTCOME_REJECTED);
  EXPECT_FALSE(SaysLogged(rejected));
  EXPECT_TRUE(ReadAnswers(dir.path() + "/none").status().IsNotFound());
}

}  // namespace
}  // namespace hattama::verify
