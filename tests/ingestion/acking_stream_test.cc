// The stream reactor (acking_stream.h) on its own: a real gRPC server (in process) runs a minimal
// stream that writes each submission as one record and answers it ACCEPTED once delivered, over a
// fake record writer whose deliveries complete when the test says. So its promises are checked
// step by step, without a broker and without sleeps: an answer only after delivery, in the order
// deliveries complete; reading paused at the in-flight bounds and resumed by deliveries; a failed
// delivery ends the stream UNAVAILABLE, a record the log will never take is answered REJECTED
// RECORD_TOO_LARGE and the stream goes on; a refused stream leaves the others registered.
#include "services/ingestion/acking_stream.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "hattama/v1/ingestion.grpc.pb.h"
#include "services/ingestion/stream_environment.h"
#include "tests/ingestion/fake_record_writer.h"
#include "tests/testing/eventually.h"

namespace hattama::ingestion {
namespace {

using namespace std::chrono_literals;
using hattama::testing::Eventually;

constexpr char kTopic[] = "hattama.test.v1";

// The smallest stream on the reactor: every submission is one record keyed by its id, answered
// ACCEPTED once the writer delivered it. Counts itself gone, so a test knows when OnDone ran.
class RecordingStream final : public AckingStream<v1::StreamSubmissionsRequest, v1::SubmissionAck> {
 public:
  RecordingStream(std::shared_ptr<StreamEnvironment> env, grpc::CallbackServerContext* context,
                  std::atomic<int>* gone)
      : AckingStream(std::move(env), context, /*hub=*/nullptr), gone_(gone) {}
  // Runs once OnDone let go of the stream: after it unregistered (if it was let in).
  ~RecordingStream() override { ++*gone_; }

 private:
  void Handle(v1::StreamSubmissionsRequest& request) override {
    const std::string& id = request.submission().submission_id();
    v1::SubmissionAck ack;
    ack.set_submission_id(id);
    ack.set_outcome(v1::OUTCOME_ACCEPTED);
    Produce(kTopic, -1, id, request.SerializeAsString(), std::move(ack), nullptr);
  }

  std::atomic<int>* const gone_;
};

class RecordingService final : public v1::IngestionService::WithRawCallbackMethod_StreamSubmissions<
                                   v1::IngestionService::Service> {
 public:
  explicit RecordingService(std::shared_ptr<StreamEnvironment> env) : env_(std::move(env)) {}

  RawReactor* StreamSubmissions(grpc::CallbackServerContext* context) override {
    auto stream = std::make_shared<RecordingStream>(env_, context, &gone_);
    stream->Start();
    return stream.get();
  }

  // Streams whose reactor is gone (OnDone ran), refused ones included.
  int gone() const { return gone_.load(); }

 private:
  std::shared_ptr<StreamEnvironment> env_;
  std::atomic<int> gone_{0};
};

v1::StreamSubmissionsRequest Request(const std::string& id) {
  v1::StreamSubmissionsRequest request;
  request.mutable_submission()->set_submission_id(id);
  return request;
}

// "m-00", "m-01", ...: ids of one length, so that every request has the same size.
std::string Id(int i) { return (i < 10 ? "m-0" : "m-") + std::to_string(i); }

// One client stream, with its answers read on a thread of their own as they arrive.
class ClientStream {
 public:
  ClientStream(v1::IngestionService::Stub& stub, const FakeRecordWriter& writer) : writer_(writer) {
    context_.set_deadline(std::chrono::system_clock::now() + 30s);
    stream_ = stub.StreamSubmissions(&context_);
    reader_ = std::thread([this] { ReadAll(); });
  }
  ~ClientStream() {
    context_.TryCancel();  // A no-op once the stream ended.
    reader_.join();
    if (!finished_) stream_->Finish();
  }

  // Each write returns once the server's transport took the message, which in process is when the
  // reactor reads it: a test writes more than the reactor takes at once from another thread.
  bool Write(const std::string& id) { return stream_->Write(Request(id)); }
  void WritesDone() { stream_->WritesDone(); }
  // Writes Id(0) .. Id(count - 1), then half-closes; whether every write went through.
  bool WriteAllThenHalfClose(int count) {
    bool written = true;
    for (int i = 0; i < count && written; ++i) written = Write(Id(i));
    WritesDone();
    return written;
  }
  void Cancel() { context_.TryCancel(); }

  // Waits until `count` answers arrived; false when `timeout` passed first.
  bool WaitForAnswers(size_t count, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(mu_);
    return arrived_.wait_for(lock, timeout, [&] { return acks_.size() >= count; });
  }
  // Every answer, once the stream ended, and how it ended.
  std::vector<v1::SubmissionAck> Acks() {
    WaitForEnd();
    std::lock_guard lock(mu_);
    return acks_;
  }
  // Once per stream.
  grpc::Status Finish() {
    WaitForEnd();
    finished_ = true;
    return stream_->Finish();
  }
  // Whether every answer arrived only after a delivery was completed for it.
  bool AnsweredOnlyAfterDelivery() {
    std::lock_guard lock(mu_);
    return answered_only_after_delivery_;
  }

 private:
  void ReadAll() {
    v1::SubmissionAck ack;
    while (stream_->Read(&ack)) {
      const size_t delivered = writer_.completed();
      std::lock_guard lock(mu_);
      acks_.push_back(ack);
      if (acks_.size() > delivered) answered_only_after_delivery_ = false;
      arrived_.notify_all();
    }
    std::lock_guard lock(mu_);
    ended_ = true;
    arrived_.notify_all();
  }
  void WaitForEnd() {
    std::unique_lock lock(mu_);
    arrived_.wait(lock, [&] { return ended_; });  // Bounded by the context's deadline.
  }

  const FakeRecordWriter& writer_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<v1::StreamSubmissionsRequest, v1::SubmissionAck>>
      stream_;
  std::mutex mu_;
  std::condition_variable arrived_;
  std::vector<v1::SubmissionAck> acks_;
  bool answered_only_after_delivery_ = true;
  bool ended_ = false;
  bool finished_ = false;
  std::thread reader_;
};

std::vector<std::string> IdsOf(const std::vector<v1::SubmissionAck>& acks) {
  std::vector<std::string> ids;
  for (const auto& ack : acks) ids.push_back(ack.submission_id());
  return ids;
}

class AckingStreamTest : public ::testing::Test {
 protected:
  void SetUp() override { env_->writer = &writer_; }
  void TearDown() override {
    if (server_) server_->Shutdown(std::chrono::system_clock::now() + 1s);
  }

  // Starts serving with the environment's limits as the test set them.
  void Serve() {
    service_ = std::make_unique<RecordingService>(env_);
    grpc::ServerBuilder builder;
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = v1::IngestionService::NewStub(server_->InProcessChannel(grpc::ChannelArguments()));
  }

  std::unique_ptr<ClientStream> Open() { return std::make_unique<ClientStream>(*stub_, writer_); }

  // Completes deliveries 0 .. total-1 in order, each only once the reactor has taken as many
  // messages as its bounds let it: at every step as many are undelivered as the bounds allow.
  void DeliverInTurn(size_t total, size_t bound) {
    ASSERT_TRUE(writer_.WaitForRecords(std::min(total, bound)));
    for (size_t i = 0; i < total; ++i) {
      writer_.Complete(i);
      const size_t next = std::min(total, i + 1 + bound);
      ASSERT_TRUE(writer_.WaitForRecords(next)) << "reading did not resume after delivery " << i;
    }
  }

  FakeRecordWriter writer_;  // Outlives the server: late deliveries meet gone streams.
  std::shared_ptr<StreamEnvironment> env_ = std::make_shared<StreamEnvironment>();
  std::unique_ptr<RecordingService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::IngestionService::Stub> stub_;
};

TEST_F(AckingStreamTest, EachMessageIsAnsweredOnlyOnceDeliveredInTheOrderDeliveriesComplete) {
  Serve();
  auto client = Open();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(client->Write(Id(i)));
  ASSERT_TRUE(writer_.WaitForRecords(3));

  writer_.Complete(2);
  ASSERT_TRUE(client->WaitForAnswers(1));
  writer_.Complete(0);
  writer_.Complete(1);
  client->WritesDone();

  EXPECT_EQ(IdsOf(client->Acks()), (std::vector<std::string>{Id(2), Id(0), Id(1)}));
  EXPECT_TRUE(client->AnsweredOnlyAfterDelivery());
  EXPECT_TRUE(client->Finish().ok());
  const auto records = writer_.records();
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].topic, kTopic);
  EXPECT_EQ(records[0].key, Id(0));
  EXPECT_EQ(records[0].value, Request(Id(0)).SerializeAsString());
}

// Answers ready at once queue behind the stream's one write; each but the last waiting goes with
// gRPC's buffer hint, so gRPC may hold it for the next. While the hub keeps the stream open and
// sends nothing more, every one of them must still arrive: none is held for a write that never
// comes.
TEST_F(AckingStreamTest, AnswersReadyTogetherAllArriveWhileTheHubKeepsTheStreamOpen) {
  Serve();
  auto client = Open();
  constexpr int kSent = 40;
  for (int i = 0; i < kSent; ++i) ASSERT_TRUE(client->Write(Id(i)));
  ASSERT_TRUE(writer_.WaitForRecords(kSent));
  for (int i = 0; i < kSent; ++i) writer_.Complete(i);

  EXPECT_TRUE(client->WaitForAnswers(kSent)) << "answers held back while the stream is open";
  client->WritesDone();
  const auto acks = client->Acks();
  EXPECT_TRUE(client->Finish().ok());
  ASSERT_EQ(acks.size(), static_cast<size_t>(kSent));
  for (int i = 0; i < kSent; ++i) EXPECT_EQ(acks[i].submission_id(), Id(i));
  EXPECT_TRUE(client->AnsweredOnlyAfterDelivery());
}

TEST_F(AckingStreamTest, ReadingPausesAtMaxInFlightMessagesAndResumesAsDeliveriesComplete) {
  env_->limits.max_in_flight = 4;
  Serve();
  auto client = Open();
  constexpr int kSent = 12;
  // Written beside the deliveries: a write waits until the reactor reads it.
  auto writes =
      std::async(std::launch::async, [&] { return client->WriteAllThenHalfClose(kSent); });

  DeliverInTurn(kSent, 4);
  EXPECT_TRUE(writes.get());

  const auto acks = client->Acks();
  EXPECT_TRUE(client->Finish().ok());
  ASSERT_EQ(acks.size(), static_cast<size_t>(kSent));
  for (int i = 0; i < kSent; ++i) EXPECT_EQ(acks[i].submission_id(), Id(i));
  // Four were taken before the first delivery, and never more than four were undelivered.
  EXPECT_EQ(writer_.max_undelivered(), 4u);
  EXPECT_TRUE(client->AnsweredOnlyAfterDelivery());
}

TEST_F(AckingStreamTest, ReadingPausesAtMaxInFlightBytesOneMessageOvershootingIt) {
  // Three messages' bytes less one: the third is read (it overshoots by less than its size), the
  // fourth waits for a delivery.
  const int64_t message_bytes = static_cast<int64_t>(Request(Id(0)).ByteSizeLong());
  env_->limits.max_in_flight_bytes = 3 * message_bytes - 1;
  Serve();
  auto client = Open();
  constexpr int kSent = 9;
  auto writes =
      std::async(std::launch::async, [&] { return client->WriteAllThenHalfClose(kSent); });

  DeliverInTurn(kSent, 3);
  EXPECT_TRUE(writes.get());

  EXPECT_EQ(client->Acks().size(), static_cast<size_t>(kSent));
  EXPECT_TRUE(client->Finish().ok());
  EXPECT_EQ(writer_.max_undelivered(), 3u);
}

TEST_F(AckingStreamTest, FailedDeliveryEndsTheStreamUnavailableKeepingWhatWasAnswered) {
  Serve();
  auto client = Open();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(client->Write(Id(i)));
  ASSERT_TRUE(writer_.WaitForRecords(3));
  writer_.Complete(0);
  ASSERT_TRUE(client->WaitForAnswers(1));

  writer_.Complete(1, Status::Unavailable("no broker confirmed it within message.timeout.ms"));

  EXPECT_EQ(IdsOf(client->Acks()), std::vector<std::string>{Id(0)});
  const grpc::Status status = client->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(status.error_message(), "no broker confirmed it within message.timeout.ms");
  // A delivery that comes after the stream ended finds nobody to answer.
  writer_.Complete(2);
}

TEST_F(AckingStreamTest, RecordTheLogWillNeverTakeIsRejectedRecordTooLargeAndTheStreamGoesOn) {
  // Refused when queued (larger than message.max.bytes) or when delivered (larger than the topic
  // takes): either way that one message is answered REJECTED, its id kept.
  const std::string too_large = "Broker: Message size too large (MSG_SIZE_TOO_LARGE)";
  writer_.RefuseWhen([&](const std::string& key) -> std::optional<Status> {
    if (key == Id(3)) return Status::InvalidArgument(too_large);
    return std::nullopt;
  });
  Serve();
  auto client = Open();
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(client->Write(Id(i)));
  client->WritesDone();
  ASSERT_TRUE(writer_.WaitForRecords(3));
  writer_.Complete(0);
  writer_.Complete(1, Status::InvalidArgument(too_large));
  writer_.Complete(2);

  const auto acks = client->Acks();
  EXPECT_TRUE(client->Finish().ok());
  ASSERT_EQ(acks.size(), 4u);
  std::map<std::string, v1::SubmissionAck> by_id;
  for (const auto& ack : acks) by_id[ack.submission_id()] = ack;
  EXPECT_EQ(by_id[Id(0)].outcome(), v1::OUTCOME_ACCEPTED);
  EXPECT_EQ(by_id[Id(2)].outcome(), v1::OUTCOME_ACCEPTED);
  for (const std::string& refused : {Id(1), Id(3)}) {
    const v1::SubmissionAck& ack = by_id[refused];
    EXPECT_EQ(ack.outcome(), v1::OUTCOME_REJECTED) << refused;
    ASSERT_EQ(ack.reasons_size(), 1) << refused;
    EXPECT_EQ(ack.reasons(0).code(), v1::REASON_CODE_RECORD_TOO_LARGE) << refused;
    EXPECT_NE(ack.reasons(0).message().find("MSG_SIZE_TOO_LARGE"), std::string::npos)
        << ack.reasons(0).message();
  }
}

TEST_F(AckingStreamTest, FullLocalQueueEndsTheStreamUnavailable) {
  writer_.RefuseWhen([](const std::string& key) -> std::optional<Status> {
    if (key == Id(1)) return Status::ResourceExhausted("Local: Queue full (_QUEUE_FULL)");
    return std::nullopt;
  });
  Serve();
  auto client = Open();
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(client->Write(Id(i)));

  const grpc::Status status = client->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_NE(status.error_message().find("_QUEUE_FULL"), std::string::npos);
  EXPECT_TRUE(client->Acks().empty());
}

TEST_F(AckingStreamTest, RefusedStreamLeavesTheOpenStreamRegistered) {
  env_->limits.max_streams = 1;
  Serve();
  auto open = Open();
  ASSERT_TRUE(open->Write(Id(0)));
  ASSERT_TRUE(writer_.WaitForRecords(1));  // Let in: its message was taken.
  ASSERT_EQ(env_->OpenStreams(), 1);

  auto refused = Open();
  const grpc::Status status = refused->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(status.error_message().find("--max-streams"), std::string::npos);
  // Once the refused stream is done, the open one still counts: the next is refused too.
  ASSERT_TRUE(Eventually([&] { return service_->gone() == 1; }));
  EXPECT_EQ(env_->OpenStreams(), 1);
  EXPECT_EQ(Open()->Finish().error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);

  // The open stream goes on as if nothing happened, and its end makes room.
  writer_.Complete(0);
  open->WritesDone();
  EXPECT_EQ(IdsOf(open->Acks()), std::vector<std::string>{Id(0)});
  EXPECT_TRUE(open->Finish().ok());
  ASSERT_TRUE(Eventually([&] { return service_->gone() == 3; }));
  EXPECT_EQ(env_->OpenStreams(), 0);
  auto next = Open();
  ASSERT_TRUE(next->Write(Id(1)));
  ASSERT_TRUE(writer_.WaitForRecords(2));
}

TEST_F(AckingStreamTest, CancelledStreamWhoseDeliveriesCompleteLateDoesNotDisturbTheNext) {
  Serve();
  {
    auto cancelled = Open();
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(cancelled->Write(Id(i)));
    ASSERT_TRUE(writer_.WaitForRecords(5));
    cancelled->Cancel();
    EXPECT_EQ(cancelled->Finish().error_code(), grpc::StatusCode::CANCELLED);
    EXPECT_TRUE(cancelled->Acks().empty());
  }
  ASSERT_TRUE(Eventually([&] { return service_->gone() == 1; }));
  EXPECT_EQ(env_->OpenStreams(), 0);
  for (size_t i = 0; i < 5; ++i) writer_.Complete(i);  // Kafka confirms after the hub left.

  auto next = Open();
  ASSERT_TRUE(next->Write(Id(5)));
  ASSERT_TRUE(writer_.WaitForRecords(6));
  writer_.Complete(5);
  next->WritesDone();
  EXPECT_EQ(IdsOf(next->Acks()), std::vector<std::string>{Id(5)});
  EXPECT_TRUE(next->Finish().ok());
}

TEST_F(AckingStreamTest, DrainingStopsReadingAnswersWhatWasTakenThenEndsUnavailable) {
  Serve();
  auto client = Open();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(client->Write(Id(i)));
  ASSERT_TRUE(writer_.WaitForRecords(3));

  for (const auto& stream : env_->StartDraining()) stream->Drain();
  EXPECT_EQ(Open()->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);  // No new streams.
  for (size_t i = 0; i < 3; ++i) writer_.Complete(i);

  EXPECT_EQ(IdsOf(client->Acks()), (std::vector<std::string>{Id(0), Id(1), Id(2)}));
  const grpc::Status status = client->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_NE(status.error_message().find("shutting down"), std::string::npos);
}

}  // namespace
}  // namespace hattama::ingestion
