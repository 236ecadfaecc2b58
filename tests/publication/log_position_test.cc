// Where in the transparency log a published total stands: GetAreaTotals and GetOfficialTotals
// state the partition ends aggregation's position keys hold beside the totals, and the size of the
// smallest signed checkpoint that holds them, from a log polled over gRPC loopback; and
// GetLogCheckpoint answers that log's newest checkpoint. The log here is a stand-in serving
// checkpoints signed by a key made for the test (the real hattama-tlog runs in
// tests/evidence/log_position_test.cc).
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <optional>

#include "common/crypto/ed25519.h"
#include "common/tlog/checkpoint.h"
#include "services/publication/checkpoint_history.h"
#include "services/publication/tlog_watcher.h"
#include "services/publication/totals_cache.h"
#include "tests/publication/fixture.h"
#include "tests/testing/eventually.h"

namespace hattama::publication {
namespace {

using namespace std::chrono_literals;
using testing::ObserverRecord;

// hattama-tlog's TransparencyService as seen across the process boundary: GetCheckpoint answers
// what the test last served (UNAVAILABLE before), and the calls are counted.
class StandInLog final : public v1::TransparencyService::Service {
 public:
  grpc::Status GetCheckpoint(grpc::ServerContext*, const v1::GetCheckpointRequest*,
                             v1::SignedCheckpoint* response) override {
    std::lock_guard lock(mutex_);
    ++calls_;
    if (!checkpoint_.has_value()) return {grpc::StatusCode::UNAVAILABLE, "no checkpoint yet"};
    *response = *checkpoint_;
    return grpc::Status::OK;
  }
  void Serve(v1::SignedCheckpoint checkpoint) {
    std::lock_guard lock(mutex_);
    checkpoint_ = std::move(checkpoint);
  }
  int calls() {
    std::lock_guard lock(mutex_);
    return calls_;
  }

 private:
  std::mutex mutex_;
  std::optional<v1::SignedCheckpoint> checkpoint_;
  int calls_ = 0;
};

tlog::NoteSigner NewLogKey(const std::string& name) {
  return *tlog::NoteSigner::Create(name, tlog::NoteKeyType::kEd25519,
                                   *crypto::Ed25519PrivateKey::Generate());
}

// A checkpoint of `size` leaves holding every record below `ends`, signed by `key`, as
// hattama-tlog's GetCheckpoint answers it.
v1::SignedCheckpoint Checkpoint(int64_t size, const std::vector<int64_t>& ends,
                                const tlog::NoteSigner& key) {
  tlog::Checkpoint checkpoint{.origin = key.name(), .size = size};
  // Bytes of both halves (a char compared with a uint8_t reads those above 0x7f as others).
  for (size_t i = 0; i < checkpoint.root.size(); ++i) {
    checkpoint.root[i] = static_cast<uint8_t>(size + 37 * i);
  }
  v1::SignedCheckpoint signed_checkpoint;
  signed_checkpoint.set_signed_note(*tlog::SignCheckpoint(checkpoint, key));
  signed_checkpoint.set_origin(checkpoint.origin);
  signed_checkpoint.set_tree_size(size);
  signed_checkpoint.set_root_hash(std::string(checkpoint.root.begin(), checkpoint.root.end()));
  for (int64_t end : ends) signed_checkpoint.add_partition_ends(end);
  return signed_checkpoint;
}

std::vector<int64_t> Ends(const v1::AreaTotals& totals) {
  return {totals.log_position().partition_ends().begin(),
          totals.log_position().partition_ends().end()};
}

// The service with the totals cache on and the transparency log followed: a stand-in log on
// loopback, polled every 20 ms by a TlogWatcher checking the log key's signature.
class LogPositionTest : public PublicationFixture {
 protected:
  void SetUp() override {
    PublicationFixture::SetUp();
    if (HasFatalFailure()) return;
    const std::string address = "127.0.0.1:" + std::to_string(stack::FreePort());
    auto server = StartGrpcServer(address, {&log_});
    ASSERT_TRUE(server.ok()) << server.status().message();
    log_server_ = std::move(server).value();
    auto watcher = TlogWatcher::Start({.address = address,
                                       .verifier_key = log_key_.verifier().VerifierKey(),
                                       .poll_interval = 20ms},
                                      &checkpoints_);
    ASSERT_TRUE(watcher.ok()) << watcher.status().message();
    watcher_ = std::move(watcher).value();
  }

  // Wired before the service serves (the fixture calls this first).
  std::vector<grpc::Service*> AlsoServe() override {
    store_->UseTotalsCache(&cache_);
    cache_.Enable();
    store_->UseCheckpoints(&checkpoints_);
    service_->UseTransparencyLog(&checkpoints_, "https://log.example/", LogVerifierKey());
    return {};
  }

  void TearDown() override {
    watcher_.reset();
    if (log_server_) log_server_->Shutdown();
    PublicationFixture::TearDown();
  }

  std::string LogVerifierKey() const { return log_key_.verifier().VerifierKey(); }

  // Applies `records` as aggregation would, each at the next offset of its partition.
  void Aggregate(const std::vector<v1::SubmissionRecord>& records) {
    ASSERT_TRUE(
        redis_->Run({"SET", redis::layout::PartitionsKey(), std::to_string(testing::kPartitions)})
            .ok());
    testing::ApplyBatch(aggregation::Applier(registry_), *redis_, records, testing::kPartitions,
                        &offsets_);
    // Aggregation announces its changes on the feed, which invalidates the cache.
    for (const char* area : {"kz", "kz-a", "kz-b"}) {
      cache_.Invalidate({area, "mazhilis", false});
      cache_.Invalidate({area, "mazhilis", true});
    }
  }

  // The partition ends the records applied so far reach: one entry a partition.
  std::vector<int64_t> AppliedEnds() {
    std::vector<int64_t> ends(testing::kPartitions, 0);
    for (const auto& [partition, next] : offsets_) ends[partition] = next;
    return ends;
  }

  v1::AreaTotals Totals(const std::string& area) {
    v1::AreaTotals totals;
    grpc::Status status = GetAreaTotals(area, "mazhilis", totals);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return totals;
  }

  grpc::Status GetLogCheckpoint(v1::LogCheckpoint& answer) {
    grpc::ClientContext context;
    return stub_->GetLogCheckpoint(&context, v1::GetLogCheckpointRequest(), &answer);
  }

  // True once the watcher has polled the log `polls` more times from now.
  bool Polled(int polls) {
    const int from = log_.calls();
    return testing::Eventually([&] { return log_.calls() >= from + polls; }, 10s);
  }

  tlog::NoteSigner log_key_ = NewLogKey("hattama.test/log");
  StandInLog log_;
  std::unique_ptr<GrpcServer> log_server_;
  CheckpointHistory checkpoints_;
  TotalsCache cache_;
  std::unique_ptr<TlogWatcher> watcher_;
  std::map<int32_t, int64_t> offsets_;
};

TEST_F(LogPositionTest, TotalsStateTheEndOfEveryPartitionTheyHold) {
  auto records = DisputedStationS1();
  records.push_back(ObserverRecord("s2", "S2", "mazhilis", {200, 100, 50}, 10));
  records.push_back(ObserverRecord("s4", "S4", "mazhilis", {500, 150, 100}, 30));
  Aggregate(records);
  Aggregate({records[1]});  // A resend: a duplicate, at the next offset of S1's partition.
  const auto ends = AppliedEnds();
  ASSERT_EQ(ends[testing::PartitionOf(records[0])], 5);

  // The nation and both regions were summed over every partition, so all state every end; the
  // official totals too, read in the same transactions as their partitions' positions.
  for (const char* area : {"kz", "kz-a", "kz-b"}) {
    auto totals = Totals(area);
    EXPECT_EQ(Ends(totals), ends) << area;
    EXPECT_EQ(totals.log_position().tree_size(), 0) << "no checkpoint was served yet";
  }
  grpc::ClientContext context;
  v1::GetOfficialTotalsRequest request;
  request.set_area_id("kz");
  request.set_contest_id("mazhilis");
  v1::AreaTotals official;
  ASSERT_TRUE(stub_->GetOfficialTotals(&context, request, &official).ok());
  EXPECT_EQ(official.figures().ballots_valid(), 500);
  EXPECT_EQ(Ends(official), ends);
}

TEST_F(LogPositionTest, TreeSizeIsTheSmallestSignedCheckpointHoldingTheTotals) {
  Aggregate({ObserverRecord("a", "S1", "mazhilis", {300, 120, 80}),
             ObserverRecord("b", "S2", "mazhilis", {200, 100, 50}),
             ObserverRecord("c", "S4", "mazhilis", {500, 150, 100})});
  const auto ends = AppliedEnds();
  const auto cached = Totals("kz");  // Read from Redis and cached, before any checkpoint.
  ASSERT_EQ(cached.log_position().tree_size(), 0);

  // A log behind the totals: one partition's end short.
  std::vector<int64_t> behind = ends;
  const int32_t short_partition = testing::PartitionOf(ObserverRecord("a", "S1", "mazhilis", {}));
  behind[short_partition] -= 1;
  log_.Serve(Checkpoint(2, behind, log_key_));
  ASSERT_TRUE(Polled(2));
  EXPECT_EQ(Totals("kz").log_position().tree_size(), 0);

  // The first checkpoint that holds them all; then a later one, which holds them too.
  log_.Serve(Checkpoint(3, ends, log_key_));
  ASSERT_TRUE(Polled(2));
  std::vector<int64_t> later = ends;
  for (int64_t& end : later) end += 4;
  const auto newest = Checkpoint(19, later, log_key_);
  log_.Serve(newest);
  ASSERT_TRUE(Polled(2));

  const uint64_t hits = cache_.hits();
  auto totals = Totals("kz");
  EXPECT_EQ(totals.log_position().tree_size(), 3);
  EXPECT_EQ(Ends(totals), ends);
  EXPECT_EQ(cache_.hits(), hits + 1) << "the tree size is resolved for a cached total too";
  totals.mutable_log_position()->set_tree_size(0);
  EXPECT_EQ(totals.SerializeAsString(), cached.SerializeAsString());

  // GetLogCheckpoint: the newest checkpoint, as the log gave it, with the log's URL and key.
  v1::LogCheckpoint answer;
  ASSERT_TRUE(GetLogCheckpoint(answer).ok());
  EXPECT_EQ(answer.checkpoint().SerializeAsString(), newest.SerializeAsString());
  EXPECT_TRUE(tlog::OpenCheckpoint(answer.checkpoint().signed_note(), "hattama.test/log",
                                   log_key_.verifier())
                  .ok());
  EXPECT_EQ(answer.log_url(), "https://log.example/");
  EXPECT_EQ(answer.verifier_key(), LogVerifierKey());
}

TEST_F(LogPositionTest, ACheckpointThatDoesNotVerifyIsNeverUsed) {
  Aggregate({ObserverRecord("a", "S1", "mazhilis", {300, 120, 80})});
  const auto ends = AppliedEnds();

  // Signed by another key.
  log_.Serve(Checkpoint(5, ends, NewLogKey("hattama.test/log")));
  ASSERT_TRUE(Polled(2));
  v1::LogCheckpoint answer;
  EXPECT_EQ(GetLogCheckpoint(answer).error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Totals("kz").log_position().tree_size(), 0);

  // Signed by the log's key, but stating another tree size beside the note than in it.
  auto altered = Checkpoint(5, ends, log_key_);
  altered.set_tree_size(6);
  log_.Serve(altered);
  ASSERT_TRUE(Polled(2));
  EXPECT_EQ(GetLogCheckpoint(answer).error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Totals("kz").log_position().tree_size(), 0);

  log_.Serve(Checkpoint(5, ends, log_key_));
  EXPECT_TRUE(testing::Eventually([&] { return GetLogCheckpoint(answer).ok(); }, 10s));
  EXPECT_EQ(Totals("kz").log_position().tree_size(), 5);
}

TEST_F(LogPositionTest, ACheckpointWithoutPartitionEndsHoldsNoRecord) {
  Aggregate({ObserverRecord("a", "S1", "mazhilis", {300, 120, 80})});

  // A log that does not state its partition ends (one that predates them) vouches for nothing.
  log_.Serve(Checkpoint(40, {}, log_key_));
  ASSERT_TRUE(Polled(2));

  v1::LogCheckpoint answer;
  EXPECT_TRUE(GetLogCheckpoint(answer).ok());
  EXPECT_EQ(Totals("kz").log_position().tree_size(), 0);
}

using NoLogTest = PublicationFixture;

TEST_F(NoLogTest, GetLogCheckpointIsUnavailableWithoutALogAndTotalsStateTreeSize0) {
  testing::ApplyBatch(aggregation::Applier(registry_), *redis_,
                      {ObserverRecord("a", "S1", "mazhilis", {300, 120, 80})});
  ASSERT_TRUE(
      redis_->Run({"SET", redis::layout::PartitionsKey(), std::to_string(testing::kPartitions)})
          .ok());

  grpc::ClientContext context;
  v1::LogCheckpoint answer;
  grpc::Status status = stub_->GetLogCheckpoint(&context, v1::GetLogCheckpointRequest(), &answer);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_NE(status.error_message().find("--tlog-address"), std::string::npos);

  v1::AreaTotals totals;
  ASSERT_TRUE(GetAreaTotals("kz", "mazhilis", totals).ok());
  EXPECT_EQ(totals.log_position().partition_ends_size(), testing::kPartitions);
  EXPECT_EQ(totals.log_position().tree_size(), 0);
}

}  // namespace
}  // namespace hattama::publication
