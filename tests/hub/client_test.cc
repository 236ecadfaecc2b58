#include "tools/hub/client.h"

#include <gtest/gtest.h>

#include "tests/hub/fake_services.h"
#include "tools/hub/plan.h"
#include "tools/hub/synthetic.h"
#include "tools/hub/verify.h"

namespace hattama::hub {
namespace {

using testing::FakeIngestion;
using testing::TestServer;

struct Night {
  std::shared_ptr<const domain::Registry> registry;
  Plan plan;
};

Night SmallNight() {
  Night n;
  n.registry = std::move(GenerateRegistry({.stations = 300, .seed = 2021})).value();
  n.plan = std::move(DrawPlan(*n.registry, {.seed = 2021, .hubs = 3})).value();
  return n;
}

StreamOptions OptionsFor(const TestServer& server) {
  StreamOptions options;
  options.ingestion_address = server.address();
  options.give_up_after = std::chrono::seconds(10);
  return options;
}

TEST(Client, EverySubmissionGetsItsPlannedAnswer) {
  const Night night = SmallNight();
  FakeIngestion ingestion(night.registry);
  TestServer server(&ingestion);

  auto report = StreamSubmissions(night.plan.submissions, OptionsFor(server));
  ASSERT_TRUE(report.ok()) << report.status().message();
  const auto check = CheckOutcomes(night.plan.submissions, *report);
  EXPECT_EQ(check.mismatch_count, 0) << (check.mismatches.empty() ? "" : check.mismatches[0]);
  EXPECT_EQ(report->accepted, night.plan.expected.accepted);
  EXPECT_EQ(report->flagged, night.plan.expected.flagged);
  // Resends wait for their original's answer, so none races it into a second acceptance.
  EXPECT_EQ(report->duplicate, night.plan.expected.duplicate);
  EXPECT_EQ(report->rejected, night.plan.expected.rejected);
  EXPECT_TRUE(report->unexpected_acks.empty());
  EXPECT_EQ(report->reconnects, 0);
  EXPECT_EQ(ingestion.streams(), 3);  // one per hub
}

TEST(Client, SmallWindowStillDeliversEverything) {
  const Night night = SmallNight();
  FakeIngestion ingestion(night.registry);
  TestServer server(&ingestion);
  auto options = OptionsFor(server);
  options.window = 1;

  auto report = StreamSubmissions(night.plan.submissions, options);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(CheckOutcomes(night.plan.submissions, *report).mismatch_count, 0);
}

TEST(Client, FirstHalfThenTheRestGetTheSameAnswersAsAllAtOnce) {
  const Night night = SmallNight();
  FakeIngestion ingestion(night.registry);
  TestServer server(&ingestion);
  const std::span<const PlannedSubmission> all(night.plan.submissions);
  const auto half = all.size() / 2;

  auto first = StreamSubmissions(all.first(half), OptionsFor(server));
  auto rest = StreamSubmissions(all.subspan(half), OptionsFor(server));
  ASSERT_TRUE(first.ok() && rest.ok());
  EXPECT_EQ(CheckOutcomes(all.first(half), *first).mismatch_count, 0);
  EXPECT_EQ(CheckOutcomes(all.subspan(half), *rest).mismatch_count, 0);
  EXPECT_EQ(first->duplicate + rest->duplicate, night.plan.expected.duplicate);
}

TEST(Client, ReconnectsAfterABrokenStreamAndResendsWhatWasNotAnswered) {
  const Night night = SmallNight();
  FakeIngestion ingestion(night.registry);
  ingestion.BreakAfter(100);
  TestServer server(&ingestion);

  auto report = StreamSubmissions(night.plan.submissions, OptionsFor(server));
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_GE(report->reconnects, 1);
  for (const auto& ack : report->acks) ASSERT_TRUE(ack.answered);
  const auto check = CheckOutcomes(night.plan.submissions, *report);
  EXPECT_EQ(check.mismatch_count, 0) << (check.mismatches.empty() ? "" : check.mismatches[0]);
  // At least the submission whose answer was dropped came back as a duplicate.
  EXPECT_GE(check.duplicates_after_reconnect, 1);
  // Everything that counts reached the service exactly once.
  EXPECT_EQ(static_cast<int64_t>(ingestion.durable()),
            night.plan.expected.accepted + night.plan.expected.flagged);
}

TEST(Client, RefusedStreamIsReportedNotRetried) {
  const Night night = SmallNight();
  FakeIngestion ingestion(night.registry);
  ingestion.Refuse(grpc::StatusCode::UNAUTHENTICATED);
  TestServer server(&ingestion);

  auto report = StreamSubmissions(night.plan.submissions, OptionsFor(server));
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.status().message().find("refused"), std::string::npos)
      << report.status().message();
  EXPECT_EQ(ingestion.streams(), 3);
}

TEST(Client, GivesUpWhenIngestionNeverAnswers) {
  const Night night = SmallNight();
  StreamOptions options;
  {
    // A port that was free a moment ago: nothing listens there now.
    FakeIngestion ingestion(night.registry);
    TestServer server(&ingestion);
    options.ingestion_address = server.address();
  }
  options.give_up_after = std::chrono::milliseconds(700);
  const auto start = std::chrono::steady_clock::now();
  auto report = StreamSubmissions(night.plan.submissions, options);
  EXPECT_FALSE(report.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

}  // namespace
}  // namespace hattama::hub
