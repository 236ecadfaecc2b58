// Issue #11, "acknowledged, then dropped": the same submission id sent with other content, or sent
// again, through two ingestion replicas, across a restart, and as copies in flight on both replicas
// at the same moment. Whatever path a copy takes, ACCEPTED is said once per id and only for content
// that is then counted and listed; a reused id is REJECTED (REASON_CODE_ID_REUSED) and an exact
// resend DUPLICATE. Meanwhile a well-behaved hub is answered and counted exactly.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/domain/partition.h"
#include "hattama/v1/ingestion.grpc.pb.h"
#include "hattama/v1/publication.grpc.pb.h"
#include "tests/testing/stream_exchange.h"
#include "tools/hub/client/client.h"
#include "tools/hub/simulator/plan.h"
#include "tools/hub/simulator/synthetic.h"
#include "tools/hub/simulator/truth.h"
#include "tools/hub/simulator/verify.h"
#include "tools/stack/stack.h"

namespace hattama {
namespace {

using namespace std::chrono_literals;

constexpr int kPartitions = 4;

struct Answers {
  std::vector<v1::SubmissionAck> acks;
  grpc::Status status;
};

// One stream to one ingestion replica: writes everything, half-closes, reads every answer.
Answers Send(const std::string& address, const std::vector<v1::Submission>& submissions) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // Its own connection, not a shared one.
  auto stub = v1::IngestionService::NewStub(
      grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + 60s);
  auto stream = stub->StreamSubmissions(&context);
  auto [acks, status] = hattama::testing::WriteAllThenReadAll<v1::SubmissionAck>(
      *stream, submissions, [](const v1::Submission& submission) {
        v1::StreamSubmissionsRequest request;
        *request.mutable_submission() = submission;
        return request;
      });
  return {std::move(acks), std::move(status)};
}

v1::SubmissionAck SendOne(const std::string& address, const v1::Submission& submission) {
  Answers answers = Send(address, {submission});
  EXPECT_TRUE(answers.status.ok()) << answers.status.error_message();
  EXPECT_EQ(answers.acks.size(), 1u);
  return answers.acks.empty() ? v1::SubmissionAck() : answers.acks.front();
}

bool IsReused(const v1::SubmissionAck& ack) {
  if (ack.outcome() != v1::OUTCOME_REJECTED) return false;
  for (const auto& reason : ack.reasons()) {
    if (reason.code() == v1::REASON_CODE_ID_REUSED && reason.field() == "submission_id") {
      return true;
    }
  }
  return false;
}

// The same protocol with one vote moved between two options: still consistent (so accepted on
// its own), other figures, so counting it would show in the totals.
v1::Submission OtherFigures(v1::Submission submission) {
  auto* votes = submission.mutable_protocol()->mutable_figures()->mutable_option_votes();
  for (int from = 0; from < votes->size(); ++from) {
    if ((*votes)[from].votes() == 0) continue;
    const int to = (from + 1) % votes->size();
    (*votes)[from].set_votes((*votes)[from].votes() - 1);
    (*votes)[to].set_votes((*votes)[to].votes() + 1);
    return submission;
  }
  ADD_FAILURE() << "no votes to move in " << submission.submission_id();
  return submission;
}

class HostileIds : public ::testing::Test {
 protected:
  void SetUp() override {
    auto registry = hub::GenerateRegistryFiles({.stations = 80, .seed = 11}, dir_.path());
    ASSERT_TRUE(registry.ok()) << registry.status().message();
    registry_ = *registry;
    // Clean protocols only, one per station and contest: every variation below is the test's.
    auto plan = hub::DrawPlan(
        *registry_,
        {.seed = 11, .hubs = 1, .broken_rate = 0, .malformed_rate = 0, .resend_rate = 0});
    ASSERT_TRUE(plan.ok()) << plan.status().message();
    protocols_ = std::move(plan->submissions);
    ASSERT_GE(protocols_.size(), 120u);
    auto stack = stack::Stack::Start(
        {.registry_dir = dir_.path(), .partitions = kPartitions, .ingestion_instances = 2});
    ASSERT_TRUE(stack.ok()) << stack.status().message();
    stack_ = std::move(stack).value();
  }

  // Takes the next `n` protocols of the plan, each for this test's use only.
  std::vector<v1::Submission> Take(size_t n) {
    std::vector<v1::Submission> taken;
    for (size_t i = 0; i < n && next_ < protocols_.size(); ++i) {
      taken.push_back(protocols_[next_++].submission);
    }
    EXPECT_EQ(taken.size(), n) << "the plan ran out of protocols";
    return taken;
  }

  // Keeps what an answer says counts: an ACCEPTED content must be counted and listed, and only
  // it. A second ACCEPTED for one id is a failure of its own.
  void Record(const v1::Submission& sent, const v1::SubmissionAck& ack) {
    ASSERT_EQ(ack.submission_id(), sent.submission_id());
    if (ack.outcome() != v1::OUTCOME_ACCEPTED && ack.outcome() != v1::OUTCOME_ACCEPTED_WITH_FLAGS) {
      return;
    }
    auto [it, first] = accepted_.emplace(sent.submission_id(), sent);
    EXPECT_TRUE(first) << sent.submission_id() << " was ACCEPTED twice";
  }

  // Two streams, one to each replica, started at the same moment with one copy of each id:
  // `a[i]` and `b[i]` share their submission id. Returns the answers by id.
  std::map<std::string, std::vector<v1::SubmissionAck>> Race(const std::vector<v1::Submission>& a,
                                                             const std::vector<v1::Submission>& b) {
    std::promise<void> go;
    std::shared_future<void> start = go.get_future().share();
    auto send = [&](size_t replica, const std::vector<v1::Submission>& submissions) {
      start.wait();
      return Send(stack_->ingestion_address(replica), submissions);
    };
    auto to_0 = std::async(std::launch::async, send, 0, std::cref(a));
    auto to_1 = std::async(std::launch::async, send, 1, std::cref(b));
    go.set_value();
    Answers answers_0 = to_0.get(), answers_1 = to_1.get();
    EXPECT_TRUE(answers_0.status.ok()) << answers_0.status.error_message();
    EXPECT_TRUE(answers_1.status.ok()) << answers_1.status.error_message();
    EXPECT_EQ(answers_0.acks.size(), a.size());
    EXPECT_EQ(answers_1.acks.size(), b.size());
    std::map<std::string, v1::Submission> sent_0, sent_1;
    for (const auto& s : a) sent_0[s.submission_id()] = s;
    for (const auto& s : b) sent_1[s.submission_id()] = s;
    std::map<std::string, std::vector<v1::SubmissionAck>> by_id;
    for (const auto& ack : answers_0.acks) {
      Record(sent_0.at(ack.submission_id()), ack);
      by_id[ack.submission_id()].push_back(ack);
    }
    for (const auto& ack : answers_1.acks) {
      Record(sent_1.at(ack.submission_id()), ack);
      by_id[ack.submission_id()].push_back(ack);
    }
    return by_id;
  }

  // The submission ids (with their digests' figures) publication lists as versions of a station
  // and contest, once the totals showed everything.
  std::set<std::string> Versions(const std::string& station_id, const std::string& contest_id) {
    auto stub = v1::PublicationService::NewStub(
        grpc::CreateChannel(stack_->publication_address(), grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 10s);
    v1::GetStationResultsRequest request;
    request.set_station_id(station_id);
    v1::StationResults results;
    grpc::Status status = stub->GetStationResults(&context, request, &results);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::set<std::string> versions;
    for (const auto& contest : results.contests()) {
      if (contest.contest_id() != contest_id) continue;
      for (const auto& version : contest.versions()) {
        versions.insert(version.submission().submission_id() + " " +
                        version.submission().protocol().SerializeAsString());
      }
    }
    return versions;
  }

  stack::TempDir dir_{"hattama-hostile-ids"};
  std::shared_ptr<const domain::Registry> registry_;
  std::vector<hub::PlannedSubmission> protocols_;
  size_t next_ = 0;
  std::unique_ptr<stack::Stack> stack_;
  // Submission id -> the content ingestion ACCEPTED under it.
  std::map<std::string, v1::Submission> accepted_;
};

TEST_F(HostileIds, EveryIdIsAcceptedOnceAcrossReplicasRestartsAndRacesAndCountedExactly) {
  // 1. One replica accepts; the other knows: an exact resend is a DUPLICATE, other content
  // under the id is REJECTED ID_REUSED.
  const std::vector<v1::Submission> first = Take(10);
  for (const auto& submission : first) {
    v1::SubmissionAck ack = SendOne(stack_->ingestion_address(0), submission);
    EXPECT_EQ(ack.outcome(), v1::OUTCOME_ACCEPTED) << submission.submission_id();
    Record(submission, ack);
  }
  for (const auto& submission : first) {
    v1::SubmissionAck resend = SendOne(stack_->ingestion_address(1), submission);
    EXPECT_EQ(resend.outcome(), v1::OUTCOME_DUPLICATE) << submission.submission_id();
    Record(submission, resend);
    const v1::Submission other = OtherFigures(submission);
    v1::SubmissionAck reused = SendOne(stack_->ingestion_address(1), other);
    EXPECT_TRUE(IsReused(reused)) << reused.DebugString();
    Record(other, reused);
  }

  // 2. Back to back on one stream, the second read before the first is confirmed.
  std::vector<v1::Submission> back_to_back;
  for (const auto& submission : Take(10)) {
    back_to_back.push_back(submission);
    back_to_back.push_back(OtherFigures(submission));
  }
  Answers one_stream = Send(stack_->ingestion_address(1), back_to_back);
  ASSERT_TRUE(one_stream.status.ok()) << one_stream.status.error_message();
  ASSERT_EQ(one_stream.acks.size(), back_to_back.size());
  std::map<std::string, std::multiset<v1::Outcome>> stream_outcomes;
  for (const auto& ack : one_stream.acks) {
    stream_outcomes[ack.submission_id()].insert(ack.outcome());
    EXPECT_TRUE(ack.outcome() == v1::OUTCOME_ACCEPTED || IsReused(ack)) << ack.DebugString();
  }
  for (size_t i = 0; i < back_to_back.size(); i += 2) {
    const std::string& id = back_to_back[i].submission_id();
    EXPECT_EQ(stream_outcomes[id], (std::multiset{v1::OUTCOME_ACCEPTED, v1::OUTCOME_REJECTED}));
  }
  // The copy read first claims the id first (a stream's claims are made in the order read), so
  // the original is the one ACCEPTED; the totals below check that.
  for (size_t i = 0; i < back_to_back.size(); i += 2) {
    accepted_.emplace(back_to_back[i].submission_id(), back_to_back[i]);
  }

  // 3. Copies in flight on both replicas at the same moment, while a well-behaved hub streams its
  // own protocols through replica 0: exact copies, other figures, and the same id on a station of
  // another partition (aggregation's "seen" memory is per partition, so only ingestion can stop
  // that one).
  const std::vector<v1::Submission> raced = Take(40);
  std::vector<v1::Submission> copies_a, copies_b;
  for (size_t i = 0; i < raced.size(); ++i) {
    copies_a.push_back(raced[i]);
    copies_b.push_back(i % 2 == 0 ? raced[i] : OtherFigures(raced[i]));
  }
  std::vector<v1::Submission> elsewhere = Take(20);
  std::vector<v1::Submission> cross_a, cross_b;
  for (size_t i = 0; i + 1 < elsewhere.size(); i += 2) {
    const v1::Submission& here = elsewhere[i];
    // A protocol of another partition's station, under `here`'s id.
    for (size_t j = i + 1; j < elsewhere.size(); ++j) {
      if (domain::PartitionOf(elsewhere[j].protocol().station_id(), kPartitions) ==
          domain::PartitionOf(here.protocol().station_id(), kPartitions)) {
        continue;
      }
      v1::Submission there = elsewhere[j];
      there.set_submission_id(here.submission_id());
      cross_a.push_back(here);
      cross_b.push_back(there);
      break;
    }
  }
  ASSERT_GE(cross_a.size(), 3u) << "too few stations of other partitions";
  copies_a.insert(copies_a.end(), cross_a.begin(), cross_a.end());
  copies_b.insert(copies_b.end(), cross_b.begin(), cross_b.end());

  std::vector<hub::PlannedSubmission> well_behaved;
  for (const auto& submission : Take(40)) {
    well_behaved.push_back({.submission = submission});
  }
  auto honest = std::async(std::launch::async, [&] {
    return hub::StreamSubmissions(well_behaved,
                                  {.ingestion_address = stack_->ingestion_address(0)});
  });
  const auto raced_answers = Race(copies_a, copies_b);
  for (size_t i = 0; i < copies_a.size(); ++i) {
    const std::string& id = copies_a[i].submission_id();
    const bool same = copies_a[i].SerializeAsString() == copies_b[i].SerializeAsString();
    std::multiset<v1::Outcome> outcomes;
    for (const auto& ack : raced_answers.at(id)) {
      outcomes.insert(ack.outcome());
      if (ack.outcome() == v1::OUTCOME_REJECTED) {
        EXPECT_TRUE(IsReused(ack)) << ack.DebugString();
      }
    }
    EXPECT_EQ(outcomes, (std::multiset{v1::OUTCOME_ACCEPTED,
                                       same ? v1::OUTCOME_DUPLICATE : v1::OUTCOME_REJECTED}))
        << id;
  }
  auto report = honest.get();
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->accepted, static_cast<int64_t>(well_behaved.size()));
  for (size_t i = 0; i < well_behaved.size(); ++i) {
    ASSERT_TRUE(report->acks[i].answered);
    EXPECT_EQ(report->acks[i].outcome, v1::OUTCOME_ACCEPTED);
    accepted_.emplace(well_behaved[i].submission.submission_id(), well_behaved[i].submission);
  }

  // The races cost the replicas no more memory than any night does (the ceiling the README gives
  // for a hub that misbehaves).
  for (size_t i = 0; i < 2; ++i) {
    auto peak = stack_->ingestion(i).PeakRssKb();
    ASSERT_TRUE(peak.ok()) << peak.status().message();
    EXPECT_LT(*peak, 256 * 1024) << "ingestion replica " << i << " peaked at " << *peak << " KiB";
  }

  // 4. Both replicas restarted: the claims outlive them.
  ASSERT_TRUE(stack_->RestartIngestion(0).ok());
  ASSERT_TRUE(stack_->RestartIngestion(1).ok());
  for (size_t i = 0; i < first.size(); ++i) {
    const std::string& replica = stack_->ingestion_address(i % 2);
    EXPECT_EQ(SendOne(replica, first[i]).outcome(), v1::OUTCOME_DUPLICATE);
    const v1::Submission other = OtherFigures(OtherFigures(first[i]));
    v1::SubmissionAck reused = SendOne(replica, other);
    EXPECT_TRUE(IsReused(reused)) << reused.DebugString();
    Record(other, reused);
  }

  // Publication shows exactly what was ACCEPTED: totals and counted protocols...
  std::vector<hub::PlannedSubmission> counted;
  for (const auto& [id, submission] : accepted_) counted.push_back({.submission = submission});
  const hub::Truth truth = hub::ComputeTruth(*registry_, counted);
  hub::VerifyReport verify = hub::VerifyPublication(
      *registry_, truth, {.publication_address = stack_->publication_address(), .timeout = 60s});
  EXPECT_TRUE(verify.reporting_complete);
  std::string lines;
  for (const auto& line : verify.mismatches) lines += line + "\n";
  EXPECT_EQ(verify.mismatch_count, 0) << lines;

  // ...and the versions: every station this test sent to lists exactly its ACCEPTED content.
  std::map<std::pair<std::string, std::string>, std::set<std::string>> expected_versions;
  for (const auto& [id, submission] : accepted_) {
    expected_versions[{submission.protocol().station_id(), submission.protocol().contest_id()}]
        .insert(id + " " + submission.protocol().SerializeAsString());
  }
  for (const auto& [station_contest, expected] : expected_versions) {
    EXPECT_EQ(Versions(station_contest.first, station_contest.second), expected)
        << station_contest.first << " " << station_contest.second;
  }
}

}  // namespace
}  // namespace hattama
