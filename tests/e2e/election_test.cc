// A few hundred stations of a synthetic election through the whole stack, checked against the
// simulator's ground truth figure by figure: what a user of the portal would check.
#include <gtest/gtest.h>

#include <csignal>
#include <numeric>

#include "tools/hub/client/client.h"
#include "tools/hub/simulator/plan.h"
#include "tools/hub/simulator/synthetic.h"
#include "tools/hub/simulator/verify.h"
#include "tools/stack/stack.h"

namespace hattama {
namespace {

std::string Lines(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += line + "\n";
  return text;
}

class Election : public ::testing::Test {
 protected:
  void SetUp() override {
    auto registry = hub::GenerateRegistryFiles({.stations = 300, .seed = 7}, dir_.path());
    ASSERT_TRUE(registry.ok()) << registry.status().message();
    registry_ = *registry;
    auto plan = hub::DrawPlan(*registry_, {.seed = 7, .hubs = 3});
    ASSERT_TRUE(plan.ok()) << plan.status().message();
    plan_ = std::move(plan).value();
    auto stack = stack::Stack::Start({.registry_dir = dir_.path(), .partitions = 4});
    ASSERT_TRUE(stack.ok()) << stack.status().message();
    stack_ = std::move(stack).value();
  }

  hub::StreamReport Stream(std::span<const hub::PlannedSubmission> submissions,
                           std::function<void(const hub::StreamProgress&)> on_progress = {}) {
    auto report = hub::StreamSubmissions(
        submissions,
        {.ingestion_address = stack_->ingestion_address(), .on_progress = std::move(on_progress)});
    EXPECT_TRUE(report.ok()) << report.status().message();
    return report.ok() ? std::move(report).value() : hub::StreamReport{};
  }

  hub::VerifyReport Verify(const hub::Truth& truth) {
    return hub::VerifyPublication(*registry_, truth,
                                  {.publication_address = stack_->publication_address(),
                                   .timeout = std::chrono::seconds(60)});
  }

  stack::TempDir dir_{"hattama-e2e"};
  std::shared_ptr<const domain::Registry> registry_;
  hub::Plan plan_;
  std::unique_ptr<stack::Stack> stack_;
};

TEST_F(Election, PublishedTotalsEqualGroundTruth) {
  auto report = Stream(plan_.submissions);
  auto outcomes = hub::CheckOutcomes(plan_.submissions, report);
  EXPECT_EQ(outcomes.mismatch_count, 0) << Lines(outcomes.mismatches);
  EXPECT_EQ(report.accepted, plan_.expected.accepted);
  EXPECT_EQ(report.flagged, plan_.expected.flagged);
  EXPECT_EQ(report.duplicate, plan_.expected.duplicate);
  EXPECT_EQ(report.rejected, plan_.expected.rejected);
  EXPECT_GT(plan_.expected.flagged, 0);
  EXPECT_GT(plan_.expected.duplicate, 0);
  EXPECT_GT(plan_.expected.rejected, 0);

  auto verify = Verify(plan_.truth);
  EXPECT_TRUE(verify.reporting_complete);
  EXPECT_EQ(verify.mismatch_count, 0) << Lines(verify.mismatches);
  EXPECT_GT(verify.areas_checked, 0);
  EXPECT_EQ(verify.stations_checked, static_cast<int64_t>(registry_->stations().size()));
}

TEST_F(Election, ResentSubmissionIsAnsweredDuplicateAndCountedOnce) {
  auto first = std::find_if(plan_.submissions.begin(), plan_.submissions.end(),
                            [](const auto& s) { return s.kind == hub::SubmissionKind::kClean; });
  ASSERT_NE(first, plan_.submissions.end());
  std::vector<hub::PlannedSubmission> once = {*first};

  auto sent = Stream(once);
  auto resent = Stream(once);
  ASSERT_EQ(sent.acks.size(), 1u);
  ASSERT_EQ(resent.acks.size(), 1u);
  EXPECT_EQ(sent.acks[0].outcome, v1::OUTCOME_ACCEPTED);
  EXPECT_EQ(resent.acks[0].outcome, v1::OUTCOME_DUPLICATE);

  // The truth of one protocol: its station reports once, its figures are counted once.
  auto truth = hub::ComputeTruth(*registry_, once);
  auto verify = Verify(truth);
  EXPECT_TRUE(verify.ok()) << Lines(verify.mismatches);
  const auto& contest = first->submission.protocol().contest_id();
  EXPECT_EQ(verify.published_nation[contest].stations_reporting, 1);
  EXPECT_EQ(verify.published_nation[contest].ballots_valid,
            first->submission.protocol().figures().ballots_valid());
}

TEST_F(Election, MalformedSubmissionsAreRejectedWithTheFieldNamed) {
  std::vector<hub::PlannedSubmission> malformed;
  for (const auto& s : plan_.submissions) {
    if (s.kind == hub::SubmissionKind::kMalformed) malformed.push_back(s);
  }
  ASSERT_FALSE(malformed.empty());

  auto report = Stream(malformed);
  ASSERT_EQ(report.acks.size(), malformed.size());
  for (size_t i = 0; i < malformed.size(); ++i) {
    const auto& ack = report.acks[i];
    EXPECT_EQ(ack.outcome, v1::OUTCOME_REJECTED) << malformed[i].submission.submission_id();
    bool named = std::any_of(ack.reasons.begin(), ack.reasons.end(), [&](const v1::Reason& r) {
      return r.code() == malformed[i].expected_code && r.field().starts_with("protocol.");
    });
    EXPECT_TRUE(named) << malformed[i].submission.submission_id()
                       << ": no reason with the expected code naming a protocol field";
  }
  // Nothing of them is counted.
  auto verify = Verify(hub::ComputeTruth(*registry_, {}));
  EXPECT_TRUE(verify.ok()) << Lines(verify.mismatches);
}

TEST_F(Election, AggregationKilledMidStreamKeepsTotalsExact) {
  // SIGKILL aggregation a third of the way through: it dies between a Redis apply and the offset
  // commit at some point, so on restart it replays what Redis already has.
  bool killed = false;
  auto report = Stream(plan_.submissions, [&](const hub::StreamProgress& progress) {
    if (!killed && progress.acked * 3 >= progress.total) {
      stack_->aggregation().Signal(SIGKILL);
      killed = true;
    }
  });
  ASSERT_TRUE(killed);
  EXPECT_EQ(stack_->aggregation().Wait(std::chrono::seconds(5)).value(), 128 + SIGKILL);
  ASSERT_TRUE(stack_->RestartAggregation().ok());
  // And once more while it catches up.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  stack_->aggregation().Signal(SIGKILL);
  ASSERT_TRUE(stack_->RestartAggregation().ok());

  auto outcomes = hub::CheckOutcomes(plan_.submissions, report);
  EXPECT_EQ(outcomes.mismatch_count, 0) << Lines(outcomes.mismatches);
  auto verify = Verify(plan_.truth);
  EXPECT_TRUE(verify.ok()) << Lines(verify.mismatches);
}

}  // namespace
}  // namespace hattama
