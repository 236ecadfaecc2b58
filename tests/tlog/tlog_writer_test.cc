// hattama-tlog against the embedded Kafka, records written straight to hattama.submissions.v1:
// every record logged once and proven against the signed checkpoint, the tiles directory lost and
// written again to the same bytes, a record written twice to the log being one leaf, a fork of
// what was published refused, and the HTTP side with its cache headers and limits.
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <optional>
#include <set>

#include "common/kafka/producer.h"
#include "common/kafka/reader.h"
#include "common/kafka/topics.h"
#include "common/tlog/entry.h"
#include "common/tlog/note.h"
#include "tests/testing/eventually.h"
#include "tests/tlog/tlog_client.h"
#include "tests/tlog/tlog_testing.h"
#include "tools/stack/stack.h"

namespace hattama::transparency {
namespace {

namespace fs = std::filesystem;
using testing::CheckpointFileDifferences;
using testing::Cosign;
using testing::FileDifferences;
using testing::RecordValue;
using testing::TileFiles;
using testing::TlogClient;
using testing::WitnessSigner;

constexpr int kPartitions = 4;
constexpr auto kLogTimeout = std::chrono::seconds(60);

// Writes `value` to `topic`/`partition` and waits for the broker to confirm it.
void Write(kafka::Producer& producer, const std::string& topic, int32_t partition,
           const std::string& value) {
  std::promise<Status> done;
  ASSERT_TRUE(
      producer
          .Produce(topic, partition, "", value,
                   [&done](const Status& status, int32_t, int64_t) { done.set_value(status); })
          .ok());
  Status status = done.get_future().get();
  ASSERT_TRUE(status.ok()) << status.message();
}

class TlogWriter : public ::testing::Test {
 protected:
  void SetUp() override {
    auto kafka = stack::DevKafka::Start(kPartitions, work_.path() + "/devkafka.log");
    ASSERT_TRUE(kafka.ok()) << kafka.status().message();
    kafka_ = std::move(kafka).value();
    auto producer = kafka::Producer::Create(kafka_->bootstrap());
    ASSERT_TRUE(producer.ok());
    producer_ = std::move(producer).value();
    key_ = work_.path() + "/log.key";
    auto keygen =
        stack::Process::Start({.argv = {stack::BinaryPath("hattama-tlog"), "--generate-key", key_,
                                        "--origin", "hattama.test/log"}});
    ASSERT_TRUE(keygen.ok());
    ASSERT_EQ((*keygen)->Wait(std::chrono::seconds(20)).value(), 0);
    std::ifstream pub(key_ + ".pub");
    ASSERT_TRUE(std::getline(pub, verifier_key_));
  }

  // Submissions s-<first>..s-<first + count - 1>, on partitions round robin.
  void Submit(int first, int count) {
    for (int i = first; i < first + count; ++i) {
      Write(*producer_, kafka::kSubmissionsTopic, i % kPartitions,
            RecordValue("s-" + std::to_string(i)));
    }
  }

  // Starts hattama-tlog on free ports over `tiles_dir` (default: the test's).
  void StartTlog(const std::vector<std::string>& flags = {}, std::string tiles_dir = "") {
    grpc_address_ = "127.0.0.1:" + std::to_string(stack::FreePort());
    const int http_port = stack::FreePort();
    http_address_ = "127.0.0.1:" + std::to_string(http_port);
    std::vector<std::string> argv = {stack::BinaryPath("hattama-tlog"),
                                     "--kafka-bootstrap",
                                     kafka_->bootstrap(),
                                     "--tiles-dir",
                                     tiles_dir.empty() ? tiles_dir_ : tiles_dir,
                                     "--log-key",
                                     key_,
                                     "--listen",
                                     grpc_address_,
                                     "--http-listen",
                                     http_address_,
                                     "--checkpoint-interval",
                                     "0.1"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    auto process = stack::Process::Start({.argv = argv, .log_path = work_.path() + "/tlog.log"});
    ASSERT_TRUE(process.ok());
    tlog_ = std::move(process).value();
    ASSERT_TRUE(stack::WaitUntilListening(*tlog_, http_port, std::chrono::seconds(30)).ok());
    client_ = std::make_unique<TlogClient>(grpc_address_, http_address_, verifier_key_);
  }

  // Where each partition of hattama.submissions.v1 ends now, as the broker says.
  std::vector<int64_t> SourceEnds() {
    auto reader = kafka::Reader::Create(kafka_->bootstrap(), kafka::kSubmissionsTopic).value();
    std::map<int32_t, int64_t> start;
    for (int32_t p = 0; p < kPartitions; ++p) start[p] = 0;
    EXPECT_TRUE(reader->Assign(start).ok());
    auto ends = reader->EndOffsets(std::chrono::seconds(10));
    EXPECT_TRUE(ends.ok()) << ends.status().message();
    std::vector<int64_t> by_partition;
    if (ends.ok()) {
      for (const auto& [partition, end] : *ends) by_partition.push_back(end);
    }
    return by_partition;
  }

  // The partition ends of the latest checkpoint.
  std::vector<int64_t> CheckpointEnds() {
    auto checkpoint = client_->SignedCheckpoint();
    EXPECT_TRUE(checkpoint.ok()) << checkpoint.status().message();
    if (!checkpoint.ok()) return {};
    return {checkpoint->partition_ends().begin(), checkpoint->partition_ends().end()};
  }

  std::string TlogLog() {
    std::ifstream in(work_.path() + "/tlog.log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  // The values of hattama.tlog.v1, read from offset 0 to its end now.
  std::vector<std::string> TlogTopic() {
    auto reader = kafka::Reader::Create(kafka_->bootstrap(), kafka::kTlogTopic).value();
    EXPECT_TRUE(reader->Assign({{0, 0}}).ok());
    const int64_t end = reader->EndOffsets(std::chrono::seconds(10)).value().at(0);
    std::vector<std::string> values;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (static_cast<int64_t>(values.size()) < end &&
           std::chrono::steady_clock::now() < deadline) {
      auto batch = reader->Poll(1000, std::chrono::milliseconds(100));
      if (!batch.ok()) break;
      for (auto& message : *batch) values.push_back(std::move(message.value));
    }
    EXPECT_EQ(static_cast<int64_t>(values.size()), end);
    return values;
  }

  stack::TempDir work_{"tlog-writer"};
  std::string tiles_dir_ = work_.path() + "/tiles";
  std::unique_ptr<stack::DevKafka> kafka_;
  std::unique_ptr<kafka::Producer> producer_;
  std::string key_;
  std::string verifier_key_;
  std::string grpc_address_;
  std::string http_address_;
  std::unique_ptr<stack::Process> tlog_;
  std::unique_ptr<TlogClient> client_;
};

TEST_F(TlogWriter, LogsEveryRecordOnceAndProvesEachAgainstTheSignedCheckpoint) {
  Submit(0, 500);
  const std::string metrics = "127.0.0.1:" + std::to_string(stack::FreePort());
  StartTlog({"--metrics-listen", metrics});
  auto checkpoint = client_->WaitForSize(500, kLogTimeout);
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status().message();
  EXPECT_EQ(checkpoint->size, 500);
  EXPECT_EQ(checkpoint->origin, "hattama.test/log");
  // By partition, where the records the checkpoint holds end: where the topic ends.
  EXPECT_EQ(CheckpointEnds(), (std::vector<int64_t>{125, 125, 125, 125}));
  EXPECT_EQ(CheckpointEnds(), SourceEnds());
  // Ready once rebuilt and checkpointed; the metrics say how large the log is.
  httplib::Client operations("http://" + metrics);
  EXPECT_TRUE(hattama::testing::Eventually(
      [&] {
        auto health = operations.Get("/healthz");
        return health && health->status == 200;
      },
      std::chrono::seconds(20)));  // the health check runs every 5 s
  auto scraped = operations.Get("/metrics");
  ASSERT_TRUE(scraped);
  EXPECT_NE(scraped->body.find("hattama_tlog_checkpoint_size 500"), std::string::npos)
      << scraped->body;
  for (int i = 0; i < 500; ++i) {
    const std::string id = "s-" + std::to_string(i);
    Status included = client_->CheckIncluded(id, *checkpoint);
    EXPECT_TRUE(included.ok()) << id << ": " << included.message();
  }
  // Records arriving while it runs: logged too, and the old checkpoint is a prefix of the new.
  Submit(500, 300);
  auto later = client_->WaitForSize(800, kLogTimeout);
  ASSERT_TRUE(later.ok()) << later.status().message();
  EXPECT_EQ(later->size, 800);
  EXPECT_EQ(CheckpointEnds(), (std::vector<int64_t>{200, 200, 200, 200}));
  grpc::ClientContext context;
  v1::GetConsistencyProofRequest request;
  request.set_old_size(500);
  request.set_new_size(800);
  v1::ConsistencyProof proof;
  ASSERT_TRUE(client_->stub().GetConsistencyProof(&context, request, &proof).ok());
  std::vector<tlog::Hash> hashes;
  for (const auto& hash : proof.hashes()) hashes.push_back(tlog::HashFromBytes(hash).value());
  EXPECT_TRUE(tlog::VerifyConsistency(hashes, 500, checkpoint->root, 800, later->root).ok());

  // The static tiles hold the same tree, and every source record exactly once.
  auto entries = client_->DownloadEntries(800);
  ASSERT_TRUE(entries.ok()) << entries.status().message();
  EXPECT_EQ(TlogClient::RootOf(*entries), later->root);
  std::set<tlog::SourcePosition> sources;
  std::set<std::string> ids;
  for (const auto& bytes : *entries) {
    auto entry = tlog::DecodeLeafEntry(bytes).value();
    EXPECT_TRUE(sources.insert(entry.source).second) << "a source logged twice";
    ids.insert(entry.submission_id);
  }
  EXPECT_EQ(sources.size(), 800u);
  EXPECT_EQ(ids.size(), 800u);
}

TEST_F(TlogWriter, WritesTheSameTilesAgainAfterTheDirectoryIsLost) {
  Submit(0, 700);
  StartTlog();
  ASSERT_TRUE(client_->WaitForSize(700, kLogTimeout).ok());
  tlog_->Stop();
  const auto written = TileFiles(tiles_dir_);
  ASSERT_TRUE(written.contains("checkpoint"));
  ASSERT_TRUE(written.contains("tile/entries/001"));
  fs::remove_all(tiles_dir_);

  StartTlog();
  auto rebuilt = client_->WaitForSize(700, kLogTimeout);
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status().message();
  tlog_->Stop();
  // Every file of the checkpoint, the signed note included (Ed25519 signatures are deterministic).
  EXPECT_EQ(CheckpointFileDifferences(TileFiles(tiles_dir_), written, 700), "");
  EXPECT_NE(TlogLog().find("rebuilt the log: 700 leaves"), std::string::npos);
}

TEST_F(TlogWriter, ARecordWrittenToTheLogTwiceIsOneLeaf) {
  Submit(0, 10);
  StartTlog();
  ASSERT_TRUE(client_->WaitForSize(10, kLogTimeout).ok());
  tlog_->Stop();
  // As if a write reported failed had been kept by the broker after all, and done again; and a
  // record that is no entry.
  const std::vector<std::string> topic = TlogTopic();
  ASSERT_EQ(topic.size(), 10u);
  Write(*producer_, kafka::kTlogTopic, 0, topic[3]);
  Write(*producer_, kafka::kTlogTopic, 0, "not an entry");
  Submit(10, 5);
  StartTlog();
  auto checkpoint = client_->WaitForSize(15, kLogTimeout);
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status().message();
  EXPECT_EQ(checkpoint->size, 15);
  // The tree is the topic's records by the rule: the copy and the garbage are no leaves.
  std::vector<std::string> leaves;
  std::set<tlog::SourcePosition> sources;
  for (const auto& value : TlogTopic()) {
    auto entry = tlog::DecodeLeafEntry(value);
    if (entry.ok() && sources.insert(entry->source).second) leaves.push_back(value);
  }
  ASSERT_EQ(leaves.size(), 15u);
  EXPECT_EQ(TlogClient::RootOf(leaves), checkpoint->root);
  EXPECT_EQ(TlogClient::RootOf(client_->DownloadEntries(15).value()), checkpoint->root);
}

TEST_F(TlogWriter, RefusesToPublishATreeThatDoesNotExtendItsCheckpoint) {
  Submit(0, 20);
  StartTlog();
  ASSERT_TRUE(client_->WaitForSize(20, kLogTimeout).ok());
  tlog_->Stop();
  const std::string published = TileFiles(tiles_dir_).at("checkpoint");
  const std::vector<std::string> first_log = TlogTopic();
  // The same key and tiles directory over another cluster: once whose log holds other leaves
  // (a fork), once whose log is empty (the published leaves lost).
  for (bool fork : {true, false}) {
    SCOPED_TRACE(fork ? "fork" : "lost");
    producer_.reset();
    kafka_.reset();
    auto other = stack::DevKafka::Start(kPartitions, work_.path() + "/devkafka-other.log");
    ASSERT_TRUE(other.ok());
    kafka_ = std::move(other).value();
    producer_ = kafka::Producer::Create(kafka_->bootstrap()).value();
    Submit(100, 25);
    if (fork) {
      for (int i = 0; i < 25; ++i) {
        Write(*producer_, kafka::kTlogTopic, 0,
              tlog::EncodeLeafEntry({.partition = 0, .offset = i},
                                    RecordValue("x-" + std::to_string(i))));
      }
    }
    std::filesystem::remove(work_.path() + "/tlog.log");
    StartTlog();
    auto code = tlog_->Wait(std::chrono::seconds(60));
    ASSERT_TRUE(code.ok()) << "hattama-tlog went on with a log that does not extend its own";
    EXPECT_NE(*code, 0);
    EXPECT_NE(TlogLog().find(fork ? "refusing to publish a fork" : "refusing to publish a shorter"),
              std::string::npos)
        << TlogLog();
    // Nothing published, nothing written to the other log.
    EXPECT_EQ(TileFiles(tiles_dir_).at("checkpoint"), published);
    EXPECT_EQ(TlogTopic().size(), fork ? 25u : 0u);
  }
  EXPECT_EQ(first_log.size(), 20u);
}

TEST_F(TlogWriter, ServesTheTilesWithCacheHeadersAndTheApiAsJson) {
  Submit(0, 300);
  StartTlog({"--http-max-connections-per-address", "2"});
  auto checkpoint = client_->WaitForSize(300, kLogTimeout);
  ASSERT_TRUE(checkpoint.ok());
  httplib::Client http("http://" + http_address_);
  // Each request comes on a connection of its own, which the client closes; the server counts
  // one until its thread sees the close, so on a busy machine the next may still find the two
  // this address may hold taken (503, the limit below at work). Such an answer is asked again.
  const auto admitted = [](const std::function<httplib::Result()>& request) {
    std::optional<httplib::Result> result;
    hattama::testing::Eventually([&] {
      result.emplace(request());
      return !*result || (*result)->status != 503;
    });
    return std::move(*result);
  };
  auto note = admitted([&] { return http.Get("/tlog/checkpoint"); });
  ASSERT_TRUE(note);
  EXPECT_EQ(note->status, 200);
  EXPECT_EQ(note->get_header_value("Cache-Control"), "public, max-age=1");
  EXPECT_EQ(note->get_header_value("Access-Control-Allow-Origin"), "*");
  EXPECT_TRUE(tlog::OpenCheckpoint(note->body, "hattama.test/log", client_->verifier()).ok());
  auto full = admitted([&] { return http.Get("/tlog/tile/0/000"); });
  ASSERT_TRUE(full);
  EXPECT_EQ(full->status, 200);
  EXPECT_EQ(full->body.size(), 256u * 32);
  EXPECT_EQ(full->get_header_value("Cache-Control"), "public, max-age=31536000, immutable");
  auto partial = admitted([&] { return http.Get("/tlog/tile/entries/001.p/44"); });
  ASSERT_TRUE(partial);
  EXPECT_EQ(partial->status, 200);
  EXPECT_EQ(partial->get_header_value("Cache-Control"), "public, max-age=60");
  for (const char* path : {"/tlog/tile/0/0", "/tlog/tile/../../log.key", "/tlog/tile/0/999"}) {
    auto missing = admitted([&] { return http.Get(path); });
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->status, 404) << path;
    EXPECT_NE(missing->body.find("\"code\":\"NOT_FOUND\""), std::string::npos) << path;
  }

  // The JSON is the proto's mapping (proto field names, bytes in base64).
  auto answer =
      admitted([&] { return http.Get("/v1/GetInclusionProof?submission_id=s-7&tree_size=300"); });
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 200);
  v1::InclusionProof proof;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(answer->body, &proof).ok());
  EXPECT_TRUE(answer->body.find("\"tree_size\":\"300\"") != std::string::npos) << answer->body;
  EXPECT_TRUE(client_->CheckIncluded("s-7", *checkpoint).ok());
  EXPECT_EQ(proof.entry().submission_id(), "s-7");
  EXPECT_EQ(tlog::LeafHash(proof.entry().entry()),
            tlog::HashFromBytes(proof.entry().leaf_hash()).value());
  auto signed_checkpoint = admitted([&] { return http.Get("/v1/GetCheckpoint"); });
  ASSERT_TRUE(signed_checkpoint);
  EXPECT_NE(signed_checkpoint->body.find("\"partition_ends\":[\"75\",\"75\",\"75\",\"75\"]"),
            std::string::npos)
      << signed_checkpoint->body;
  auto posted = admitted([&] {
    return http.Post("/v1/GetEntry", "{\"leaf_index\": " + std::to_string(proof.leaf_index()) + "}",
                     "application/json");
  });
  ASSERT_TRUE(posted);
  EXPECT_NE(posted->body.find("\"submission_id\":\"s-7\""), std::string::npos) << posted->body;
  auto beyond =
      admitted([&] { return http.Get("/v1/GetInclusionProof?leaf_index=3&tree_size=301"); });
  ASSERT_TRUE(beyond);
  EXPECT_EQ(beyond->status, 400);
  EXPECT_NE(beyond->body.find("latest checkpoint"), std::string::npos);
  auto unknown = admitted([&] { return http.Get("/v1/GetEntry?leaf=3"); });
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 400);
  // A body larger than --http-max-request-bytes (16 KiB) is refused before it is read.
  auto too_large = admitted(
      [&] { return http.Post("/v1/GetEntry", std::string(20'000, ' '), "application/json"); });
  ASSERT_TRUE(too_large);
  EXPECT_EQ(too_large->status, 413);

  // Two connections held open from one address; the third is refused naming the limit.
  httplib::Client first("http://" + http_address_);
  httplib::Client second("http://" + http_address_);
  first.set_keep_alive(true);
  second.set_keep_alive(true);
  auto held = admitted([&] { return first.Get("/tlog/checkpoint"); });
  ASSERT_TRUE(held);
  ASSERT_EQ(held->status, 200);
  held = admitted([&] { return second.Get("/tlog/checkpoint"); });
  ASSERT_TRUE(held);
  ASSERT_EQ(held->status, 200);
  httplib::Client third("http://" + http_address_);
  auto refused = third.Get("/tlog/checkpoint");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  EXPECT_NE(refused->body.find("--http-max-connections-per-address"), std::string::npos);
}

grpc::Status AddCosignature(TlogClient& client, const std::string& cosigned_note,
                            v1::AddCosignatureResponse* response) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  v1::AddCosignatureRequest request;
  request.set_cosigned_note(cosigned_note);
  return client.stub().AddCosignature(&context, request, response);
}

TEST_F(TlogWriter, ServesTheCosignaturesOfItsWitnessesAndKeepsThemAcrossARestart) {
  const tlog::NoteSigner alice = WitnessSigner("witness.example/alice", 1);
  const tlog::NoteSigner bob = WitnessSigner("witness.example/bob", 2);
  const std::string keys_file = work_.path() + "/witnesses.txt";
  std::ofstream(keys_file) << "# witnesses of the night\n" << bob.verifier().VerifierKey() << "\n";
  const std::vector<std::string> witness_flags = {"--witness-key", alice.verifier().VerifierKey(),
                                                  "--witness-key", "@" + keys_file};
  Submit(0, 50);
  StartTlog(witness_flags);
  ASSERT_TRUE(client_->WaitForSize(50, kLogTimeout).ok());
  const std::string note = client_->SignedCheckpoint().value().signed_note();

  // Alice over gRPC, Bob over HTTP.
  v1::AddCosignatureResponse added;
  grpc::Status status = AddCosignature(*client_, Cosign(note, alice), &added);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(added.witness(), "witness.example/alice");
  EXPECT_EQ(added.tree_size(), 50);
  httplib::Client http("http://" + http_address_);
  v1::AddCosignatureRequest request;
  request.set_cosigned_note(Cosign(note, bob));
  std::string body;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(request, &body).ok());
  auto posted = http.Post("/v1/AddCosignature", body, "application/json");
  ASSERT_TRUE(posted);
  EXPECT_EQ(posted->status, 200) << posted->body;
  EXPECT_NE(posted->body.find("\"witness\":\"witness.example/bob\""), std::string::npos)
      << posted->body;

  // Each served cosignature checks out with the log's key and its witness's key alone.
  const auto check_served = [&](const v1::SignedCheckpoint& checkpoint) {
    ASSERT_EQ(checkpoint.cosignatures_size(), 2);
    for (const v1::Cosignature& cosignature : checkpoint.cosignatures()) {
      const tlog::NoteSigner& witness =
          cosignature.witness() == "witness.example/alice" ? alice : bob;
      const tlog::NoteVerifier keys[] = {client_->verifier(), witness.verifier()};
      auto opened = tlog::OpenNote(cosignature.signed_note(), keys);
      ASSERT_TRUE(opened.ok()) << cosignature.witness() << ": " << opened.status().message();
      EXPECT_EQ(opened->verified.size(), 2u) << cosignature.witness();
      EXPECT_EQ(opened->verified[1].timestamp, static_cast<uint64_t>(cosignature.timestamp()));
      EXPECT_EQ(cosignature.tree_size(), 50);
      EXPECT_EQ(tlog::ParseCheckpoint(opened->text).value().size, 50);
    }
  };
  check_served(client_->SignedCheckpoint().value());
  auto json = http.Get("/v1/GetCheckpoint");
  ASSERT_TRUE(json);
  v1::SignedCheckpoint from_json;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json->body, &from_json).ok());
  check_served(from_json);
  auto file = http.Get("/tlog/checkpoint.cosigned");
  ASSERT_TRUE(file);
  EXPECT_EQ(file->status, 200);
  EXPECT_EQ(file->get_header_value("Cache-Control"), "public, max-age=1");
  const tlog::NoteVerifier all[] = {client_->verifier(), alice.verifier(), bob.verifier()};
  auto cosigned = tlog::OpenNote(file->body, all);
  ASSERT_TRUE(cosigned.ok()) << cosigned.status().message();
  EXPECT_EQ(cosigned->verified.size(), 3u);

  // An unknown witness; a root altered after signing; a tree the log's key signed but the log
  // never had.
  v1::AddCosignatureResponse refused;
  EXPECT_EQ(
      AddCosignature(*client_, Cosign(note, WitnessSigner("witness.example/mallory", 3)), &refused)
          .error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  request.set_cosigned_note(Cosign(note, WitnessSigner("witness.example/mallory", 3)));
  std::string unknown_body;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(request, &unknown_body).ok());
  auto forbidden = http.Post("/v1/AddCosignature", unknown_body, "application/json");
  ASSERT_TRUE(forbidden);
  EXPECT_EQ(forbidden->status, 403) << forbidden->body;
  EXPECT_NE(forbidden->body.find("\"code\":\"PERMISSION_DENIED\""), std::string::npos);
  const tlog::Checkpoint opened =
      tlog::OpenCheckpoint(note, "hattama.test/log", client_->verifier()).value();
  std::string altered = Cosign(note, alice);
  const std::string root = tlog::HashToBase64(opened.root);
  altered.replace(altered.find(root), root.size(), tlog::HashToBase64(tlog::LeafHash("fork")));
  status = AddCosignature(*client_, altered, &refused);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  std::ifstream key_file(key_);
  const std::string log_key((std::istreambuf_iterator<char>(key_file)), {});
  const tlog::NoteSigner log_signer = tlog::NoteSigner::FromSignerKey(log_key).value();
  tlog::Checkpoint fork = opened;
  fork.root = tlog::LeafHash("fork");
  status = AddCosignature(*client_, Cosign(tlog::SignCheckpoint(fork, log_signer).value(), alice),
                          &refused);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << status.error_message();
  EXPECT_NE(TlogLog().find("FORK EVIDENCE"), std::string::npos);

  // After a restart, with the log grown meanwhile: the same cosignatures, of the tree of 50.
  tlog_->Stop();
  Submit(50, 10);
  StartTlog(witness_flags);
  ASSERT_TRUE(client_->WaitForSize(60, kLogTimeout).ok());
  check_served(client_->SignedCheckpoint().value());
}

}  // namespace
}  // namespace hattama::transparency
