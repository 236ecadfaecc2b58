// What one hub stream may cost ingestion, as a hub sees it: real gRPC over loopback, a real
// embedded Kafka and a real redis-server. A message ingestion cannot read ends the stream
// INVALID_ARGUMENT naming it after the ones before it are answered; a message or record too large
// gets its own REJECTED answer and the stream goes on; a stream whose hub does not read its
// answers stops being read at its byte bound; a hub beyond its stream cap is refused
// RESOURCE_EXHAUSTED. The hub client sets aside what cannot be sent and delivers the rest.
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <future>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/domain/hubs.h"
#include "common/kafka/consumer.h"
#include "common/kafka/topics.h"
#include "hattama/v1/ingestion.grpc.pb.h"
#include "hattama/v1/records.pb.h"
#include "services/ingestion/acking_stream.h"
#include "services/ingestion/ingestion_server.h"
#include "services/ingestion/wire.h"
#include "tests/ingestion/ingestion_fixture.h"
#include "tests/ingestion/test_hub.h"
#include "tests/testing/election.h"
#include "tests/testing/stream_exchange.h"
#include "tools/hub/client/client.h"
#include "tools/hub/client/send.h"
#include "tools/hub/simulator/planned_submission.h"
#include "tools/stack/stack.h"

namespace hattama::ingestion {
namespace {

using namespace std::chrono_literals;

// Bytes a hub's CP1251 text would bring: "Иванов" in Windows-1251, not UTF-8.
const std::string kCp1251 = "\xC8\xE2\xE0\xED\xEE\xE2";

// A malformed submission of about `bytes` bytes: option lines for options the contest does not
// have.
v1::Submission ManyUnknownOptions(const std::string& id, size_t bytes) {
  v1::Submission submission = CleanSubmission(id);
  auto* figures = submission.mutable_protocol()->mutable_figures();
  for (int i = 0; submission.ByteSizeLong() < bytes; ++i) {
    auto* line = figures->add_option_votes();
    line->set_option_id("unknown-option-" + std::to_string(i));
    line->set_votes(1);
  }
  return submission;
}

std::map<std::string, v1::SubmissionAck> ById(const std::vector<v1::SubmissionAck>& acks) {
  std::map<std::string, v1::SubmissionAck> by_id;
  for (const auto& ack : acks) by_id[ack.submission_id()] = ack;
  return by_id;
}

bool HasCode(const v1::SubmissionAck& ack, v1::ReasonCode code) {
  for (const auto& reason : ack.reasons()) {
    if (reason.code() == code) return true;
  }
  return false;
}

// Rejection records keyed by one of `ids`, read from the start of the topic until `done` holds
// for them or `timeout` passes.
std::vector<std::pair<std::string, v1::RejectionRecord>> RejectionsUntil(
    const std::string& bootstrap, const std::set<std::string>& ids,
    const std::function<bool(size_t found)>& done, std::chrono::milliseconds timeout) {
  auto consumer = kafka::Consumer::Create(bootstrap, Unique("reader"), {kafka::kRejectionsTopic});
  EXPECT_TRUE(consumer.ok()) << consumer.status().message();
  std::vector<std::pair<std::string, v1::RejectionRecord>> found;
  if (!consumer.ok()) return found;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done(found.size()) && std::chrono::steady_clock::now() < deadline) {
    auto batch = (*consumer)->Poll(500, 100ms);
    if (!batch.ok()) break;
    for (const auto& message : *batch) {
      if (!ids.contains(message.key)) continue;
      v1::RejectionRecord record;
      EXPECT_TRUE(record.ParseFromString(message.value));
      found.emplace_back(message.key, std::move(record));
    }
  }
  return found;
}

constexpr char kAstanaToken[] = "astana-token";
constexpr char kShymkentToken[] = "shymkent-token";

std::shared_ptr<const domain::HubRegistry> ThreeHubs() {
  std::string csv = "hub_id,token_sha256,regions,max_submissions_per_second\n";
  for (auto [hub, token] : {std::pair{"hub-almaty", kAlmatyToken},
                            {"hub-astana", kAstanaToken},
                            {"hub-shymkent", kShymkentToken}}) {
    csv += std::string(hub) + "," + domain::TokenSha256Hex(token) + ",*,\n";
  }
  auto hubs = domain::HubRegistry::Parse(csv);
  EXPECT_TRUE(hubs.ok()) << hubs.status().message();
  return *hubs;
}

// The suite's Kafka and Redis (ingestion_fixture.h); each test starts the ingestion it needs.
class StreamLimitsTest : public IngestionSuite {};

TEST_F(StreamLimitsTest, UnreadableMessageEndsTheStreamInvalidArgumentNamingItAfterThoseBefore) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  Hub hub(server->port());
  const std::string prefix = Unique("cp1251");
  v1::Submission bad = CleanSubmission(prefix + "-3");
  bad.set_observer_id(kCp1251);  // The C++ client serializes it anyway (with a logged error).
  StreamResult result = hub.Send({CleanSubmission(prefix + "-1"), CleanSubmission(prefix + "-2"),
                                  bad, CleanSubmission(prefix + "-4")});

  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  const std::string& message = result.status.error_message();
  EXPECT_NE(message.find("message 3 of this stream"), std::string::npos) << message;
  EXPECT_NE(message.find("submission.observer_id is not valid UTF-8"), std::string::npos)
      << message;
  EXPECT_NE(message.find(bad.submission_id()), std::string::npos) << message;
  EXPECT_EQ(result.unreadable, "3");
  // Everything before it answered; nothing after it read.
  auto answers = ById(result.acks);
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_EQ(answers[prefix + "-1"].outcome(), v1::OUTCOME_ACCEPTED);
  EXPECT_EQ(answers[prefix + "-2"].outcome(), v1::OUTCOME_ACCEPTED);
  // The next stream is read as usual.
  EXPECT_TRUE(hub.Send({CleanSubmission(prefix + "-4")}).status.ok());
}

TEST_F(StreamLimitsTest, UnreadableDeploymentEventIsNamedTheSameWay) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  Hub hub(server->port());
  grpc::ClientContext context;
  hub.Prepare(context);
  auto stream = hub.stub().StreamDeploymentEvents(&context);
  v1::StreamDeploymentEventsRequest request;
  request.mutable_event()->set_event_id(Unique("event"));
  request.mutable_event()->set_station_id("S1" + kCp1251);
  ASSERT_TRUE(stream->Write(request));
  stream->WritesDone();
  v1::DeploymentEventAck ack;
  EXPECT_FALSE(stream->Read(&ack));
  const grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("message 1 of this stream"), std::string::npos);
  EXPECT_NE(status.error_message().find("event.station_id is not valid UTF-8"), std::string::npos)
      << status.error_message();
}

TEST_F(StreamLimitsTest, MessageAboveTheLimitIsRejectedOnItsOwnAndRecordedWithoutItsBytes) {
  auto server = StartServer({.limits = {.max_message_bytes = 4000}});
  ASSERT_NE(server, nullptr);
  Hub hub(server->port());
  const std::string prefix = Unique("long");
  // 10,000 bytes: above the limit, below gRPC's receive limit (4 x 4,000).
  v1::Submission long_one = CleanSubmission(prefix + "-long");
  long_one.set_observer_id(std::string(10000, 'o'));
  const size_t long_bytes = SubmissionRequest(long_one).ByteSizeLong();
  StreamResult result =
      hub.Send({CleanSubmission(prefix + "-1"), long_one, CleanSubmission(prefix + "-2")});

  ASSERT_TRUE(result.status.ok()) << result.status.error_message();
  auto answers = ById(result.acks);
  ASSERT_EQ(answers.size(), 3u);
  EXPECT_EQ(answers[prefix + "-1"].outcome(), v1::OUTCOME_ACCEPTED);
  EXPECT_EQ(answers[prefix + "-2"].outcome(), v1::OUTCOME_ACCEPTED);
  const v1::SubmissionAck& rejected = answers[long_one.submission_id()];
  EXPECT_EQ(rejected.outcome(), v1::OUTCOME_REJECTED);
  ASSERT_EQ(rejected.reasons_size(), 1);
  EXPECT_EQ(rejected.reasons(0).code(), v1::REASON_CODE_TOO_LONG);
  EXPECT_NE(rejected.reasons(0).message().find(Thousands(static_cast<int64_t>(long_bytes))),
            std::string::npos)
      << rejected.reasons(0).message();
  EXPECT_NE(rejected.reasons(0).message().find("4,000"), std::string::npos);

  // Recorded like every rejection, without the raw bytes it was rejected for.
  auto records = RejectionsUntil(
      bootstrap(), {long_one.submission_id()}, [](size_t n) { return n >= 1; }, 20s);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(records[0].second.raw_submission().empty());
  ASSERT_EQ(records[0].second.reasons_size(), 1);
  EXPECT_EQ(records[0].second.reasons(0).code(), v1::REASON_CODE_TOO_LONG);
}

TEST_F(StreamLimitsTest, RecordTheLogRefusesIsRejectedRecordTooLargeAndTheStreamGoesOn) {
  // A log that takes records of at most 1,000 bytes (librdkafka's smallest message.max.bytes):
  // a clean submission's record fits, the rejection record of a 3 KB malformed one does not.
  ServerConfig config;
  config.kafka_overrides = {{"message.max.bytes", "1000"}};
  auto server = StartServer({}, config);
  ASSERT_NE(server, nullptr);
  Hub hub(server->port());
  const std::string prefix = Unique("record");
  v1::Submission big = ManyUnknownOptions(prefix + "-big", 3000);
  StreamResult result =
      hub.Send({CleanSubmission(prefix + "-1"), big, CleanSubmission(prefix + "-2")});

  ASSERT_TRUE(result.status.ok()) << result.status.error_message();
  auto answers = ById(result.acks);
  ASSERT_EQ(answers.size(), 3u);
  EXPECT_EQ(answers[prefix + "-1"].outcome(), v1::OUTCOME_ACCEPTED);
  EXPECT_EQ(answers[prefix + "-2"].outcome(), v1::OUTCOME_ACCEPTED);
  const v1::SubmissionAck& refused = answers[big.submission_id()];
  EXPECT_EQ(refused.outcome(), v1::OUTCOME_REJECTED);
  ASSERT_EQ(refused.reasons_size(), 1);
  EXPECT_EQ(refused.reasons(0).code(), v1::REASON_CODE_RECORD_TOO_LARGE);
  EXPECT_NE(refused.reasons(0).message().find("MSG_SIZE_TOO_LARGE"), std::string::npos)
      << refused.reasons(0).message();
}

TEST_F(StreamLimitsTest, AcceptableSubmissionWhoseRecordTheLogRefusesIsRejectedOnItsOwn) {
  ServerConfig config;
  config.kafka_overrides = {{"message.max.bytes", "1000"}};
  auto server = StartServer({}, config);
  ASSERT_NE(server, nullptr);
  Hub hub(server->port());
  const std::string prefix = Unique("accepted-record");
  // Well formed, with ids near their limit and five broken control relations: its record (the
  // submission, its five flags, digest and time) is above 1,000 bytes.
  v1::Submission flagged = CleanSubmission(prefix + "-flagged-" + std::string(80, 'i'));
  flagged.set_observer_id(std::string(120, 'o'));
  flagged.set_organisation_id(std::string(120, 'g'));
  flagged.set_hub_id(std::string(120, 'h'));
  auto* figures = flagged.mutable_protocol()->mutable_figures();
  figures->set_ballots_issued(1001);
  figures->set_ballots_in_box(1002);
  figures->mutable_option_votes(2)->set_votes(60);
  StreamResult result = hub.Send({flagged, CleanSubmission(prefix + "-1")});

  ASSERT_TRUE(result.status.ok()) << result.status.error_message();
  auto answers = ById(result.acks);
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_EQ(answers[prefix + "-1"].outcome(), v1::OUTCOME_ACCEPTED);
  const v1::SubmissionAck& refused = answers[flagged.submission_id()];
  EXPECT_EQ(refused.outcome(), v1::OUTCOME_REJECTED);
  EXPECT_TRUE(HasCode(refused, v1::REASON_CODE_RECORD_TOO_LARGE));
}

TEST_F(StreamLimitsTest, StreamWhoseHubDoesNotReadItsAnswersStopsBeingReadAtItsByteBound) {
  // 40 KB malformed submissions, a 256 KiB bound: about 7 are taken, then reading pauses. gRPC's
  // flow-control windows still take megabytes from the writer before it stalls.
  constexpr int64_t kBound = 256 << 10;
  constexpr size_t kBytes = 40'000;
  constexpr int kSent = 400;
  constexpr int kEnough = 100;  // 4 MB written: far beyond the bound.
  ServiceOptions options;
  options.limits.max_in_flight_bytes = kBound;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  Hub hub(server->port(), {.small_window = true});
  const std::string prefix = Unique("unread");
  std::vector<v1::Submission> submissions;
  std::set<std::string> ids;
  for (int i = 0; i < kSent; ++i) {
    submissions.push_back(ManyUnknownOptions(prefix + "-" + std::to_string(i), kBytes));
    ids.insert(submissions.back().submission_id());
  }

  grpc::ClientContext context;
  hub.Prepare(context);
  auto stream = hub.stub().StreamSubmissions(&context);
  std::atomic<int> written{0};
  auto writer = std::async(std::launch::async, [&] {
    for (const auto& submission : submissions) {
      if (!stream->Write(SubmissionRequest(submission))) return;
      ++written;
    }
    stream->WritesDone();
  });
  // Wait until the hub has written far more than the bound, or stalled (ingestion stopped reading
  // and HTTP/2's windows are full).
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  int last = -1;
  auto last_change = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() < deadline && written < kEnough) {
    if (written != last) {
      last = written;
      last_change = std::chrono::steady_clock::now();
    } else if (std::chrono::steady_clock::now() - last_change > 1s) {
      break;
    }
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_GT(written, 0);
  // Taken messages are recorded before they are answered: at most the bound's worth (plus the
  // one that crossed it) are in flight, however long the hub keeps not reading. An answer counts
  // as written once HTTP/2 took it: with the hub's small receive window, about one more.
  const size_t bound = static_cast<size_t>(kBound / static_cast<int64_t>(kBytes)) + 2;
  // Read until the first is there (the consumer has joined), then two seconds more.
  std::optional<std::chrono::steady_clock::time_point> first_seen;
  auto taken = RejectionsUntil(
      bootstrap(), ids,
      [&](size_t n) {
        if (n == 0) return false;
        if (!first_seen) first_seen = std::chrono::steady_clock::now();
        return n > bound || std::chrono::steady_clock::now() - *first_seen > 2s;
      },
      30s);
  EXPECT_GE(taken.size(), 1u);
  EXPECT_LE(taken.size(), bound) << written << " written";

  // Once the hub reads, reading resumes and every message is answered once.
  std::multiset<std::string> answered;
  v1::SubmissionAck ack;
  while (stream->Read(&ack)) answered.insert(ack.submission_id());
  writer.get();
  const grpc::Status status = stream->Finish();
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(answered.size(), static_cast<size_t>(kSent));
  for (const auto& id : ids) EXPECT_EQ(answered.count(id), 1u) << id;
}

// A stream kept open: one answered submission proves ingestion let it in.
struct OpenStream {
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReaderWriter<v1::StreamSubmissionsRequest, v1::SubmissionAck>> stream;

  grpc::Status Close() {
    stream->WritesDone();
    v1::SubmissionAck ack;
    while (stream->Read(&ack)) {
    }
    return stream->Finish();
  }
};

// Opens a stream as `token`'s hub; OK once a submission on it was answered, else the refusal.
grpc::Status Open(Hub& hub, OpenStream& open, const std::string& id) {
  hub.Prepare(open.context);
  open.stream = hub.stub().StreamSubmissions(&open.context);
  v1::SubmissionAck ack;
  if (open.stream->Write(SubmissionRequest(CleanSubmission(id))) && open.stream->Read(&ack)) {
    return grpc::Status::OK;
  }
  open.stream->WritesDone();
  return open.stream->Finish();
}

TEST_F(StreamLimitsTest, StreamsBeyondTheHubsCapOrTheServersAreRefusedResourceExhausted) {
  ServiceOptions options;
  options.hubs = ThreeHubs();
  options.limits.max_streams_per_hub = 2;
  options.limits.max_streams = 3;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  Hub almaty(server->port(), kAlmatyToken), astana(server->port(), kAstanaToken),
      shymkent(server->port(), kShymkentToken);
  const std::string prefix = Unique("cap");

  OpenStream a1, a2, a3, b1, c1, c2;
  ASSERT_TRUE(Open(almaty, a1, prefix + "-a1").ok());
  ASSERT_TRUE(Open(almaty, a2, prefix + "-a2").ok());
  const grpc::Status third = Open(almaty, a3, prefix + "-a3");
  EXPECT_EQ(third.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(third.error_message().find("hub hub-almaty has 2 streams open"), std::string::npos)
      << third.error_message();
  EXPECT_NE(third.error_message().find("--max-streams-per-hub"), std::string::npos);

  // Another hub is let in, up to the server's cap.
  ASSERT_TRUE(Open(astana, b1, prefix + "-b1").ok());
  const grpc::Status full = Open(shymkent, c1, prefix + "-c1");
  EXPECT_EQ(full.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(full.error_message().find("--max-streams"), std::string::npos) << full.error_message();

  // A closed stream makes room again.
  ASSERT_TRUE(a1.Close().ok());
  grpc::Status reopened;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  do {
    OpenStream attempt;
    reopened = Open(shymkent, attempt, Unique("cap-c2"));
    if (reopened.ok()) {
      EXPECT_TRUE(attempt.Close().ok());
    }
  } while (!reopened.ok() && std::chrono::steady_clock::now() < deadline);
  EXPECT_TRUE(reopened.ok()) << reopened.error_message();
  EXPECT_TRUE(a2.Close().ok());
  EXPECT_TRUE(b1.Close().ok());
}

std::vector<hub::PlannedSubmission> Planned(const std::vector<v1::Submission>& submissions) {
  std::vector<hub::PlannedSubmission> planned;
  for (const auto& submission : submissions) planned.push_back({.submission = submission});
  return planned;
}

TEST_F(StreamLimitsTest, HubClientSetsAsideTheUnreadableSubmissionAndResendsTheRest) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  const std::string prefix = Unique("client-cp1251");
  std::vector<v1::Submission> submissions;
  for (int i = 0; i < 20; ++i) {
    submissions.push_back(CleanSubmission(prefix + "-" + std::to_string(i), i % 2 ? "S1" : "S2"));
  }
  submissions[7].set_organisation_id(kCp1251);
  hub::StreamOptions options;
  options.ingestion_address = "127.0.0.1:" + std::to_string(server->port());
  options.give_up_after = 20s;
  auto report = hub::StreamSubmissions(Planned(submissions), options);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->accepted, 19);
  EXPECT_EQ(report->not_sent, 1);
  const hub::AckRecord& bad = report->acks[7];
  EXPECT_FALSE(bad.answered);
  EXPECT_NE(bad.not_sent.find("could not read it"), std::string::npos) << bad.not_sent;
  EXPECT_NE(bad.not_sent.find("submission.organisation_id"), std::string::npos) << bad.not_sent;
  for (size_t i = 0; i < submissions.size(); ++i) {
    if (i != 7) {
      EXPECT_EQ(report->acks[i].outcome, v1::OUTCOME_ACCEPTED) << i;
    }
  }
}

TEST_F(StreamLimitsTest, HubClientSetsAsideWhatIsTooLargeToSendAndDeliversTheRest) {
  auto server = StartServer({.limits = {.max_message_bytes = 4000}});
  ASSERT_NE(server, nullptr);
  const std::string prefix = Unique("client-size");
  std::vector<v1::Submission> submissions;
  for (int i = 0; i < 6; ++i)
    submissions.push_back(CleanSubmission(prefix + "-" + std::to_string(i)));
  // Above the client's own limit: never sent.
  submissions[1].set_observer_id(std::string(6000, 'o'));
  // Above the client's limit for a client that does not know ingestion's: ingestion answers
  // 10 KB REJECTED TOO_LONG, and gRPC refuses 20 KB (above 4 x 4,000) by ending the stream.
  submissions[3].set_observer_id(std::string(10000, 'o'));
  submissions[4].set_observer_id(std::string(20000, 'o'));

  hub::StreamOptions options;
  options.ingestion_address = "127.0.0.1:" + std::to_string(server->port());
  options.give_up_after = 20s;
  options.max_message_bytes = 4000;
  auto known = hub::StreamSubmissions(Planned({submissions[0], submissions[1]}), options);
  ASSERT_TRUE(known.ok()) << known.status().message();
  EXPECT_EQ(known->accepted, 1);
  EXPECT_EQ(known->not_sent, 1);
  EXPECT_NE(known->acks[1].not_sent.find("not sent: its message is"), std::string::npos)
      << known->acks[1].not_sent;

  options.max_message_bytes = 1 << 20;
  auto unknown = hub::StreamSubmissions(
      Planned({submissions[2], submissions[3], submissions[4], submissions[5]}), options);
  ASSERT_TRUE(unknown.ok()) << unknown.status().message();
  // gRPC's refusal ends the stream before answers in flight arrive: those resent are durable
  // already and answered DUPLICATE.
  const std::set<v1::Outcome> counted = {v1::OUTCOME_ACCEPTED, v1::OUTCOME_DUPLICATE};
  EXPECT_TRUE(counted.contains(unknown->acks[0].outcome)) << unknown->acks[0].outcome;
  EXPECT_EQ(unknown->acks[1].outcome, v1::OUTCOME_REJECTED);
  ASSERT_EQ(unknown->acks[1].reasons.size(), 1u);
  EXPECT_EQ(unknown->acks[1].reasons[0].code(), v1::REASON_CODE_TOO_LONG);
  EXPECT_FALSE(unknown->acks[2].answered);
  EXPECT_NE(unknown->acks[2].not_sent.find("receive limit of 16000"), std::string::npos)
      << unknown->acks[2].not_sent;
  EXPECT_TRUE(counted.contains(unknown->acks[3].outcome)) << unknown->acks[3].outcome;
  EXPECT_EQ(unknown->not_sent, 1);
}

TEST_F(StreamLimitsTest, SendFileListsTheSubmissionTooLargeToSendAndIngestsTheOthers) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  stack::TempDir dir("hattama-send-limits");
  const std::string file = dir.path() + "/night.jsonl";
  const std::string prefix = Unique("send-size");
  v1::Submission huge = CleanSubmission(prefix + "-huge");
  huge.set_observer_id(std::string(1'000'000, 'o'));  // The 1 MB observer_id.
  {
    std::ofstream out(file);
    out << JsonLine(CleanSubmission(prefix + "-1")) << JsonLine(huge)
        << JsonLine(CleanSubmission(prefix + "-2", "S2"));
  }
  hub::SendOptions options;
  options.file = file;
  options.stream.ingestion_address = "127.0.0.1:" + std::to_string(server->port());
  options.stream.give_up_after = 20s;
  auto summary = hub::SendFile(options);
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  EXPECT_EQ(summary->accepted, 2);
  EXPECT_EQ(summary->not_sent, 1);
  std::ifstream listed(file + ".not-accepted.jsonl");
  std::string line;
  std::vector<v1::SubmissionAck> not_accepted;
  while (std::getline(listed, line)) {
    v1::SubmissionAck ack;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(line, &ack).ok()) << line;
    not_accepted.push_back(ack);
  }
  ASSERT_EQ(not_accepted.size(), 1u);
  EXPECT_EQ(not_accepted[0].submission_id(), huge.submission_id());
  ASSERT_EQ(not_accepted[0].reasons_size(), 1);
  EXPECT_NE(not_accepted[0].reasons(0).message().find("not sent"), std::string::npos);
}

// Pure parts: what the reactor says about bytes it cannot read, and how answers are bounded.

TEST(Wire, NamesTheFieldThatIsNotUtf8AndTheIdOfTheMessage) {
  v1::StreamSubmissionsRequest request = SubmissionRequest(CleanSubmission("sub-42"));
  request.mutable_submission()
      ->mutable_protocol()
      ->mutable_figures()
      ->mutable_option_votes(1)
      ->set_option_id(kCp1251);
  const std::string bytes = request.SerializeAsString();
  const std::string why =
      DescribeUnparseable(bytes, *v1::StreamSubmissionsRequest::descriptor(), {1, 1});
  EXPECT_NE(why.find("field submission.protocol.figures.option_votes[1].option_id is not valid "
                     "UTF-8"),
            std::string::npos)
      << why;
  EXPECT_NE(why.find("'sub-42'"), std::string::npos) << why;
  EXPECT_NE(DescribeUnparseable("\xFF\xFF\xFF", *v1::StreamSubmissionsRequest::descriptor(), {})
                .find("not a protobuf message"),
            std::string::npos);
}

TEST(Wire, Utf8IsCheckedAndCutAtCharacterBoundaries) {
  EXPECT_TRUE(IsValidUtf8("Алматы ✓ 𝄞"));
  EXPECT_FALSE(IsValidUtf8(kCp1251));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));      // Overlong '/'.
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));  // A surrogate.
  EXPECT_FALSE(IsValidUtf8("\xE2\x9C"));      // Cut short.
  EXPECT_EQ(Utf8Prefix("Алматы", 3), "А");    // Two bytes a letter: never half of one.
  EXPECT_EQ(Utf8Prefix("abc", 10), "abc");
}

TEST(Wire, AnAnswerListsAtMostTwentyReasonsAndSaysHowManyMore) {
  v1::SubmissionAck ack;
  for (int i = 0; i < 20'000; ++i) {
    v1::Reason* reason = ack.add_reasons();
    reason->set_field("protocol.figures.option_votes[" + std::to_string(i) + "].option_id");
    reason->set_code(v1::REASON_CODE_UNKNOWN_OPTION);
    reason->set_message(std::string(i == 0 ? 5000 : 10, 'x'));
  }
  EXPECT_EQ(BoundReasons(*ack.mutable_reasons()), 20'000 - 19);
  ASSERT_EQ(ack.reasons_size(), kMaxAnswerReasons);
  EXPECT_LE(ack.reasons(0).message().size(), kMaxReasonMessageBytes);
  EXPECT_EQ(ack.reasons(19).code(), v1::REASON_CODE_UNKNOWN_OPTION);
  EXPECT_NE(ack.reasons(19).message().find("19,981 more"), std::string::npos)
      << ack.reasons(19).message();
  EXPECT_LT(ack.ByteSizeLong(), 4000u);
}

TEST(Wire, TheHubClientAndIngestionNameTheUnreadableMessageInTheSameMetadata) {
  EXPECT_STREQ(hub::kUnreadableMessageHeader, kUnreadableMessageHeader);
}

}  // namespace
}  // namespace hattama::ingestion
