// Hostile hubs against one ingestion, through the whole stack (redis-server, the embedded Kafka,
// the three services), checked against the simulator's ground truth: a record too large for the
// log, a message too large, a message that is not UTF-8, and hubs that never read their answers
// while flooding ingestion. Each hostile message gets its own answer (or, unreadable, is named),
// no other message of the stream or of another hub is lost or delayed for long, every valid
// protocol is counted exactly once, and ingestion's memory stays under the README's ceiling.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/domain/hubs.h"
#include "hattama/v1/ingestion.grpc.pb.h"
#include "tools/hub/client/client.h"
#include "tools/hub/simulator/plan.h"
#include "tools/hub/simulator/synthetic.h"
#include "tools/hub/simulator/verify.h"
#include "tools/stack/stack.h"

namespace hattama {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// The ceiling the README documents for ingestion's resident memory while hubs misbehave within
// the default limits ("Sizes, lengths and streams").
constexpr int64_t kRssCeilingKb = 256 * 1024;

// "Иванов" in Windows-1251: what a hub sending CP1251 names puts in a string field.
const std::string kCp1251 = "\xC8\xE2\xE0\xED\xEE\xE2";

constexpr char kHostileHub[] = "hub-hostile";

std::string TokenOf(const std::string& hub_id) { return "token-of-" + hub_id; }

// A malformed submission: `lines` option lines for options no contest has, with short ids.
v1::Submission UnknownOptionLines(const v1::Submission& base, const std::string& id, int lines) {
  v1::Submission submission = base;
  submission.set_submission_id(id);
  submission.set_hub_id(kHostileHub);
  auto* figures = submission.mutable_protocol()->mutable_figures();
  for (int i = 0; i < lines; ++i) {
    auto* line = figures->add_option_votes();
    line->set_option_id("o" + std::to_string(i));
    line->set_votes(1);
  }
  return submission;
}

v1::StreamSubmissionsRequest Request(const v1::Submission& submission) {
  v1::StreamSubmissionsRequest request;
  *request.mutable_submission() = submission;
  return request;
}

// One raw stream of a hub, as a hub implementation other than ours would open it.
class RawStream {
 public:
  RawStream(const std::string& address, const std::string& hub_id) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    stub_ = v1::IngestionService::NewStub(
        grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args));
    context_.set_deadline(std::chrono::system_clock::now() + 240s);
    context_.AddMetadata("authorization", "Bearer " + TokenOf(hub_id));
    stream_ = stub_->StreamSubmissions(&context_);
  }

  bool Write(const v1::Submission& submission) { return stream_->Write(Request(submission)); }
  bool Read(v1::SubmissionAck& ack) { return stream_->Read(&ack); }
  void WritesDone() { stream_->WritesDone(); }
  // The final status, once every answer was read.
  grpc::Status Status() { return stream_->Finish(); }

  // Half-closes, reads every answer left, and returns them with the final status.
  std::pair<std::vector<v1::SubmissionAck>, grpc::Status> Finish() {
    stream_->WritesDone();
    std::vector<v1::SubmissionAck> acks;
    v1::SubmissionAck ack;
    while (stream_->Read(&ack)) acks.push_back(ack);
    return {std::move(acks), stream_->Finish()};
  }

  // Cancels the call (a blocked Write returns false), then ends it.
  void Cancel() { context_.TryCancel(); }
  void Abandon() {
    Cancel();
    v1::SubmissionAck ack;
    while (stream_->Read(&ack)) {
    }
    (void)stream_->Finish();
  }

 private:
  std::unique_ptr<v1::IngestionService::Stub> stub_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<v1::StreamSubmissionsRequest, v1::SubmissionAck>>
      stream_;
};

class HostileStream : public ::testing::Test {
 protected:
  void Start(int stations, int hubs, std::vector<std::string> ingestion_flags = {}) {
    auto registry = hub::GenerateRegistryFiles({.stations = stations, .seed = 31}, dir_.path());
    ASSERT_TRUE(registry.ok()) << registry.status().message();
    registry_ = *registry;
    auto plan = hub::DrawPlan(*registry_, {.seed = 31, .hubs = hubs});
    ASSERT_TRUE(plan.ok()) << plan.status().message();
    plan_ = std::move(plan).value();
    // Every hub of the plan and the hostile one, each with its own token, for every region.
    const std::string hubs_csv = dir_.path() + "/hubs.csv";
    {
      std::ofstream out(hubs_csv);
      out << "hub_id,token_sha256,regions,max_submissions_per_second\n";
      std::vector<std::string> ids = plan_.hub_ids;
      ids.push_back(kHostileHub);
      for (const auto& id : ids) {
        out << id << "," << domain::TokenSha256Hex(TokenOf(id)) << ",*,\n";
        tokens_[id] = TokenOf(id);
      }
    }
    auto stack = stack::Stack::Start({.registry_dir = dir_.path(),
                                      .partitions = 4,
                                      .hub_registry = hubs_csv,
                                      .ingestion_flags = std::move(ingestion_flags)});
    ASSERT_TRUE(stack.ok()) << stack.status().message();
    stack_ = std::move(stack).value();
  }

  hub::StreamOptions ClientOptions() {
    hub::StreamOptions options;
    options.ingestion_address = stack_->ingestion_address();
    options.tokens = tokens_;
    options.give_up_after = 60s;
    return options;
  }

  hub::VerifyReport Verify() {
    return hub::VerifyPublication(
        *registry_, plan_.truth,
        {.publication_address = stack_->publication_address(), .timeout = 90s});
  }

  // A planned submission to build hostile ones from (a clean protocol of a real station).
  const v1::Submission& AnyClean() const {
    for (const auto& planned : plan_.submissions) {
      if (planned.kind == hub::SubmissionKind::kClean) return planned.submission;
    }
    return plan_.submissions.front().submission;
  }

  stack::TempDir dir_{"hattama-hostile-stream"};
  std::shared_ptr<const domain::Registry> registry_;
  hub::Plan plan_;
  std::map<std::string, std::string> tokens_;
  std::unique_ptr<stack::Stack> stack_;
};

TEST_F(HostileStream, OversizedRecordAndMessageGetTheirOwnAnswersAndTheStreamGoesOn) {
  Start(200, 1);
  // The two: 20,000 unknown option lines (a rejection record that once exceeded Kafka's
  // message size) and a valid-looking protocol with a 1 MB observer id.
  v1::Submission lines = UnknownOptionLines(AnyClean(), "hostile-20000-lines", 20'000);
  lines.set_hub_id(plan_.hub_ids[0]);
  v1::Submission observer = AnyClean();
  observer.set_submission_id("hostile-1mb-observer");
  observer.set_observer_id(std::string(1'000'000, 'o'));

  // One hub's stream, the hostile ones among its valid protocols.
  std::vector<v1::Submission> sent;
  for (const auto& planned : plan_.submissions) sent.push_back(planned.submission);
  sent.insert(sent.begin() + static_cast<long>(sent.size() / 3), lines);
  sent.insert(sent.begin() + static_cast<long>(2 * sent.size() / 3), observer);
  RawStream stream(stack_->ingestion_address(), plan_.hub_ids[0]);
  std::vector<v1::SubmissionAck> acks;
  std::thread reader([&] {
    v1::SubmissionAck ack;
    while (stream.Read(ack)) acks.push_back(ack);
  });
  size_t written = 0;
  for (const auto& submission : sent) {
    if (!stream.Write(submission)) break;
    ++written;
  }
  stream.WritesDone();
  reader.join();
  const grpc::Status status = stream.Status();
  EXPECT_EQ(written, sent.size());

  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(acks.size(), sent.size());  // One answer each: nothing was left unanswered.
  std::map<std::string, v1::SubmissionAck> by_id;
  for (const auto& ack : acks) by_id[ack.submission_id()] = ack;
  auto has = [](const v1::SubmissionAck& ack, v1::ReasonCode code) {
    return std::any_of(ack.reasons().begin(), ack.reasons().end(),
                       [&](const v1::Reason& reason) { return reason.code() == code; });
  };
  const v1::SubmissionAck& lines_ack = by_id[lines.submission_id()];
  EXPECT_EQ(lines_ack.outcome(), v1::OUTCOME_REJECTED);
  EXPECT_TRUE(has(lines_ack, v1::REASON_CODE_TOO_MANY_LINES));
  EXPECT_LE(lines_ack.reasons_size(), 20);
  const v1::SubmissionAck& observer_ack = by_id[observer.submission_id()];
  EXPECT_EQ(observer_ack.outcome(), v1::OUTCOME_REJECTED);
  EXPECT_TRUE(has(observer_ack, v1::REASON_CODE_TOO_LONG));
  for (const auto& planned : plan_.submissions) {
    const v1::Outcome outcome = by_id[planned.submission.submission_id()].outcome();
    EXPECT_NE(outcome, v1::OUTCOME_UNSPECIFIED) << planned.submission.submission_id();
  }

  hub::VerifyReport verify = Verify();
  EXPECT_TRUE(verify.reporting_complete);
  EXPECT_EQ(verify.mismatch_count, 0) << (verify.mismatches.empty() ? "" : verify.mismatches[0]);
}

TEST_F(HostileStream, UnreadableSubmissionIsNamedAndTheHubClientResendsTheRest) {
  Start(200, 1);
  // A malformed extra of the plan (rejected, never counted) arrives in CP1251 instead.
  std::vector<hub::PlannedSubmission> planned = plan_.submissions;
  size_t bad = planned.size();
  for (size_t i = planned.size() / 2; i < planned.size() && bad == planned.size(); ++i) {
    if (planned[i].kind == hub::SubmissionKind::kMalformed) bad = i;
  }
  ASSERT_LT(bad, planned.size()) << "the plan has no malformed submission in its second half";
  planned[bad].submission.set_observer_id(kCp1251);

  // A hub of its own: the stream ends INVALID_ARGUMENT naming the message after answering those
  // before it.
  {
    RawStream raw(stack_->ingestion_address(), plan_.hub_ids[0]);
    for (size_t i = 0; i < 3; ++i) ASSERT_TRUE(raw.Write(planned[i].submission));
    ASSERT_TRUE(raw.Write(planned[bad].submission));
    ASSERT_TRUE(raw.Write(planned[3].submission));
    auto [acks, status] = raw.Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_NE(status.error_message().find("message 4 of this stream cannot be read: field "
                                          "submission.observer_id is not valid UTF-8"),
              std::string::npos)
        << status.error_message();
    EXPECT_EQ(acks.size(), 3u);
  }

  // The hub client sets it aside and resends everything else.
  auto report = hub::StreamSubmissions(planned, ClientOptions());
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->not_sent, 1);
  EXPECT_GE(report->reconnects, 1);
  EXPECT_NE(report->acks[bad].not_sent.find("submission.observer_id is not valid UTF-8"),
            std::string::npos)
      << report->acks[bad].not_sent;
  for (size_t i = 0; i < planned.size(); ++i) {
    if (i != bad) {
      EXPECT_TRUE(report->acks[i].answered) << i;
    }
  }

  hub::VerifyReport verify = Verify();
  EXPECT_TRUE(verify.reporting_complete);
  EXPECT_EQ(verify.mismatch_count, 0) << (verify.mismatches.empty() ? "" : verify.mismatches[0]);
}

// Current resident memory of `process` in KiB (VmRSS), or -1 once it ended.
int64_t RssKb(const stack::Process& process) {
  auto rss = process.RssKb();
  return rss.ok() ? *rss : -1;
}

TEST_F(HostileStream, HubsThatNeverReadTheirAnswersCannotExhaustIngestionNorDelayTheOthers) {
  Start(300, 2);
  const stack::Process& ingestion = stack_->ingestion();
  const int64_t rss_at_start = RssKb(ingestion);
  ASSERT_GT(rss_at_start, 0);

  // Memory is watched for the whole run.
  std::atomic<bool> done{false};
  std::atomic<int64_t> rss_max{rss_at_start};
  std::thread watcher([&] {
    while (!done) {
      const int64_t now = RssKb(ingestion);
      if (now > rss_max) rss_max = now;
      std::this_thread::sleep_for(50ms);
    }
  });

  // Two streams of the hostile hub send ~40 KB malformed submissions as fast as they can and
  // never read an answer.
  const v1::Submission flood = UnknownOptionLines(AnyClean(), "", 4'200);
  ASSERT_GT(flood.ByteSizeLong(), 38'000u);
  std::atomic<int64_t> flooded{0};
  std::vector<std::unique_ptr<RawStream>> floods;
  std::vector<std::thread> flooders;
  std::vector<std::unique_ptr<RawStream>> idle;
  // Ends the floods and the watcher, also when an assertion returns early.
  auto stop = [&] {
    if (done.exchange(true)) return;
    for (auto& stream : floods) stream->Cancel();
    for (auto& thread : flooders) thread.join();
    for (auto& stream : floods) stream->Abandon();
    for (auto& stream : idle) stream->Abandon();
    watcher.join();
  };
  struct StopOnExit {
    std::function<void()> stop;
    ~StopOnExit() { stop(); }
  } stop_on_exit{stop};
  for (int s = 0; s < 2; ++s) {
    floods.push_back(std::make_unique<RawStream>(stack_->ingestion_address(), kHostileHub));
    flooders.emplace_back([&, s] {
      v1::Submission submission = flood;
      for (int i = 0; !done; ++i) {
        submission.set_submission_id("flood-" + std::to_string(s) + "-" + std::to_string(i));
        if (!floods[s]->Write(submission)) return;
        ++flooded;
      }
    });
  }
  const auto flood_started = Clock::now();
  while (flooded < 100 && Clock::now() < flood_started + 20s) std::this_thread::sleep_for(10ms);
  ASSERT_GE(flooded, 100) << "the hostile hub could not even start";

  // Meanwhile the other hubs send their night, and every answer comes promptly.
  std::mutex times_mu;
  std::vector<Clock::time_point> answered_at;
  hub::StreamOptions options = ClientOptions();
  options.on_answer = [&](size_t, const v1::SubmissionAck&) {
    std::lock_guard lock(times_mu);
    answered_at.push_back(Clock::now());
  };
  const auto sending = Clock::now();
  auto report = hub::StreamSubmissions(plan_.submissions, options);
  ASSERT_TRUE(report.ok()) << report.status().message();
  const auto check = hub::CheckOutcomes(plan_.submissions, *report);
  EXPECT_EQ(check.mismatch_count, 0) << (check.mismatches.empty() ? "" : check.mismatches[0]);
  EXPECT_EQ(report->reconnects, 0);
  ASSERT_EQ(answered_at.size(), plan_.submissions.size());
  std::sort(answered_at.begin(), answered_at.end());
  Clock::duration longest_wait = answered_at.front() - sending;
  for (size_t i = 1; i < answered_at.size(); ++i) {
    longest_wait = std::max(longest_wait, answered_at[i] - answered_at[i - 1]);
  }
  EXPECT_LT(longest_wait, 3s) << "the other hubs waited "
                              << std::chrono::duration<double>(longest_wait).count()
                              << " s for an answer";

  // The hostile hub is at its cap of streams (--max-streams-per-hub, 8): six more are let in,
  // the ninth is refused.
  for (int s = 0; s < 6; ++s) {
    auto stream = std::make_unique<RawStream>(stack_->ingestion_address(), kHostileHub);
    v1::Submission unknown = AnyClean();
    unknown.set_submission_id("idle-" + std::to_string(s));
    unknown.set_hub_id(kHostileHub);
    unknown.mutable_protocol()->set_station_id("UIK-NOWHERE");
    ASSERT_TRUE(stream->Write(unknown));
    v1::SubmissionAck ack;
    ASSERT_TRUE(stream->Read(ack)) << "stream " << s << " of the cap was not let in";
    EXPECT_EQ(ack.outcome(), v1::OUTCOME_REJECTED);
    idle.push_back(std::move(stream));
  }
  {
    RawStream ninth(stack_->ingestion_address(), kHostileHub);
    auto [acks, status] = ninth.Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
    EXPECT_NE(status.error_message().find("hub hub-hostile has 8 streams open"), std::string::npos)
        << status.error_message();
  }

  // Every valid protocol counted exactly; none of the flood.
  hub::VerifyReport verify = Verify();
  EXPECT_TRUE(verify.reporting_complete);
  EXPECT_EQ(verify.mismatch_count, 0) << (verify.mismatches.empty() ? "" : verify.mismatches[0]);

  // The flood goes on for at least as long as the one that once took ingestion to 2 GB (12 s),
  // memory watched all the while.
  while (Clock::now() < flood_started + 12s) std::this_thread::sleep_for(100ms);
  stop();
  auto peak = stack_->ingestion().PeakRssKb();
  ASSERT_TRUE(peak.ok()) << peak.status().message();
  std::printf(
      "ingestion RSS: %lld KiB at start, %lld KiB at most while flooded (peak %lld KiB); "
      "%lld flood messages written\n",
      static_cast<long long>(rss_at_start), static_cast<long long>(rss_max.load()),
      static_cast<long long>(*peak), static_cast<long long>(flooded.load()));
  EXPECT_LT(rss_max, kRssCeilingKb);
  EXPECT_LT(*peak, kRssCeilingKb);
}

}  // namespace
}  // namespace hattama
