// The ingestion service as a hub sees it: real gRPC over loopback, a real embedded Kafka
// (hattama-devkafka), and what landed in the topics read back with the project's Consumer.
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/domain/partition.h"
#include "common/domain/registry.h"
#include "common/kafka/kafka.h"
#include "hattama/v1/ingestion.grpc.pb.h"
#include "hattama/v1/records.pb.h"
#include "services/ingestion/ingestion_server.h"
#include "tools/stack/stack.h"

namespace hattama::ingestion {
namespace {

using namespace std::chrono_literals;
using google::protobuf::util::MessageDifferencer;

constexpr int kPartitions = 4;

std::shared_ptr<const domain::Registry> TinyRegistry() {
  v1::Election election;
  election.set_election_id("test-2021");
  auto* contest = election.add_contests();
  contest->set_contest_id("mazhilis");
  contest->set_level(v1::CONTEST_LEVEL_NATIONAL);
  for (const char* id : {"a", "b", "c"}) contest->add_options()->set_option_id(id);
  auto add_area = [&](const char* id, v1::AreaKind kind, const char* parent) {
    auto* area = election.add_areas();
    area->set_area_id(id);
    area->set_kind(kind);
    area->set_parent_id(parent);
  };
  add_area("kz", v1::AREA_KIND_NATION, "");
  add_area("r1", v1::AREA_KIND_REGION, "kz");
  add_area("d1", v1::AREA_KIND_DISTRICT, "r1");
  std::vector<v1::Station> stations;
  for (const char* id : {"s1", "s2"}) {
    v1::Station& station = stations.emplace_back();
    station.set_station_id(id);
    station.set_district_id("d1");
    station.set_registered_voters(1000);
    station.add_contest_ids("mazhilis");
  }
  auto registry = domain::Registry::Build(std::move(election), std::move(stations));
  EXPECT_TRUE(registry.ok()) << registry.status().message();
  return *registry;
}

// A clean protocol: every control relation holds.
v1::Submission CleanSubmission(const std::string& id, const std::string& station = "s1") {
  v1::Submission submission;
  submission.set_submission_id(id);
  submission.set_observer_id("observer-7");
  submission.set_organisation_id("org-1");
  submission.set_hub_id("hub-almaty");
  submission.set_source(v1::SOURCE_OBSERVER);
  submission.set_revision(1);
  auto* protocol = submission.mutable_protocol();
  protocol->set_station_id(station);
  protocol->set_contest_id("mazhilis");
  auto* figures = protocol->mutable_figures();
  figures->set_registered_voters(1000);
  figures->set_ballots_received(800);
  figures->set_ballots_issued(600);
  figures->set_ballots_cancelled(200);
  figures->set_ballots_in_box(590);
  figures->set_ballots_spoiled(20);
  figures->set_ballots_valid(570);
  for (auto [option, votes] : {std::pair{"a", 300}, {"b", 200}, {"c", 70}}) {
    auto* line = figures->add_option_votes();
    line->set_option_id(option);
    line->set_votes(votes);
  }
  return submission;
}

// A unique prefix per test, so that tests sharing one Kafka never read each other's records.
std::string Unique(const std::string& name) {
  static std::atomic<int> counter{0};
  return name + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

struct StreamResult {
  std::vector<v1::SubmissionAck> acks;
  grpc::Status status;
};

class Hub {
 public:
  explicit Hub(int port)
      : stub_(v1::IngestionService::NewStub(grpc::CreateChannel(
            "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()))) {}

  // Sends everything on one stream, half-closes, and collects every answer until the end.
  StreamResult Send(const std::vector<v1::Submission>& submissions) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 60s);
    auto stream = stub_->StreamSubmissions(&context);
    // Writing and reading at once: with backpressure the server stops reading until answers are
    // read, so a client that only writes first could stall.
    auto reader = std::async(std::launch::async, [&] {
      std::vector<v1::SubmissionAck> acks;
      v1::SubmissionAck ack;
      while (stream->Read(&ack)) acks.push_back(ack);
      return acks;
    });
    for (const auto& submission : submissions) {
      v1::StreamSubmissionsRequest request;
      *request.mutable_submission() = submission;
      if (!stream->Write(request)) break;
    }
    stream->WritesDone();
    StreamResult result;
    result.acks = reader.get();
    result.status = stream->Finish();
    return result;
  }

  v1::SubmissionAck SendOne(const v1::Submission& submission) {
    StreamResult result = Send({submission});
    EXPECT_TRUE(result.status.ok()) << result.status.error_message();
    EXPECT_EQ(result.acks.size(), 1u);
    return result.acks.empty() ? v1::SubmissionAck() : result.acks.front();
  }

  v1::IngestionService::Stub& stub() { return *stub_; }

 private:
  std::unique_ptr<v1::IngestionService::Stub> stub_;
};

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

// One embedded Kafka for the suite; each test starts its own ingestion instance on a free port.
class IngestionTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto kafka = stack::DevKafka::Start(kPartitions);
    ASSERT_TRUE(kafka.ok()) << kafka.status().message();
    kafka_ = std::move(kafka).value().release();
  }
  static void TearDownTestSuite() {
    delete kafka_;
    kafka_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(kafka_, nullptr);
    server_ = StartServer(ServiceOptions{});
    ASSERT_NE(server_, nullptr);
  }

  std::unique_ptr<IngestionServer> StartServer(ServiceOptions options) {
    ServerConfig config;
    config.kafka_bootstrap = bootstrap();
    config.listen = "127.0.0.1:0";
    config.service = options;
    auto server = IngestionServer::Start(TinyRegistry(), config);
    EXPECT_TRUE(server.ok()) << server.status().message();
    return server.ok() ? std::move(server).value() : nullptr;
  }

  static const std::string& bootstrap() { return kafka_->bootstrap(); }

  static stack::DevKafka* kafka_;
  std::unique_ptr<IngestionServer> server_;
};
stack::DevKafka* IngestionTest::kafka_ = nullptr;

TEST_F(IngestionTest, AcceptedSubmissionIsInTheLogKeyedAndPartitionedByStation) {
  Hub hub(server_->port());
  const v1::Submission sent = CleanSubmission(Unique("accepted"), "s2");

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
  EXPECT_EQ(landed->key, "s2|mazhilis");
  EXPECT_EQ(landed->partition, domain::PartitionOf("s2", kPartitions));
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
  sent.mutable_protocol()->mutable_figures()->set_ballots_in_box(595);  // valid + spoiled = 590

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

TEST_F(IngestionTest, EverySubmissionOfALongStreamIsAnsweredOnceUnderBackpressure) {
  auto server = StartServer(ServiceOptions{.max_in_flight = 4});
  ASSERT_NE(server, nullptr);
  Hub hub(server->port());
  std::vector<v1::Submission> submissions;
  const std::string prefix = Unique("burst");
  for (int i = 0; i < 600; ++i) {
    v1::Submission submission =
        CleanSubmission(prefix + "-" + std::to_string(i), i % 2 ? "s1" : "s2");
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

TEST_F(IngestionTest, HubThatCancelsMidStreamDoesNotDisturbTheNextStream) {
  Hub hub(server_->port());
  {
    grpc::ClientContext context;
    auto stream = hub.stub().StreamSubmissions(&context);
    const std::string prefix = Unique("cancelled");
    for (int i = 0; i < 50; ++i) {
      v1::StreamSubmissionsRequest request;
      *request.mutable_submission() = CleanSubmission(prefix + "-" + std::to_string(i));
      if (!stream->Write(request)) break;
    }
    context.TryCancel();
    EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::CANCELLED);
  }
  std::this_thread::sleep_for(200ms);  // Let late Kafka confirmations meet the closed stream.
  EXPECT_EQ(hub.SendOne(CleanSubmission(Unique("after"))).outcome(), v1::OUTCOME_ACCEPTED);
}

TEST_F(IngestionTest, BinaryServesFromRegistryFilesAndExitsCleanlyOnSigterm) {
  stack::TempDir dir("hattama-ingestion-test");
  std::string election_json;
  ASSERT_TRUE(
      google::protobuf::util::MessageToJsonString(TinyRegistry()->election(), &election_json).ok());
  std::ofstream(dir.path() + "/election.json") << election_json;
  std::ofstream(dir.path() + "/stations.csv")
      << "station_id,district_id,registered_voters,contest_ids\n"
      << "s1,d1,1000,mazhilis\n"
      << "s2,d1,1000,mazhilis\n";
  const int port = stack::FreePort();
  auto process = stack::Process::Start(
      {.argv = {stack::BinaryPath("hattama-ingestion"), "--election", dir.path() + "/election.json",
                "--stations", dir.path() + "/stations.csv", "--listen",
                "127.0.0.1:" + std::to_string(port), "--log-format", "json"},
       .env = {{"HATTAMA_KAFKA_BOOTSTRAP", bootstrap()}}});
  ASSERT_TRUE(process.ok()) << process.status().message();

  auto channel =
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials());
  ASSERT_TRUE(channel->WaitForConnected(std::chrono::system_clock::now() + 20s));
  Hub hub(port);
  EXPECT_EQ(hub.SendOne(CleanSubmission(Unique("binary"))).outcome(), v1::OUTCOME_ACCEPTED);
  EXPECT_EQ((*process)->Stop(), 0);
}

// Kafka stopped or gone: these tests own their embedded Kafka.
class IngestionWithoutKafkaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto kafka = stack::DevKafka::Start(kPartitions);
    ASSERT_TRUE(kafka.ok()) << kafka.status().message();
    kafka_ = std::move(kafka).value();
    ServerConfig config;
    config.kafka_bootstrap = kafka_->bootstrap();
    config.listen = "127.0.0.1:0";
    config.kafka_overrides["message.timeout.ms"] = "2000";
    auto server = IngestionServer::Start(TinyRegistry(), config);
    ASSERT_TRUE(server.ok()) << server.status().message();
    server_ = std::move(server).value();
  }
  void TearDown() override {
    if (kafka_) kafka_->process().Signal(SIGCONT);
  }

  std::unique_ptr<stack::DevKafka> kafka_;
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

TEST(IngestionStartup, FailsClearlyWhenTheTopicsAreMissing) {
  // librdkafka's client-side mock cluster (test.mock.num.brokers) starts with no topics at all.
  ServerConfig config;
  config.kafka_bootstrap = "127.0.0.1:1";
  config.listen = "127.0.0.1:0";
  config.kafka_overrides["test.mock.num.brokers"] = "1";
  auto server = IngestionServer::Start(TinyRegistry(), config);
  ASSERT_FALSE(server.ok());
  EXPECT_NE(server.status().message().find("hattama.submissions.v1"), std::string::npos)
      << server.status().message();
}

}  // namespace
}  // namespace hattama::ingestion
