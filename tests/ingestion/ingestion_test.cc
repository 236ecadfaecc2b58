// The ingestion service as a hub sees it: real gRPC over loopback, a real embedded Kafka
// (hattama-devkafka) and a real redis-server (the id claims), and what landed in the topics read
// back with the project's Consumer.
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "common/domain/hubs.h"
#include "common/domain/partition.h"
#include "common/domain/registry.h"
#include "common/kafka/consumer.h"
#include "common/kafka/message.h"
#include "common/kafka/topics.h"
#include "hattama/v1/ingestion.grpc.pb.h"
#include "hattama/v1/records.pb.h"
#include "services/ingestion/ingestion_server.h"
#include "tests/ingestion/ingestion_fixture.h"
#include "tests/ingestion/test_hub.h"
#include "tests/testing/election.h"
#include "tests/testing/eventually.h"
#include "tests/testing/stream_exchange.h"
#include "tools/hub/client/client.h"
#include "tools/hub/client/send.h"
#include "tools/hub/simulator/planned_submission.h"
#include "tools/stack/stack.h"

namespace hattama::ingestion {
namespace {

using namespace std::chrono_literals;
using google::protobuf::util::MessageDifferencer;

constexpr int kPartitions = kSuitePartitions;

// Reads `topic` from the beginning with a fresh consumer group until `done` holds for what was
// read, or `timeout` passes.
std::vector<kafka::Message> ReadTopicUntil(
    const std::string& bootstrap, const std::string& topic,
    const std::function<bool(const std::vector<kafka::Message>&)>& done,
    std::chrono::milliseconds timeout = 20s) {
  auto consumer = kafka::Consumer::Create(bootstrap, Unique("reader"), {topic});
  EXPECT_TRUE(consumer.ok()) << consumer.status().message();
  std::vector<kafka::Message> messages;
  if (!consumer.ok()) return messages;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done(messages) && std::chrono::steady_clock::now() < deadline) {
    auto batch = (*consumer)->Poll(500, 200ms);
    EXPECT_TRUE(batch.ok()) << batch.status().message();
    if (!batch.ok()) break;
    messages.insert(messages.end(), batch->begin(), batch->end());
  }
  return messages;
}

std::vector<v1::SubmissionRecord> SubmissionRecords(const std::vector<kafka::Message>& messages,
                                                    const std::string& id) {
  std::vector<v1::SubmissionRecord> records;
  for (const auto& message : messages) {
    v1::SubmissionRecord record;
    EXPECT_TRUE(record.ParseFromString(message.value));
    if (record.submission().submission_id() == id) records.push_back(record);
  }
  return records;
}

// Every record of the submissions topic up to and including the one of `marker_id`. The marker is
// sent last, on the same station (hence partition) as what the test looks for, so anything written
// before it is in the log before it.
std::vector<kafka::Message> SubmissionsUpTo(const std::string& bootstrap,
                                            const std::string& marker_id) {
  return ReadTopicUntil(bootstrap, kafka::kSubmissionsTopic, [&](const auto& messages) {
    return !SubmissionRecords(messages, marker_id).empty();
  });
}

std::vector<v1::RejectionRecord> RejectionRecordsOf(const std::string& bootstrap,
                                                    const std::string& id) {
  std::vector<v1::RejectionRecord> found;
  ReadTopicUntil(bootstrap, kafka::kRejectionsTopic, [&](const auto& messages) {
    found.clear();
    for (const auto& message : messages) {
      v1::RejectionRecord record;
      v1::Submission raw;
      EXPECT_TRUE(record.ParseFromString(message.value));
      EXPECT_TRUE(raw.ParseFromString(record.raw_submission()));
      if (raw.submission_id() == id) found.push_back(record);
    }
    return !found.empty();
  });
  return found;
}

bool HasReason(const v1::SubmissionAck& ack, const std::string& field, v1::ReasonCode code) {
  for (const auto& reason : ack.reasons()) {
    if (reason.field() == field && reason.code() == code && !reason.message().empty()) return true;
  }
  return false;
}

// The suite's Kafka and Redis (ingestion_fixture.h), and an ingestion instance of its own for each
// test.
class IngestionTest : public IngestionSuite {
 protected:
  void SetUp() override {
    IngestionSuite::SetUp();
    server_ = StartServer();
    ASSERT_NE(server_, nullptr);
  }

  std::unique_ptr<IngestionServer> server_;
};

TEST_F(IngestionTest, AcceptedSubmissionIsInTheLogKeyedAndPartitionedByStation) {
  Hub hub(server_->port());
  const v1::Submission sent = CleanSubmission(Unique("accepted"), "S2");

  v1::SubmissionAck ack = hub.SendOne(sent);
  EXPECT_EQ(ack.submission_id(), sent.submission_id());
  EXPECT_EQ(ack.outcome(), v1::OUTCOME_ACCEPTED);
  EXPECT_EQ(ack.reasons_size(), 0);

  // The ack promised the record is durably in the log: it must be readable now.
  auto messages = ReadTopicUntil(bootstrap(), kafka::kSubmissionsTopic, [&](const auto& read) {
    return !SubmissionRecords(read, sent.submission_id()).empty();
  });
  const kafka::Message* landed = nullptr;
  for (const auto& message : messages) {
    if (!SubmissionRecords({message}, sent.submission_id()).empty()) landed = &message;
  }
  ASSERT_NE(landed, nullptr);
  EXPECT_EQ(landed->key, "S2|mazhilis");
  EXPECT_EQ(landed->partition, domain::PartitionOf("S2", kPartitions));
  v1::SubmissionRecord record;
  ASSERT_TRUE(record.ParseFromString(landed->value));
  EXPECT_TRUE(MessageDifferencer::Equals(record.submission(), sent));
  EXPECT_EQ(record.digest(), SubmissionDigest(sent));
  EXPECT_EQ(record.flags_size(), 0);
  EXPECT_GT(record.accepted_time().seconds(), 0);
}

TEST_F(IngestionTest, MalformedSubmissionIsRejectedWithReasonsAndRecordedAsRejection) {
  Hub hub(server_->port());
  v1::Submission sent = CleanSubmission(Unique("malformed"));
  sent.mutable_protocol()->mutable_figures()->clear_ballots_valid();
  sent.mutable_protocol()->mutable_figures()->mutable_option_votes(1)->set_votes(-5);

  v1::SubmissionAck ack = hub.SendOne(sent);
  EXPECT_EQ(ack.outcome(), v1::OUTCOME_REJECTED);
  EXPECT_TRUE(HasReason(ack, "protocol.figures.ballots_valid", v1::REASON_CODE_MISSING));
  EXPECT_TRUE(HasReason(ack, "protocol.figures.option_votes[1].votes", v1::REASON_CODE_NEGATIVE));

  auto rejections = RejectionRecordsOf(bootstrap(), sent.submission_id());
  ASSERT_EQ(rejections.size(), 1u);
  EXPECT_EQ(rejections[0].hub_id(), "hub-almaty");
  ASSERT_EQ(rejections[0].reasons_size(), ack.reasons_size());
  for (int i = 0; i < ack.reasons_size(); ++i) {
    EXPECT_TRUE(MessageDifferencer::Equals(rejections[0].reasons(i), ack.reasons(i)));
  }
  v1::Submission raw;
  ASSERT_TRUE(raw.ParseFromString(rejections[0].raw_submission()));
  EXPECT_TRUE(MessageDifferencer::Equals(raw, sent));

  // Not counted: it never reaches the submissions topic.
  const v1::Submission marker = CleanSubmission(Unique("marker"));
  ASSERT_EQ(hub.SendOne(marker).outcome(), v1::OUTCOME_ACCEPTED);
  EXPECT_TRUE(
      SubmissionRecords(SubmissionsUpTo(bootstrap(), marker.submission_id()), sent.submission_id())
          .empty());
}

TEST_F(IngestionTest, UnknownStationIsRejectedNamingTheField) {
  Hub hub(server_->port());
  v1::SubmissionAck ack = hub.SendOne(CleanSubmission(Unique("unknown"), "s404"));
  EXPECT_EQ(ack.outcome(), v1::OUTCOME_REJECTED);
  EXPECT_TRUE(HasReason(ack, "protocol.station_id", v1::REASON_CODE_UNKNOWN_STATION));
}

TEST_F(IngestionTest, BrokenControlRelationIsAcceptedWithFlags) {
  Hub hub(server_->port());
  v1::Submission sent = CleanSubmission(Unique("flagged"));
  sent.mutable_protocol()->mutable_figures()->set_ballots_spoiled(25);  // 570 + 25 = 595, not 590

  v1::SubmissionAck ack = hub.SendOne(sent);
  EXPECT_EQ(ack.outcome(), v1::OUTCOME_ACCEPTED_WITH_FLAGS);
  ASSERT_EQ(ack.reasons_size(), 1);
  EXPECT_TRUE(HasReason(ack, "protocol.figures.ballots_in_box",
                        v1::REASON_CODE_VALID_PLUS_SPOILED_NOT_IN_BOX));

  auto records =
      SubmissionRecords(SubmissionsUpTo(bootstrap(), sent.submission_id()), sent.submission_id());
  ASSERT_EQ(records.size(), 1u);
  ASSERT_EQ(records[0].flags_size(), 1);
  EXPECT_TRUE(MessageDifferencer::Equals(records[0].flags(0), ack.reasons(0)));
}

TEST_F(IngestionTest, ResentSubmissionIsAnsweredDuplicateAndNotWrittenAgain) {
  Hub hub(server_->port());
  const v1::Submission sent = CleanSubmission(Unique("resent"));
  ASSERT_EQ(hub.SendOne(sent).outcome(), v1::OUTCOME_ACCEPTED);

  // A hub that lost the answer reconnects and sends it again.
  v1::SubmissionAck again = hub.SendOne(sent);
  EXPECT_EQ(again.submission_id(), sent.submission_id());
  EXPECT_EQ(again.outcome(), v1::OUTCOME_DUPLICATE);

  const v1::Submission marker = CleanSubmission(Unique("marker"));
  ASSERT_EQ(hub.SendOne(marker).outcome(), v1::OUTCOME_ACCEPTED);
  EXPECT_EQ(
      SubmissionRecords(SubmissionsUpTo(bootstrap(), marker.submission_id()), sent.submission_id())
          .size(),
      1u);
}

TEST_F(IngestionTest, ReusedIdWithOtherContentIsRejectedAndTheFirstVersionStands) {
  Hub hub(server_->port());
  const v1::Submission first = CleanSubmission(Unique("reused"));
  ASSERT_EQ(hub.SendOne(first).outcome(), v1::OUTCOME_ACCEPTED);
  v1::Submission other = first;
  other.mutable_protocol()->mutable_figures()->mutable_option_votes(0)->set_votes(301);

  v1::SubmissionAck ack = hub.SendOne(other);
  EXPECT_EQ(ack.outcome(), v1::OUTCOME_REJECTED);
  EXPECT_TRUE(HasReason(ack, "submission_id", v1::REASON_CODE_ID_REUSED));
  EXPECT_EQ(RejectionRecordsOf(bootstrap(), first.submission_id()).size(), 1u);

  const v1::Submission marker = CleanSubmission(Unique("marker"));
  ASSERT_EQ(hub.SendOne(marker).outcome(), v1::OUTCOME_ACCEPTED);
  auto records = SubmissionRecords(SubmissionsUpTo(bootstrap(), marker.submission_id()),
                                   first.submission_id());
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(MessageDifferencer::Equals(records[0].submission(), first));
}

// The same submission with one vote moved from option a to b: same id, other content, still
// clean (accepted on its own).
v1::Submission OtherContent(v1::Submission submission) {
  auto* figures = submission.mutable_protocol()->mutable_figures();
  figures->mutable_option_votes(0)->set_votes(figures->option_votes(0).votes() - 1);
  figures->mutable_option_votes(1)->set_votes(figures->option_votes(1).votes() + 1);
  return submission;
}

// Outcomes per submission id.
std::map<std::string, std::multiset<v1::Outcome>> OutcomesById(
    const std::vector<v1::SubmissionAck>& acks) {
  std::map<std::string, std::multiset<v1::Outcome>> outcomes;
  for (const auto& ack : acks) outcomes[ack.submission_id()].insert(ack.outcome());
  return outcomes;
}

TEST_F(IngestionTest, SameIdWithOtherContentBackToBackOnOneStreamIsAcceptedOnceThenRejected) {
  Hub hub(server_->port());
  const v1::Submission first = CleanSubmission(Unique("back-to-back"));
  const v1::Submission other = OtherContent(first);
  // Both are read before Kafka confirmed the first: the claim decides, not the confirmation.
  StreamResult result = hub.Send({first, other});
  ASSERT_TRUE(result.status.ok()) << result.status.error_message();
  ASSERT_EQ(result.acks.size(), 2u);
  std::map<v1::Outcome, v1::SubmissionAck> by_outcome;
  for (const auto& ack : result.acks) by_outcome[ack.outcome()] = ack;
  ASSERT_TRUE(by_outcome.contains(v1::OUTCOME_ACCEPTED));
  ASSERT_TRUE(by_outcome.contains(v1::OUTCOME_REJECTED));
  EXPECT_TRUE(
      HasReason(by_outcome[v1::OUTCOME_REJECTED], "submission_id", v1::REASON_CODE_ID_REUSED));

  // Only the first content is in the submissions topic; the other is in the rejections topic.
  auto rejections = RejectionRecordsOf(bootstrap(), first.submission_id());
  ASSERT_EQ(rejections.size(), 1u);
  v1::Submission raw;
  ASSERT_TRUE(raw.ParseFromString(rejections[0].raw_submission()));
  EXPECT_TRUE(MessageDifferencer::Equals(raw, other));
  const v1::Submission marker = CleanSubmission(Unique("marker"));
  ASSERT_EQ(hub.SendOne(marker).outcome(), v1::OUTCOME_ACCEPTED);
  auto records = SubmissionRecords(SubmissionsUpTo(bootstrap(), marker.submission_id()),
                                   first.submission_id());
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(MessageDifferencer::Equals(records[0].submission(), first));
}

TEST_F(IngestionTest, ExactCopiesBackToBackOnOneStreamAreOneAcceptedAndOneDuplicate) {
  Hub hub(server_->port());
  const v1::Submission sent = CleanSubmission(Unique("copies"));
  StreamResult result = hub.Send({sent, sent});
  ASSERT_TRUE(result.status.ok()) << result.status.error_message();
  EXPECT_EQ(OutcomesById(result.acks)[sent.submission_id()],
            (std::multiset{v1::OUTCOME_ACCEPTED, v1::OUTCOME_DUPLICATE}));
}

// Two hubs (or one hub's two connections) stream the same ids at the same moment, to one instance
// or to two sharing the Redis of the claims. `other_content`: the second stream's copies differ.
void RaceTwoStreams(int port_a, int port_b, bool other_content, const std::string& bootstrap) {
  constexpr int kIds = 40;
  const std::string prefix = Unique(other_content ? "race-other" : "race-same");
  std::vector<v1::Submission> a, b;
  for (int i = 0; i < kIds; ++i) {
    a.push_back(CleanSubmission(prefix + "-" + std::to_string(i), i % 2 ? "S1" : "S2"));
    b.push_back(other_content ? OtherContent(a.back()) : a.back());
  }
  Hub hub_a(port_a), hub_b(port_b);
  std::promise<void> go;
  std::shared_future<void> start = go.get_future().share();
  auto send = [&](Hub& hub, const std::vector<v1::Submission>& submissions) {
    start.wait();
    return hub.Send(submissions);
  };
  auto result_a = std::async(std::launch::async, send, std::ref(hub_a), std::cref(a));
  auto result_b = std::async(std::launch::async, send, std::ref(hub_b), std::cref(b));
  go.set_value();
  StreamResult got_a = result_a.get(), got_b = result_b.get();
  ASSERT_TRUE(got_a.status.ok()) << got_a.status.error_message();
  ASSERT_TRUE(got_b.status.ok()) << got_b.status.error_message();
  std::vector<v1::SubmissionAck> acks = got_a.acks;
  acks.insert(acks.end(), got_b.acks.begin(), got_b.acks.end());
  ASSERT_EQ(acks.size(), 2u * kIds);
  const auto outcomes = OutcomesById(acks);
  const v1::Outcome loser = other_content ? v1::OUTCOME_REJECTED : v1::OUTCOME_DUPLICATE;
  std::set<std::string> accepted_from_a;
  for (int i = 0; i < kIds; ++i) {
    const std::string id = a[i].submission_id();
    EXPECT_EQ(outcomes.at(id), (std::multiset{v1::OUTCOME_ACCEPTED, loser})) << id;
  }
  for (const auto& ack : got_a.acks) {
    if (ack.outcome() == v1::OUTCOME_ACCEPTED) accepted_from_a.insert(ack.submission_id());
  }
  if (!other_content) return;
  // The log holds, for each id, only the content that was ACCEPTED.
  const v1::Submission marker = CleanSubmission(Unique("marker"), "S1");
  Hub marker_hub(port_a);
  ASSERT_EQ(marker_hub.SendOne(marker).outcome(), v1::OUTCOME_ACCEPTED);
  auto log = ReadTopicUntil(bootstrap, kafka::kSubmissionsTopic, [&](const auto& read) {
    int found = 0;
    for (const auto& id :
         {a.front().submission_id(), a.back().submission_id(), marker.submission_id()}) {
      found += !SubmissionRecords(read, id).empty();
    }
    return found == 3;  // Both stations' partitions read past the race.
  });
  for (int i = 0; i < kIds; ++i) {
    const std::string id = a[i].submission_id();
    const v1::Submission& winner = accepted_from_a.contains(id) ? a[i] : b[i];
    auto records = SubmissionRecords(log, id);
    ASSERT_FALSE(records.empty()) << id;
    for (const auto& record : records) {
      EXPECT_TRUE(MessageDifferencer::Equals(record.submission(), winner)) << id;
    }
  }
}

TEST_F(IngestionTest, TwoStreamsSendingTheSameIdsAtOnceGetOneAcceptedAndOneDuplicateEach) {
  RaceTwoStreams(server_->port(), server_->port(), false, bootstrap());
}

TEST_F(IngestionTest, TwoStreamsSendingOtherContentUnderTheSameIdsAtOnceGetOneAcceptedOneRejected) {
  RaceTwoStreams(server_->port(), server_->port(), true, bootstrap());
}

TEST_F(IngestionTest, TwoInstancesSharingTheClaimsRaceLikeTwoStreamsOfOne) {
  auto replica = StartServer(ServiceOptions{});
  ASSERT_NE(replica, nullptr);
  RaceTwoStreams(server_->port(), replica->port(), false, bootstrap());
  RaceTwoStreams(server_->port(), replica->port(), true, bootstrap());
}

TEST_F(IngestionTest, AfterARestartAResendIsDuplicateAndOtherContentRejected) {
  const v1::Submission sent = CleanSubmission(Unique("restart"));
  {
    Hub hub(server_->port());
    ASSERT_EQ(hub.SendOne(sent).outcome(), v1::OUTCOME_ACCEPTED);
  }
  server_.reset();
  auto restarted = StartServer(ServiceOptions{});
  ASSERT_NE(restarted, nullptr);
  Hub hub(restarted->port());
  EXPECT_EQ(hub.SendOne(sent).outcome(), v1::OUTCOME_DUPLICATE);
  v1::SubmissionAck other = hub.SendOne(OtherContent(sent));
  EXPECT_EQ(other.outcome(), v1::OUTCOME_REJECTED);
  EXPECT_TRUE(HasReason(other, "submission_id", v1::REASON_CODE_ID_REUSED));
}

TEST_F(IngestionTest, MalformedSubmissionClaimsNoIdSoTheCorrectedOneIsAccepted) {
  Hub hub(server_->port());
  v1::Submission corrected = CleanSubmission(Unique("corrected"));
  v1::Submission malformed = corrected;
  malformed.mutable_protocol()->mutable_figures()->clear_ballots_valid();
  ASSERT_EQ(hub.SendOne(malformed).outcome(), v1::OUTCOME_REJECTED);
  EXPECT_EQ(hub.SendOne(corrected).outcome(), v1::OUTCOME_ACCEPTED);
}

TEST_F(IngestionTest, EverySubmissionOfALongStreamIsAnsweredOnceUnderBackpressure) {
  auto server = StartServer(ServiceOptions{.limits = {.max_in_flight = 4}});
  ASSERT_NE(server, nullptr);
  Hub hub(server->port());
  std::vector<v1::Submission> submissions;
  const std::string prefix = Unique("burst");
  for (int i = 0; i < 600; ++i) {
    v1::Submission submission =
        CleanSubmission(prefix + "-" + std::to_string(i), i % 2 ? "S1" : "S2");
    if (i % 3 == 0) submission.mutable_protocol()->set_station_id("s404");  // Rejected.
    if (i % 5 == 0) submission.mutable_protocol()->mutable_figures()->set_ballots_in_box(1);
    submissions.push_back(submission);
  }

  StreamResult result = hub.Send(submissions);
  ASSERT_TRUE(result.status.ok()) << result.status.error_message();
  ASSERT_EQ(result.acks.size(), submissions.size());
  std::multiset<std::string> answered;
  std::map<v1::Outcome, int> outcomes;
  for (const auto& ack : result.acks) {
    answered.insert(ack.submission_id());
    ++outcomes[ack.outcome()];
  }
  for (int i = 0; i < 600; ++i) {
    EXPECT_EQ(answered.count(prefix + "-" + std::to_string(i)), 1u) << i;
  }
  EXPECT_EQ(outcomes[v1::OUTCOME_REJECTED], 200);
  EXPECT_EQ(outcomes[v1::OUTCOME_ACCEPTED_WITH_FLAGS], 80);  // i % 5 == 0 and i % 3 != 0
  EXPECT_EQ(outcomes[v1::OUTCOME_ACCEPTED], 320);
}

// The tiny test election as the binary reads it: DIR/election.json, and DIR/stations.csv with
// `station_rows` under its header.
void WriteRegistryFiles(const std::string& dir, const std::string& station_rows) {
  std::string election_json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(testing::TinyRegistry()->election(),
                                                          &election_json)
                  .ok());
  std::ofstream(dir + "/election.json") << election_json;
  std::ofstream(dir + "/stations.csv") << "station_id,district_id,registered_voters,contest_ids\n"
                                       << station_rows;
}

TEST_F(IngestionTest, BinaryServesFromRegistryFilesAndExitsCleanlyOnSigterm) {
  stack::TempDir dir("hattama-ingestion-test");
  WriteRegistryFiles(dir.path(), "S1,kz-a-1,1000,mazhilis\nS2,kz-a-1,800,mazhilis\n");
  const int port = stack::FreePort();
  auto process = stack::Process::Start(
      {.argv = {stack::BinaryPath("hattama-ingestion"), "--election", dir.path() + "/election.json",
                "--stations", dir.path() + "/stations.csv", "--listen",
                "127.0.0.1:" + std::to_string(port), "--log-format", "json",
                "--allow-unauthenticated"},
       .env = {{"HATTAMA_KAFKA_BOOTSTRAP", bootstrap()},
               {"HATTAMA_REDIS_ADDRESS", redis_->address()}}});
  ASSERT_TRUE(process.ok()) << process.status().message();

  auto channel =
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials());
  ASSERT_TRUE(channel->WaitForConnected(std::chrono::system_clock::now() + 20s));
  Hub hub(port);
  EXPECT_EQ(hub.SendOne(CleanSubmission(Unique("binary"))).outcome(), v1::OUTCOME_ACCEPTED);
  EXPECT_EQ((*process)->Stop(), 0);
}

TEST_F(IngestionTest, BinaryRefusesToStartWithoutAHubRegistryUnlessAllowedUnauthenticated) {
  stack::TempDir dir("hattama-ingestion-test");
  WriteRegistryFiles(dir.path(), "S1,kz-a-1,1000,mazhilis\n");
  auto process = stack::Process::Start(
      {.argv = {stack::BinaryPath("hattama-ingestion"), "--election", dir.path() + "/election.json",
                "--stations", dir.path() + "/stations.csv", "--listen",
                "127.0.0.1:" + std::to_string(stack::FreePort()), "--kafka-bootstrap", bootstrap(),
                "--redis-address", redis_->address()}});
  ASSERT_TRUE(process.ok()) << process.status().message();
  auto code = (*process)->Wait(20s);
  ASSERT_TRUE(code.ok()) << "still running without a hub registry";
  EXPECT_EQ(*code, 1);
}

TEST_F(IngestionTest, BinaryRefusesToStartWhenTheObserversNameAHubTheHubRegistryLacks) {
  stack::TempDir dir("hattama-ingestion-test");
  WriteRegistryFiles(dir.path(), "S1,kz-a-1,1000,mazhilis\n");
  std::ofstream(dir.path() + "/organisations.csv")
      << "organisation_id,name,affiliation,signatures\norg-1,Org One,independent,optional\n";
  std::ofstream(dir.path() + "/observers.csv")
      << "observer_id,organisation_id,hubs,public_key\nobs-1,org-1,hub-almaty;hub-ghost,\n";
  std::ofstream(dir.path() + "/hubs.csv")
      << "hub_id,token_sha256,regions,max_submissions_per_second\nhub-almaty,"
      << domain::TokenSha256Hex(kAlmatyToken) << ",*,\n";
  const std::string log = dir.path() + "/ingestion.log";
  auto process = stack::Process::Start(
      {.argv = {stack::BinaryPath("hattama-ingestion"), "--election", dir.path() + "/election.json",
                "--stations", dir.path() + "/stations.csv", "--hub-registry",
                dir.path() + "/hubs.csv", "--listen",
                "127.0.0.1:" + std::to_string(stack::FreePort()), "--kafka-bootstrap", bootstrap(),
                "--redis-address", redis_->address(), "--log-format", "text"},
       .log_path = log});
  ASSERT_TRUE(process.ok()) << process.status().message();
  auto code = (*process)->Wait(20s);
  ASSERT_TRUE(code.ok()) << "still running with an observer relayed by a hub it does not know";
  EXPECT_EQ(*code, 1);
  std::stringstream logged;
  logged << std::ifstream(log).rdbuf();
  EXPECT_NE(logged.str().find("observer obs-1 names hub hub-ghost"), std::string::npos)
      << logged.str();
}

constexpr char kSlowToken[] = "slow-token";

// Two hubs: hub-almaty may submit for region kz-a only; hub-slow for every region, at 5 a second.
std::shared_ptr<const domain::HubRegistry> TestHubs() {
  auto hubs = domain::HubRegistry::Parse(
      "hub_id,token_sha256,regions,max_submissions_per_second\n"
      "hub-almaty," +
      domain::TokenSha256Hex(kAlmatyToken) +
      ",kz-a,\n"
      "hub-slow," +
      domain::TokenSha256Hex(kSlowToken) + ",*,5\n");
  EXPECT_TRUE(hubs.ok()) << hubs.status().message();
  return *hubs;
}

class AuthenticatedIngestionTest : public IngestionTest {
 protected:
  void SetUp() override {
    IngestionTest::SetUp();
    ServiceOptions options;
    options.hubs = TestHubs();
    auth_ = StartServer(options);
    ASSERT_NE(auth_, nullptr);
  }
  std::unique_ptr<IngestionServer> auth_;
};

TEST_F(AuthenticatedIngestionTest, StreamWithoutOrWithAWrongTokenIsRefusedUnauthenticated) {
  for (const std::string token : {"", "guessed-token", "Bearer"}) {
    Hub hub(auth_->port(), token);
    StreamResult result = hub.Send({CleanSubmission(Unique("anonymous"))});
    EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << token;
    EXPECT_TRUE(result.acks.empty());
    auto [events, status] = hub.SendEvents({});
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << token;
  }
}

TEST_F(AuthenticatedIngestionTest, StationOutsideTheHubsRegionsIsRejectedAndTheStreamGoesOn) {
  Hub hub(auth_->port(), kAlmatyToken);
  const v1::Submission outside = CleanSubmission(Unique("outside"), "S4");  // Region kz-b.
  const v1::Submission inside = CleanSubmission(Unique("inside"), "S1");
  StreamResult result = hub.Send({outside, inside});
  ASSERT_TRUE(result.status.ok()) << result.status.error_message();
  ASSERT_EQ(result.acks.size(), 2u);
  std::map<std::string, v1::SubmissionAck> by_id;
  for (const auto& ack : result.acks) by_id[ack.submission_id()] = ack;
  EXPECT_EQ(by_id[outside.submission_id()].outcome(), v1::OUTCOME_REJECTED);
  EXPECT_TRUE(HasReason(by_id[outside.submission_id()], "protocol.station_id",
                        v1::REASON_CODE_REGION_NOT_ALLOWED));
  EXPECT_EQ(by_id[inside.submission_id()].outcome(), v1::OUTCOME_ACCEPTED);

  auto rejections = RejectionRecordsOf(bootstrap(), outside.submission_id());
  ASSERT_EQ(rejections.size(), 1u);
  EXPECT_EQ(rejections[0].hub_id(), "hub-almaty");
  EXPECT_EQ(rejections[0].reasons(0).code(), v1::REASON_CODE_REGION_NOT_ALLOWED);
}

TEST_F(AuthenticatedIngestionTest, SubmissionNamingAnotherHubIsRejectedAndAnUnnamedOneIsOwned) {
  Hub hub(auth_->port(), kAlmatyToken);
  v1::Submission impostor = CleanSubmission(Unique("impostor"));
  impostor.set_hub_id("hub-slow");
  EXPECT_TRUE(HasReason(hub.SendOne(impostor), "hub_id", v1::REASON_CODE_HUB_MISMATCH));

  v1::Submission unnamed = CleanSubmission(Unique("unnamed"));
  unnamed.clear_hub_id();
  ASSERT_EQ(hub.SendOne(unnamed).outcome(), v1::OUTCOME_ACCEPTED);
  auto records = SubmissionRecords(SubmissionsUpTo(bootstrap(), unnamed.submission_id()),
                                   unnamed.submission_id());
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].submission().hub_id(), "hub-almaty");
}

TEST_F(AuthenticatedIngestionTest, HubOverItsRateLimitIsAnsweredForWhatWasTakenThenExhausted) {
  Hub hub(auth_->port(), kSlowToken);
  std::vector<v1::Submission> burst;
  const std::string prefix = Unique("burst");
  for (int i = 0; i < 40; ++i) {
    burst.push_back(CleanSubmission(prefix + "-" + std::to_string(i), i % 2 ? "S1" : "S4"));
    burst.back().set_hub_id("hub-slow");
  }
  StreamResult result = hub.Send(burst);
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << result.status.error_message();
  // A bucket of 5 and a refill of 5 a second: a handful taken, each answered, the rest refused.
  EXPECT_GE(result.acks.size(), 5u);
  EXPECT_LT(result.acks.size(), 20u);
  std::set<std::string> ids;
  for (const auto& ack : result.acks) {
    EXPECT_EQ(ack.outcome(), v1::OUTCOME_ACCEPTED);
    EXPECT_TRUE(ids.insert(ack.submission_id()).second) << "answered twice";
  }
}

TEST_F(AuthenticatedIngestionTest, HubClientBacksOffAndResendsUntilTheRateLimitLetsAllThrough) {
  std::vector<hub::PlannedSubmission> planned;
  const std::string prefix = Unique("patient");
  for (int i = 0; i < 20; ++i) {
    hub::PlannedSubmission& p = planned.emplace_back();
    p.submission = CleanSubmission(prefix + "-" + std::to_string(i), i % 2 ? "S1" : "S4");
    p.submission.set_hub_id("hub-slow");
  }
  hub::StreamOptions options;
  options.ingestion_address = "127.0.0.1:" + std::to_string(auth_->port());
  options.tokens = {{"hub-slow", kSlowToken}};
  options.give_up_after = 30s;
  auto report = hub::StreamSubmissions(planned, options);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->accepted, 20);
  EXPECT_GT(report->throttled, 0);
  for (const auto& ack : report->acks) EXPECT_TRUE(ack.answered);
}

TEST_F(AuthenticatedIngestionTest, HubClientWithoutATokenGivesUpAtOnceNamingTheRefusal) {
  std::vector<hub::PlannedSubmission> planned(1);
  planned[0].submission = CleanSubmission(Unique("tokenless"));
  hub::StreamOptions options;
  options.ingestion_address = "127.0.0.1:" + std::to_string(auth_->port());
  const auto start = std::chrono::steady_clock::now();
  auto report = hub::StreamSubmissions(planned, options);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.status().message().find("no hub token"), std::string::npos)
      << report.status().message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
}

TEST_F(IngestionTest, MessageOverTheSizeLimitEndsTheStreamResourceExhausted) {
  auto server = StartServer({.limits = {.max_message_bytes = 2000}});
  ASSERT_NE(server, nullptr);
  Hub hub(server->port());
  v1::Submission huge = CleanSubmission(Unique("huge"));
  // Above gRPC's receive limit, 4 x max_message_bytes (below it: answered REJECTED TOO_LONG).
  huge.set_photo_sha256(std::string(10000, 'x'));
  StreamResult result = hub.Send({huge});
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(result.acks.empty());
  EXPECT_EQ(hub.SendOne(CleanSubmission(Unique("small"))).outcome(), v1::OUTCOME_ACCEPTED);
}

// Certificates made for the test with the openssl command line: a CA, a server certificate for
// "localhost" and a hub's client certificate, both signed by the CA.
class Certificates {
 public:
  Certificates() {
    const std::string d = dir_.path();
    const std::string script =
        "set -e; cd " + d +
        "; openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=hattama-test-ca "
        "-keyout ca.key -out ca.pem"
        "; openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout server.key "
        "-out server.csr"
        "; printf 'subjectAltName=DNS:localhost' > san.ext"
        "; openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 "
        "-extfile san.ext -out server.pem"
        "; openssl req -newkey rsa:2048 -nodes -subj /CN=hub-almaty -keyout hub.key -out hub.csr"
        "; openssl x509 -req -in hub.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 "
        "-out hub.pem";
    ok_ = std::system(("(" + script + ") >" + d + "/openssl.log 2>&1").c_str()) == 0;
  }
  bool ok() const { return ok_; }
  std::string path(const std::string& name) const { return dir_.path() + "/" + name; }
  std::string Read(const std::string& name) const {
    std::ifstream in(path(name));
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

 private:
  stack::TempDir dir_{"hattama-certs"};
  bool ok_ = false;
};

TEST_F(IngestionTest, TlsServerAcceptsTlsHubsAndMutualTlsRequiresTheHubsCertificate) {
  Certificates certs;
  ASSERT_TRUE(certs.ok()) << "openssl failed, see " << certs.path("openssl.log");
  ServerConfig tls;
  tls.tls_cert = certs.path("server.pem");
  tls.tls_key = certs.path("server.key");
  auto server = StartServer(ServiceOptions{}, tls);
  ASSERT_NE(server, nullptr);
  grpc::SslCredentialsOptions trust_ca;
  trust_ca.pem_root_certs = certs.Read("ca.pem");
  {
    Hub hub(server->port(), {.credentials = grpc::SslCredentials(trust_ca), .host = "localhost"});
    EXPECT_EQ(hub.SendOne(CleanSubmission(Unique("tls"))).outcome(), v1::OUTCOME_ACCEPTED);
    Hub plaintext(server->port());
    StreamResult result = plaintext.Send({CleanSubmission(Unique("plaintext"))});
    EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAVAILABLE);
    EXPECT_TRUE(result.acks.empty());
  }

  ServerConfig mtls = tls;
  mtls.tls_client_ca = certs.path("ca.pem");
  auto mutual = StartServer(ServiceOptions{}, mtls);
  ASSERT_NE(mutual, nullptr);
  {
    Hub anonymous(mutual->port(),
                  {.credentials = grpc::SslCredentials(trust_ca), .host = "localhost"});
    StreamResult result = anonymous.Send({CleanSubmission(Unique("no-client-cert"))});
    EXPECT_FALSE(result.status.ok());
    EXPECT_TRUE(result.acks.empty());
    grpc::SslCredentialsOptions with_cert = trust_ca;
    with_cert.pem_cert_chain = certs.Read("hub.pem");
    with_cert.pem_private_key = certs.Read("hub.key");
    Hub hub(mutual->port(), {.credentials = grpc::SslCredentials(with_cert), .host = "localhost"});
    EXPECT_EQ(hub.SendOne(CleanSubmission(Unique("mtls"))).outcome(), v1::OUTCOME_ACCEPTED);
  }
}

v1::DeploymentEvent Event(const std::string& id, v1::DeploymentEventKind kind,
                          const std::string& station = "S1") {
  v1::DeploymentEvent event;
  event.set_event_id(id);
  event.set_station_id(station);
  event.set_organisation_id("org-1");
  event.set_observer_id("observer-7");
  event.set_hub_id("hub-almaty");
  event.set_kind(kind);
  if (kind == v1::DEPLOYMENT_EVENT_KIND_PROTOCOL_OBTAINED) event.set_contest_id("mazhilis");
  return event;
}

TEST_F(AuthenticatedIngestionTest, DeploymentEventsAreWrittenOnceAndMalformedOnesRejected) {
  Hub hub(auth_->port(), kAlmatyToken);
  const auto sent = Event(Unique("sent"), v1::DEPLOYMENT_EVENT_KIND_MANDATE_SENT);
  const auto obtained = Event(Unique("obtained"), v1::DEPLOYMENT_EVENT_KIND_PROTOCOL_OBTAINED);
  auto no_contest = Event(Unique("no-contest"), v1::DEPLOYMENT_EVENT_KIND_PROTOCOL_OBTAINED);
  no_contest.clear_contest_id();
  const auto unknown = Event(Unique("unknown"), v1::DEPLOYMENT_EVENT_KIND_MANDATE_SENT, "s404");
  const auto outside = Event(Unique("outside"), v1::DEPLOYMENT_EVENT_KIND_MANDATE_SENT, "S4");
  auto [acks, status] = hub.SendEvents({sent, obtained, no_contest, unknown, outside, sent});
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(acks.size(), 6u);
  std::map<std::string, std::vector<v1::Outcome>> outcomes;
  std::map<std::string, v1::ReasonCode> codes;
  for (const auto& ack : acks) {
    outcomes[ack.event_id()].push_back(ack.outcome());
    if (ack.reasons_size() > 0) codes[ack.event_id()] = ack.reasons(0).code();
  }
  // The second copy of `sent` may be read before the first is confirmed; either way one copy is
  // ACCEPTED and the other DUPLICATE.
  std::multiset<v1::Outcome> sent_outcomes(outcomes[sent.event_id()].begin(),
                                           outcomes[sent.event_id()].end());
  EXPECT_EQ(sent_outcomes, (std::multiset{v1::OUTCOME_ACCEPTED, v1::OUTCOME_DUPLICATE}));
  EXPECT_EQ(outcomes[obtained.event_id()], std::vector{v1::OUTCOME_ACCEPTED});
  EXPECT_EQ(codes[no_contest.event_id()], v1::REASON_CODE_UNKNOWN_CONTEST);
  EXPECT_EQ(codes[unknown.event_id()], v1::REASON_CODE_UNKNOWN_STATION);
  EXPECT_EQ(codes[outside.event_id()], v1::REASON_CODE_REGION_NOT_ALLOWED);

  // A resend on a new stream, after the first was confirmed, is a duplicate; the id with another
  // event is refused.
  auto reused = sent;
  reused.set_kind(v1::DEPLOYMENT_EVENT_KIND_MANDATE_HANDED_OUT);
  auto [again, again_status] = hub.SendEvents({sent, reused});
  ASSERT_EQ(again.size(), 2u);
  std::map<v1::Outcome, v1::DeploymentEventAck> by_outcome;
  for (const auto& ack : again) by_outcome[ack.outcome()] = ack;
  EXPECT_TRUE(by_outcome.contains(v1::OUTCOME_DUPLICATE));
  ASSERT_TRUE(by_outcome.contains(v1::OUTCOME_REJECTED));
  ASSERT_EQ(by_outcome[v1::OUTCOME_REJECTED].reasons_size(), 1);
  EXPECT_EQ(by_outcome[v1::OUTCOME_REJECTED].reasons(0).code(), v1::REASON_CODE_ID_REUSED);

  auto messages = ReadTopicUntil(bootstrap(), kafka::kDeploymentTopic, [&](const auto& read) {
    int found = 0;
    for (const auto& message : read) {
      v1::DeploymentEvent event;
      EXPECT_TRUE(event.ParseFromString(message.value));
      found += event.event_id() == obtained.event_id();
    }
    return found > 0;
  });
  bool landed = false;
  for (const auto& message : messages) {
    v1::DeploymentEvent event;
    ASSERT_TRUE(event.ParseFromString(message.value));
    if (event.event_id() != obtained.event_id()) continue;
    landed = true;
    EXPECT_EQ(message.key, "S1");
    EXPECT_EQ(event.contest_id(), "mazhilis");
    EXPECT_GT(event.time().seconds(), 0);
  }
  EXPECT_TRUE(landed);
}

// The rejection records of deployment events, by event id, once every one of `ids` has one.
std::map<std::string, std::vector<v1::RejectionRecord>> EventRejectionsOf(
    const std::string& bootstrap, const std::set<std::string>& ids) {
  std::map<std::string, std::vector<v1::RejectionRecord>> found;
  ReadTopicUntil(bootstrap, kafka::kRejectionsTopic, [&](const auto& messages) {
    found.clear();
    for (const auto& message : messages) {
      v1::RejectionRecord record;
      EXPECT_TRUE(record.ParseFromString(message.value));
      if (!record.has_raw_deployment_event()) continue;
      v1::DeploymentEvent raw;
      EXPECT_TRUE(raw.ParseFromString(record.raw_deployment_event()));
      EXPECT_EQ(message.key, raw.event_id());
      EXPECT_TRUE(record.raw_submission().empty());
      if (ids.contains(raw.event_id())) found[raw.event_id()].push_back(record);
    }
    return found.size() == ids.size();
  });
  return found;
}

TEST_F(AuthenticatedIngestionTest, RejectedDeploymentEventsAreRecordedLikeSubmissions) {
  Hub hub(auth_->port(), kAlmatyToken);
  const auto unknown = Event(Unique("ev-unknown"), v1::DEPLOYMENT_EVENT_KIND_MANDATE_SENT, "s404");
  const auto first = Event(Unique("ev-first"), v1::DEPLOYMENT_EVENT_KIND_MANDATE_SENT);
  auto [acks, status] = hub.SendEvents({unknown, first});
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(acks.size(), 2u);
  auto reused = first;
  reused.set_kind(v1::DEPLOYMENT_EVENT_KIND_MANDATE_HANDED_OUT);
  auto [again, again_status] = hub.SendEvents({reused});
  ASSERT_EQ(again.size(), 1u);
  ASSERT_EQ(again[0].outcome(), v1::OUTCOME_REJECTED);

  auto records = EventRejectionsOf(bootstrap(), {unknown.event_id(), first.event_id()});
  ASSERT_EQ(records[unknown.event_id()].size(), 1u);
  const v1::RejectionRecord& malformed = records[unknown.event_id()][0];
  EXPECT_EQ(malformed.hub_id(), "hub-almaty");
  ASSERT_EQ(malformed.reasons_size(), 1);
  EXPECT_EQ(malformed.reasons(0).code(), v1::REASON_CODE_UNKNOWN_STATION);
  v1::DeploymentEvent raw;
  ASSERT_TRUE(raw.ParseFromString(malformed.raw_deployment_event()));
  EXPECT_EQ(raw.station_id(), "s404");

  // Only the copy that reused the id is recorded, with the event it carried; the first stands.
  ASSERT_EQ(records[first.event_id()].size(), 1u);
  const v1::RejectionRecord& id_reused = records[first.event_id()][0];
  ASSERT_EQ(id_reused.reasons_size(), 1);
  EXPECT_EQ(id_reused.reasons(0).code(), v1::REASON_CODE_ID_REUSED);
  ASSERT_TRUE(raw.ParseFromString(id_reused.raw_deployment_event()));
  EXPECT_EQ(raw.kind(), v1::DEPLOYMENT_EVENT_KIND_MANDATE_HANDED_OUT);
}

TEST_F(IngestionTest, ShutdownAnswersEverySubmissionTakenThenEndsTheStreamUnavailable) {
  auto server = StartServer(ServiceOptions{.limits = {.max_in_flight = 50}});
  ASSERT_NE(server, nullptr);
  Hub hub(server->port());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + 60s);
  auto stream = hub.stub().StreamSubmissions(&context);
  const std::string prefix = Unique("drain");
  std::vector<v1::Submission> sent;
  for (int i = 0; i < 2000; ++i) sent.push_back(CleanSubmission(prefix + "-" + std::to_string(i)));
  std::atomic<int> answered{0};
  auto reader = std::async(std::launch::async, [&] {
    std::vector<v1::SubmissionAck> acks;
    v1::SubmissionAck ack;
    while (stream->Read(&ack)) {
      acks.push_back(ack);
      ++answered;
    }
    return acks;
  });
  auto writer = std::async(std::launch::async, [&] {
    for (const auto& submission : sent) {
      v1::StreamSubmissionsRequest request;
      *request.mutable_submission() = submission;
      if (!stream->Write(request)) return;
    }
  });
  const bool hundred_answered =
      hattama::testing::Eventually([&] { return answered >= 100; }, 30s, 1ms);
  if (!hundred_answered) context.TryCancel();  // Ends the reader and the writer.
  ASSERT_TRUE(hundred_answered) << "fewer than 100 answers within 30 s";
  server->Shutdown(10s);  // Mid-stream: the hub is still writing.
  auto acks = reader.get();
  writer.get();
  const grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  ASSERT_GE(acks.size(), 100u);
  ASSERT_LT(acks.size(), sent.size()) << "the stream was not cut mid-way";

  // Every answer is a promise the log keeps.
  std::set<std::string> acked;
  for (const auto& ack : acks) {
    EXPECT_EQ(ack.outcome(), v1::OUTCOME_ACCEPTED);
    EXPECT_TRUE(acked.insert(ack.submission_id()).second);
  }
  // The rest is safe to resend to another instance: each is answered, accepted or duplicate.
  std::vector<v1::Submission> rest;
  for (const auto& submission : sent) {
    if (!acked.contains(submission.submission_id())) rest.push_back(submission);
  }
  Hub other(server_->port());
  StreamResult resent = other.Send(rest);
  ASSERT_TRUE(resent.status.ok()) << resent.status.error_message();
  EXPECT_EQ(resent.acks.size(), rest.size());
  const std::string marker = rest.back().submission_id();
  auto log = SubmissionsUpTo(bootstrap(), marker);
  std::set<std::string> in_log;
  for (const auto& message : log) {
    v1::SubmissionRecord record;
    ASSERT_TRUE(record.ParseFromString(message.value));
    in_log.insert(record.submission().submission_id());
  }
  for (const auto& id : acked) EXPECT_TRUE(in_log.contains(id)) << id << " acked, not in the log";
  for (const auto& submission : rest) EXPECT_TRUE(in_log.contains(submission.submission_id()));
}

std::vector<std::string> Lines(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST_F(AuthenticatedIngestionTest, SendFileAnswersEveryLineAndAResumedRunResendsOnlyTheRest) {
  stack::TempDir dir("hattama-send-test");
  const std::string file = dir.path() + "/night.jsonl";
  v1::Submission clean = CleanSubmission(Unique("send-clean"));
  clean.clear_hub_id();  // Taken from --hub-id.
  v1::Submission second = CleanSubmission(Unique("send-second"), "S2");
  v1::Submission malformed = CleanSubmission(Unique("send-malformed"));
  malformed.mutable_protocol()->mutable_figures()->clear_ballots_valid();
  std::ofstream(file) << JsonLine(clean) << "\n" << JsonLine(second) << JsonLine(malformed);

  hub::SendOptions options;
  options.file = file;
  options.hub_id = "hub-almaty";
  options.token = kAlmatyToken;
  options.stream.ingestion_address = "127.0.0.1:" + std::to_string(auth_->port());
  auto first = hub::SendFile(options);
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(first->submissions, 3);
  EXPECT_EQ(first->accepted, 2);
  EXPECT_EQ(first->rejected, 1);
  auto not_accepted = Lines(file + ".not-accepted.jsonl");
  ASSERT_EQ(not_accepted.size(), 1u);
  v1::SubmissionAck rejected;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(not_accepted[0], &rejected).ok());
  EXPECT_EQ(rejected.submission_id(), malformed.submission_id());
  EXPECT_TRUE(HasReason(rejected, "protocol.figures.ballots_valid", v1::REASON_CODE_MISSING));

  // A crash after the first answer was journaled: the journal keeps one line (and a torn one).
  auto journal = Lines(file + ".answers.jsonl");
  ASSERT_EQ(journal.size(), 3u);
  std::ofstream(file + ".answers.jsonl", std::ios::trunc) << journal[0] << "\n{\"submissionId\":";
  v1::SubmissionAck kept;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(journal[0], &kept).ok());

  auto resumed = hub::SendFile(options);
  ASSERT_TRUE(resumed.ok()) << resumed.status().message();
  EXPECT_EQ(resumed->already_answered, 1);
  // The resent accepted one is durable already: DUPLICATE, not counted twice.
  EXPECT_EQ(resumed->accepted + resumed->duplicate, 2);
  EXPECT_EQ(resumed->duplicate, kept.outcome() == v1::OUTCOME_ACCEPTED ? 1 : 2);
  EXPECT_EQ(resumed->rejected, 1);
}

TEST_F(AuthenticatedIngestionTest, SendFileNamesTheLineThatIsNotASubmission) {
  stack::TempDir dir("hattama-send-test");
  const std::string file = dir.path() + "/broken.jsonl";
  std::ofstream(file) << JsonLine(CleanSubmission(Unique("ok"))) << "{\"protocol\": 7}\n";
  hub::SendOptions options;
  options.file = file;
  options.token = kAlmatyToken;
  options.stream.ingestion_address = "127.0.0.1:" + std::to_string(auth_->port());
  auto sent = hub::SendFile(options);
  ASSERT_FALSE(sent.ok());
  EXPECT_NE(sent.status().message().find("broken.jsonl:2"), std::string::npos)
      << sent.status().message();
}

TEST(Examples, HubRegistryAndSubmissionFileInTheRepoAreValid) {
  auto hubs = domain::HubRegistry::Load(std::string(HATTAMA_SOURCE_DIR) + "/examples/hubs.csv");
  ASSERT_TRUE(hubs.ok()) << hubs.status().message();
  const domain::Hub* abai = (*hubs)->Authenticate("example-token-do-not-use");
  ASSERT_NE(abai, nullptr);
  EXPECT_TRUE(abai->MaySubmitFor("kz-abai"));
  int lines = 0;
  for (const auto& line : Lines(std::string(HATTAMA_SOURCE_DIR) + "/examples/submissions.jsonl")) {
    v1::Submission submission;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(line, &submission).ok()) << line;
    EXPECT_EQ(submission.hub_id(), "hub-abai");
    ++lines;
  }
  EXPECT_EQ(lines, 3);
}

// Kafka stopped or gone: these tests own their embedded Kafka.
class IngestionWithoutKafkaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto kafka = stack::DevKafka::Start(kPartitions);
    ASSERT_TRUE(kafka.ok()) << kafka.status().message();
    kafka_ = std::move(kafka).value();
    auto redis = stack::RedisServer::Start();
    ASSERT_TRUE(redis.ok()) << redis.status().message();
    redis_ = std::move(redis).value();
    ServerConfig config;
    config.kafka_bootstrap = kafka_->bootstrap();
    config.redis.address = redis_->address();
    config.listen = "127.0.0.1:0";
    config.kafka_overrides["message.timeout.ms"] = "2000";
    auto server = IngestionServer::Start(testing::TinyRegistry(), config);
    ASSERT_TRUE(server.ok()) << server.status().message();
    server_ = std::move(server).value();
  }
  void TearDown() override {
    if (kafka_) kafka_->process().Signal(SIGCONT);
  }

  std::unique_ptr<stack::DevKafka> kafka_;
  std::unique_ptr<stack::RedisServer> redis_;
  std::unique_ptr<IngestionServer> server_;
};

TEST_F(IngestionWithoutKafkaTest, AckWaitsUntilKafkaConfirmedTheWrite) {
  Hub hub(server_->port());
  const v1::Submission sent = CleanSubmission(Unique("paused"));
  kafka_->process().Signal(SIGSTOP);  // The broker holds the write unanswered.

  auto answer = std::async(std::launch::async, [&] { return hub.SendOne(sent); });
  EXPECT_EQ(answer.wait_for(1500ms), std::future_status::timeout)
      << "answered before Kafka confirmed";

  kafka_->process().Signal(SIGCONT);
  ASSERT_EQ(answer.wait_for(20s), std::future_status::ready);
  EXPECT_EQ(answer.get().outcome(), v1::OUTCOME_ACCEPTED);
  EXPECT_EQ(SubmissionRecords(SubmissionsUpTo(kafka_->bootstrap(), sent.submission_id()),
                              sent.submission_id())
                .size(),
            1u);
}

TEST_F(IngestionWithoutKafkaTest, WriteThatKafkaNeverConfirmsEndsTheStreamUnavailable) {
  Hub hub(server_->port());
  kafka_->process().Signal(SIGKILL);
  ASSERT_TRUE(kafka_->process().Wait(5s).ok());

  StreamResult result = hub.Send({CleanSubmission(Unique("lost"))});
  EXPECT_TRUE(result.acks.empty()) << "answered " << result.acks[0].DebugString();
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(IngestionWithoutKafkaTest, HubClientRetriesUntilKafkaIsBack) {
  std::vector<hub::PlannedSubmission> planned(3);
  const std::string prefix = Unique("retried");
  for (int i = 0; i < 3; ++i) {
    planned[i].submission = CleanSubmission(prefix + "-" + std::to_string(i));
  }
  kafka_->process().Signal(SIGSTOP);
  hub::StreamOptions options;
  options.ingestion_address = "127.0.0.1:" + std::to_string(server_->port());
  options.give_up_after = 60s;
  auto streamed =
      std::async(std::launch::async, [&] { return hub::StreamSubmissions(planned, options); });
  // message.timeout.ms is 2 s: at least one stream ends UNAVAILABLE while the broker sleeps.
  EXPECT_EQ(streamed.wait_for(5s), std::future_status::timeout);
  kafka_->process().Signal(SIGCONT);
  ASSERT_EQ(streamed.wait_for(40s), std::future_status::ready);
  auto report = streamed.get();
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_GT(report->reconnects, 0);
  for (const auto& ack : report->acks) {
    EXPECT_TRUE(ack.outcome == v1::OUTCOME_ACCEPTED || ack.outcome == v1::OUTCOME_DUPLICATE);
  }
}

TEST(IngestionStartup, FailsClearlyWhenTheTopicsAreMissing) {
  // librdkafka's client-side mock cluster (test.mock.num.brokers) starts with no topics at all.
  ServerConfig config;
  config.kafka_bootstrap = "127.0.0.1:1";
  config.listen = "127.0.0.1:0";
  config.kafka_overrides["test.mock.num.brokers"] = "1";
  auto server = IngestionServer::Start(testing::TinyRegistry(), config);
  ASSERT_FALSE(server.ok());
  EXPECT_NE(server.status().message().find("hattama.submissions.v1"), std::string::npos)
      << server.status().message();
}

}  // namespace
}  // namespace hattama::ingestion
