#include "tools/hub/client/client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "tests/hub/fake_services.h"
#include "tools/hub/simulator/plan.h"
#include "tools/hub/simulator/synthetic.h"
#include "tools/hub/simulator/verify.h"

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

// Answers every submission ACCEPTED in order, except that, like ingestion, it cannot read a
// submission whose observer id is "unreadable": it ends the stream there INVALID_ARGUMENT, naming
// the message's position in the trailing metadata (everything before it was answered).
class PickyIngestion final : public v1::IngestionService::Service {
 public:
  grpc::Status StreamSubmissions(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::SubmissionAck, v1::StreamSubmissionsRequest>* stream) override {
    streams_ += 1;
    v1::StreamSubmissionsRequest request;
    for (int position = 1; stream->Read(&request); ++position) {
      const std::string& id = request.submission().submission_id();
      {
        std::lock_guard lock(mutex_);
        received_[id] += 1;
      }
      if (request.submission().observer_id() == "unreadable") {
        context->AddTrailingMetadata(kUnreadableMessageHeader, std::to_string(position));
        return grpc::Status(
            grpc::StatusCode::INVALID_ARGUMENT,
            "message " + std::to_string(position) + " of this stream cannot be read");
      }
      v1::SubmissionAck ack;
      ack.set_submission_id(id);
      ack.set_outcome(v1::OUTCOME_ACCEPTED);
      stream->Write(ack);
    }
    return grpc::Status::OK;
  }

  int received(const std::string& id) {
    std::lock_guard lock(mutex_);
    return received_[id];
  }
  int streams() const { return streams_; }

 private:
  std::mutex mutex_;
  std::map<std::string, int> received_;
  std::atomic<int> streams_{0};
};

std::vector<PlannedSubmission> Numbered(int count) {
  std::vector<PlannedSubmission> planned(count);
  for (int i = 0; i < count; ++i) {
    planned[i].submission.set_submission_id("s-" + std::to_string(i));
    planned[i].submission.set_hub_id("hub-1");
    planned[i].submission.set_observer_id("observer");
  }
  return planned;
}

TEST(Client, SubmissionIngestionCannotReadIsSetAsideAndTheRestAreResent) {
  PickyIngestion ingestion;
  TestServer server(&ingestion);
  auto planned = Numbered(50);
  planned[20].submission.set_observer_id("unreadable");

  auto report = StreamSubmissions(planned, OptionsFor(server));
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->accepted, 49);
  EXPECT_EQ(report->not_sent, 1);
  EXPECT_EQ(report->reconnects, 1);
  EXPECT_FALSE(report->acks[20].answered);
  EXPECT_NE(report->acks[20].not_sent.find("message 21 of this stream cannot be read"),
            std::string::npos)
      << report->acks[20].not_sent;
  // Not sent again; every other one answered, the ones after it on the second stream.
  EXPECT_EQ(ingestion.received("s-20"), 1);
  for (int i = 0; i < 50; ++i) {
    if (i != 20) {
      EXPECT_TRUE(report->acks[i].answered) << i;
    }
  }
  EXPECT_EQ(ingestion.streams(), 2);
}

TEST(Client, SubmissionAboveTheMessageLimitIsNotSentAndTheRestAre) {
  PickyIngestion ingestion;
  TestServer server(&ingestion);
  auto planned = Numbered(10);
  planned[3].submission.set_observer_id(std::string(2000, 'o'));
  auto options = OptionsFor(server);
  options.max_message_bytes = 1000;

  auto report = StreamSubmissions(planned, options);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->accepted, 9);
  EXPECT_EQ(report->not_sent, 1);
  EXPECT_EQ(report->reconnects, 0);
  EXPECT_NE(report->acks[3].not_sent.find("above the 1000 bytes"), std::string::npos)
      << report->acks[3].not_sent;
  EXPECT_EQ(ingestion.received("s-3"), 0);
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
