// The live side of publication against real parts: a redis-server seeded through aggregation's
// apply path, the embedded Kafka (hattama-devkafka) carrying the TotalsChange records aggregation
// would publish, real gRPC over loopback and real HTTP for the Server-Sent Events mirror.
#include "services/publication/watch.h"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <future>
#include <map>
#include <thread>

#include "common/kafka/producer.h"
#include "common/kafka/topics.h"
#include "services/publication/change_feed.h"
#include "services/publication/http_gateway.h"
#include "services/publication/http_request.h"
#include "services/publication/totals_cache.h"
#include "tests/publication/fixture.h"
#include "tests/testing/eventually.h"
#include "tests/testing/raw_http.h"
#include "tools/stack/stack.h"

namespace hattama::publication {
namespace {

using namespace std::chrono_literals;
using google::protobuf::util::MessageDifferencer;
using testing::Eventually;
using testing::ObserverRecord;

// The shared publication fixture (redis-server, the service over gRPC loopback) plus the
// embedded Kafka, the change feed, the totals cache and the watch hub.
class WatchTest : public PublicationFixture {
 protected:
  void SetUp() override {
    auto kafka = stack::DevKafka::Start(4);
    ASSERT_TRUE(kafka.ok()) << kafka.status().message();
    kafka_ = std::move(kafka).value();
    auto producer = kafka::Producer::Create(kafka_->bootstrap());
    ASSERT_TRUE(producer.ok()) << producer.status().message();
    producer_ = std::move(producer).value();
    PublicationFixture::SetUp();
    if (HasFatalFailure()) return;

    hub_ = std::make_unique<WatchHub>(
        registry_, [this](const TotalsKey& key) { return store_->ReadTotals(key); },
        WatchOptions());
    // Before the first call: every request of the test comes after this.
    store_->UseTotalsCache(&cache_);
    store_->UseCheckpoints(&checkpoints_);
    service_->UseWatchHub(hub_.get());
    ChangeFeed::Options options;
    options.bootstrap_servers = kafka_->bootstrap();
    options.check_interval = 300ms;
    // Long enough for a machine busy with other tests: a check that times out is a lost feed (the
    // cache is disabled), which one CI run met with 1 s while the suite's first tests started.
    options.kafka_timeout = 5s;
    feed_ = std::make_unique<ChangeFeed>(
        options, &cache_,
        [this](const TotalsKey& key) {
          hub_->Changed(key);
          changes_read_.fetch_add(1);
        },
        [this](bool ready) { hub_->SetFeedReady(ready); });
    ASSERT_TRUE(Eventually([this] { return feed_->ready(); }, 20s)) << "the feed never got ready";
  }

  void TearDown() override {
    gateway_.reset();
    if (hub_) hub_->Stop();
    PublicationFixture::TearDown();
    feed_.reset();
  }

  // The hub's options; a test with other caps overrides it.
  virtual WatchHub::Options WatchOptions() {
    WatchHub::Options options;
    options.interval = 100ms;
    return options;
  }

  void StartGateway(size_t max_event_streams = 8) {
    HttpLimits limits;
    limits.max_event_streams = max_event_streams;
    // Totals' JSON from the store, as publication's server gives it.
    auto gateway =
        HttpGateway::Start("127.0.0.1:0", grpc_server_->InProcessChannel({}), {}, nullptr, limits,
                           [this](const TotalsKey& key) { return store_->ReadTotalsJson(key); });
    ASSERT_TRUE(gateway.ok()) << gateway.status().message();
    gateway_ = std::move(gateway).value();
  }

  // Applies `records` to Redis the way aggregation does and, when `publish`, then writes the
  // TotalsChange records it reports to the change feed, keyed by area and contest.
  void Apply(const std::vector<v1::SubmissionRecord>& records, bool publish = true) {
    WritePartitionCount();
    aggregation::Applier applier(registry_);
    std::vector<aggregation::PreparedRecord> calls;
    for (const auto& record : records) {
      const int32_t partition = testing::PartitionOf(record);
      auto call = applier.Prepare(partition, next_offset_[partition]++, record);
      ASSERT_TRUE(call.ok()) << call.status().message();
      calls.push_back(*call);
    }
    std::vector<v1::TotalsChange> changes;
    auto applied = applier.Apply(*redis_, calls, &changes);
    ASSERT_TRUE(applied.ok()) << applied.status().message();
    ASSERT_FALSE(changes.empty());
    if (publish) Publish(changes);
  }

  void Publish(const std::vector<v1::TotalsChange>& changes) {
    for (const auto& change : changes) {
      ASSERT_TRUE(producer_
                      ->Produce(kafka::kTotalsTopic, -1,
                                change.area_id() + "|" + change.contest_id(),
                                change.SerializeAsString(), [](const Status&, int32_t, int64_t) {})
                      .ok());
    }
    ASSERT_TRUE(producer_->Flush(10s).ok());
    // Acknowledged by the broker is not yet read by publication: until its feed has read them, a
    // read may still be answered from entries these changes are about to invalidate.
    changes_published_ += changes.size();
    ASSERT_TRUE(Eventually([this] { return changes_read_.load() >= changes_published_; }, 10s))
        << "publication's feed read " << changes_read_.load() << " of " << changes_published_
        << " changes";
  }

  v1::AreaTotals Totals(const std::string& area, const std::string& contest) {
    v1::AreaTotals totals;
    grpc::Status status = GetAreaTotals(area, contest, totals);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return totals;
  }

  // A Watch of `contest` (in `area`, or every area when empty), for 30 s at most.
  std::unique_ptr<grpc::ClientReader<v1::AreaTotals>> Watch(grpc::ClientContext& context,
                                                            const std::string& contest,
                                                            const std::string& area = "") {
    context.set_deadline(std::chrono::system_clock::now() + 30s);
    v1::WatchRequest request;
    request.set_contest_id(contest);
    if (!area.empty()) request.add_area_ids(area);
    return stub_->Watch(&context, request);
  }

  std::unique_ptr<stack::DevKafka> kafka_;
  // The offset of the next record Apply applies in each partition, as if read from the log.
  std::map<int32_t, int64_t> next_offset_;
  std::unique_ptr<kafka::Producer> producer_;
  TotalsCache cache_;
  // The transparency log's checkpoints, as a TlogWatcher would add them.
  CheckpointHistory checkpoints_;
  std::unique_ptr<WatchHub> hub_;
  std::unique_ptr<ChangeFeed> feed_;
  // Changes written to the feed by Publish, and read from it by publication's ChangeFeed.
  size_t changes_published_ = 0;
  std::atomic<size_t> changes_read_{0};
  std::unique_ptr<HttpGateway> gateway_;
};

TEST_F(WatchTest, StreamStartsWithCurrentTotalsThenSendsEveryChange) {
  Apply({ObserverRecord("a", "S1", "mazhilis", {300, 120, 80}, 20)});
  grpc::ClientContext context;
  auto reader = Watch(context, "mazhilis", "kz");

  v1::AreaTotals first;
  ASSERT_TRUE(reader->Read(&first));
  EXPECT_EQ(first.area().area_id(), "kz");
  EXPECT_EQ(first.stations_reporting(), 1);
  EXPECT_EQ(first.figures().ballots_valid(), 500);
  EXPECT_TRUE(MessageDifferencer::Equals(first, Totals("kz", "mazhilis")));

  Apply({ObserverRecord("b", "S2", "mazhilis", {200, 100, 50}, 10),
         ObserverRecord("c", "S4", "mazhilis", {500, 150, 100}, 30)});
  v1::AreaTotals next;
  do {
    ASSERT_TRUE(reader->Read(&next)) << "the stream ended before the change arrived";
  } while (next.stations_reporting() < 3);
  EXPECT_EQ(next.figures().ballots_valid(), 500 + 350 + 750);
  EXPECT_TRUE(MessageDifferencer::Equals(next, Totals("kz", "mazhilis")));
  // Where in the log it stands, as GetAreaTotals states it: every record applied so far.
  std::vector<int64_t> ends(testing::kPartitions, 0);
  for (const auto& [partition, next_offset] : next_offset_) ends[partition] = next_offset;
  EXPECT_EQ(std::vector<int64_t>(next.log_position().partition_ends().begin(),
                                 next.log_position().partition_ends().end()),
            ends);
  context.TryCancel();
}

TEST_F(WatchTest, ATotalIsSentAgainOnceASignedCheckpointHoldsIt) {
  Apply({ObserverRecord("a", "S1", "mazhilis", {300, 120, 80}, 20)});
  grpc::ClientContext context;
  auto reader = Watch(context, "mazhilis", "kz");
  v1::AreaTotals first;
  ASSERT_TRUE(reader->Read(&first));
  EXPECT_EQ(first.log_position().tree_size(), 0) << "no checkpoint yet";

  // The log signs a tree holding every record of the total; nothing else changed.
  v1::SignedCheckpoint checkpoint;
  checkpoint.set_tree_size(7);
  *checkpoint.mutable_partition_ends() = first.log_position().partition_ends();
  checkpoints_.Add(checkpoint);
  hub_->CheckpointAdded();

  v1::AreaTotals again;
  ASSERT_TRUE(reader->Read(&again)) << "the stream ended before the totals were sent again";
  EXPECT_EQ(again.log_position().tree_size(), 7);
  again.mutable_log_position()->set_tree_size(0);
  EXPECT_TRUE(MessageDifferencer::Equals(again, first));
  context.TryCancel();
}

TEST_F(WatchTest, EveryWatchedAreaStartsComplete) {
  Apply({ObserverRecord("a", "S1", "mazhilis", {300, 120, 80}, 20)});
  grpc::ClientContext context;
  auto reader = Watch(context, "mazhilis");

  // Every area holding the contest, each once, before any change.
  size_t expected = 0;
  for (const auto& area : registry_->election().areas()) {
    if (registry_->StationsRegistered(area.area_id(), "mazhilis") > 0) ++expected;
  }
  std::set<std::string> seen;
  v1::AreaTotals totals;
  while (seen.size() < expected && reader->Read(&totals)) {
    EXPECT_TRUE(seen.insert(totals.area().area_id()).second) << totals.area().area_id();
    EXPECT_TRUE(MessageDifferencer::Equals(totals, Totals(totals.area().area_id(), "mazhilis")));
  }
  EXPECT_EQ(seen.size(), expected);
  EXPECT_GT(expected, 1u);
  context.TryCancel();
}

TEST_F(WatchTest, TotalsComeFromMemoryUntilTheirChangeArrives) {
  Apply({ObserverRecord("a", "S1", "mazhilis", {300, 120, 80}, 20)});
  v1::AreaTotals before = Totals("kz", "mazhilis");
  const uint64_t hits = cache_.hits();
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(MessageDifferencer::Equals(Totals("kz", "mazhilis"), before));
  }
  EXPECT_EQ(cache_.hits(), hits + 5);

  // Applied to Redis but not announced yet: the cache still answers (no Redis read)...
  aggregation::Applier applier(registry_);
  auto record = ObserverRecord("b", "S2", "mazhilis", {200, 100, 50}, 10);
  const int32_t partition = testing::PartitionOf(record);
  auto call = applier.Prepare(partition, next_offset_[partition]++, record);
  ASSERT_TRUE(call.ok());
  std::vector<v1::TotalsChange> changes;
  ASSERT_TRUE(applier.Apply(*redis_, {*call}, &changes).ok());
  EXPECT_EQ(Totals("kz", "mazhilis").stations_reporting(), 1);

  // ...and once the change is on the feed, the next read has the new figures.
  Publish(changes);
  EXPECT_TRUE(
      Eventually([this] { return Totals("kz", "mazhilis").stations_reporting() == 2; }, 10s));
  EXPECT_EQ(Totals("kz", "mazhilis").figures().ballots_valid(), 500 + 350);
}

TEST_F(WatchTest, CachedAnswersOverGrpcAndHttpEqualAFreshReadAsChangesArrive) {
  StartGateway();
  httplib::Client client("127.0.0.1", gateway_->port());
  // A read model without the cache: what Redis holds now, at the checkpoints as they are.
  PublishedStore fresh(registry_, pool_);
  fresh.UseCheckpoints(&checkpoints_);
  // Whether GetAreaTotals and GetOfficialTotals of `area`, over gRPC and over HTTP, each answer
  // exactly what a fresh read gives.
  auto answers_are_fresh = [&](const std::string& area) {
    for (bool official : {false, true}) {
      auto expected = fresh.ReadTotals({area, "mazhilis", official});
      if (!expected.ok()) return false;
      v1::AreaTotals answered;
      grpc::ClientContext context;
      v1::GetOfficialTotalsRequest request;
      request.set_area_id(area);
      request.set_contest_id("mazhilis");
      grpc::Status status = official ? stub_->GetOfficialTotals(&context, request, &answered)
                                     : GetAreaTotals(area, "mazhilis", answered);
      if (!status.ok() || !MessageDifferencer::Equals(answered, *expected)) return false;
      auto http = client.Get(std::string(official ? "/v1/GetOfficialTotals" : "/v1/GetAreaTotals") +
                             "?area_id=" + area + "&contest_id=mazhilis");
      if (!http || http->status != 200 || http->body != *ToJson(*expected) + "\n") return false;
    }
    return true;
  };

  Apply({ObserverRecord("a", "S1", "mazhilis", {300, 120, 80}, 20),
         OfficialRecord("o", "S1", "mazhilis", {450, 40, 10})});
  EXPECT_TRUE(answers_are_fresh("kz"));
  const uint64_t hits = cache_.hits();
  EXPECT_TRUE(answers_are_fresh("kz"));
  EXPECT_EQ(cache_.hits(), hits + 4) << "the second answers did not all come from memory";

  Apply({ObserverRecord("b", "S2", "mazhilis", {200, 100, 50}, 10),
         OfficialRecord("p", "S2", "mazhilis", {210, 90, 50})});
  EXPECT_TRUE(Eventually([&] { return answers_are_fresh("kz"); }, 10s));
  EXPECT_EQ(Totals("kz", "mazhilis").stations_reporting(), 2);

  // The log signs a tree holding the totals; nothing else changes: the answers kept in memory
  // state it at once.
  v1::SignedCheckpoint checkpoint;
  checkpoint.set_tree_size(7);
  *checkpoint.mutable_partition_ends() = Totals("kz", "mazhilis").log_position().partition_ends();
  checkpoints_.Add(checkpoint);
  EXPECT_EQ(Totals("kz", "mazhilis").log_position().tree_size(), 7);
  EXPECT_TRUE(answers_are_fresh("kz"));
}

TEST_F(WatchTest, WithoutKafkaEveryReadGoesToRedisAndStreamsEnd) {
  Apply({ObserverRecord("a", "S1", "mazhilis", {300, 120, 80}, 20)});
  grpc::ClientContext context;
  auto reader = Watch(context, "mazhilis", "kz");
  v1::AreaTotals first;
  ASSERT_TRUE(reader->Read(&first));
  EXPECT_EQ(Totals("kz", "mazhilis").stations_reporting(), 1);  // Now cached.

  kafka_->process().Stop();
  ASSERT_TRUE(Eventually([this] { return !feed_->ready(); }, 20s));
  EXPECT_FALSE(cache_.enabled());
  v1::AreaTotals ignored;
  while (reader->Read(&ignored)) {
  }
  grpc::Status ended = reader->Finish();
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::UNAVAILABLE) << ended.error_message();

  // A change no feed will announce is seen at once: Redis is read every time.
  Apply({ObserverRecord("b", "S2", "mazhilis", {200, 100, 50}, 10)}, /*publish=*/false);
  const uint64_t misses = cache_.misses();
  EXPECT_EQ(Totals("kz", "mazhilis").stations_reporting(), 2);
  EXPECT_EQ(Totals("kz", "mazhilis").stations_reporting(), 2);
  EXPECT_EQ(cache_.misses(), misses + 2);

  grpc::ClientContext refused_context;
  auto refused = Watch(refused_context, "mazhilis", "kz");
  EXPECT_FALSE(refused->Read(&ignored));
  EXPECT_EQ(refused->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(WatchTest, ShutdownEndsOpenStreamsPromptly) {
  grpc::ClientContext context;
  auto reader = Watch(context, "mazhilis");
  v1::AreaTotals totals;
  ASSERT_TRUE(reader->Read(&totals));

  const auto started = std::chrono::steady_clock::now();
  hub_->Stop();
  grpc_server_->Shutdown(std::chrono::system_clock::now() + 20s);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  while (reader->Read(&totals)) {
  }
  grpc::Status ended = reader->Finish();
  EXPECT_TRUE(ended.ok()) << ended.error_code() << " " << ended.error_message();
  EXPECT_EQ(hub_->watchers(), 0u);
}

TEST_F(WatchTest, UnknownContestIsNotFound) {
  grpc::ClientContext context;
  auto reader = Watch(context, "senate-2099");
  v1::AreaTotals totals;
  EXPECT_FALSE(reader->Read(&totals));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::NOT_FOUND);
}

// The SSE text of one event's data line, or "" when `block` holds no totals event.
std::string TotalsData(const std::string& block) {
  if (block.rfind("event: totals\n", 0) != 0) return "";
  auto data = block.find("data: ");
  return data == std::string::npos ? "" : block.substr(data + 6);
}

TEST_F(WatchTest, EventStreamCarriesTheTotalsJsonOfTheUnaryApi) {
  StartGateway();
  Apply({ObserverRecord("a", "S1", "mazhilis", {300, 120, 80}, 20)});
  httplib::Client client("127.0.0.1", gateway_->port());
  client.set_read_timeout(30, 0);

  std::string buffer;
  std::vector<std::string> events;
  bool published = false;
  std::string content_type;
  std::string cache_control;
  int status = 0;
  auto result = client.Get(
      "/v1/Watch?contest_id=mazhilis&area_id=kz",
      [&](const httplib::Response& response) {
        status = response.status;
        content_type = response.get_header_value("Content-Type");
        cache_control = response.get_header_value("Cache-Control");
        return true;
      },
      [&](const char* data, size_t length) {
        buffer.append(data, length);
        for (size_t end; (end = buffer.find("\n\n")) != std::string::npos;) {
          std::string json = TotalsData(buffer.substr(0, end));
          buffer.erase(0, end + 2);
          if (json.empty()) continue;
          events.push_back(json);
          if (!published) {
            published = true;
            Apply({ObserverRecord("b", "S2", "mazhilis", {200, 100, 50}, 10)});
          }
        }
        v1::AreaTotals last;
        return events.empty() ||
               !google::protobuf::util::JsonStringToMessage(events.back(), &last).ok() ||
               last.stations_reporting() < 2;
      });

  EXPECT_EQ(status, 200);
  EXPECT_EQ(content_type, "text/event-stream");
  EXPECT_EQ(cache_control, "no-cache");
  ASSERT_GE(events.size(), 2u);
  auto unary = client.Get("/v1/GetAreaTotals?area_id=kz&contest_id=mazhilis");
  ASSERT_TRUE(unary);
  // Same mapping, field for field, as the unary mirror.
  EXPECT_EQ(events.back() + "\n", unary->body);
  v1::AreaTotals first;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(events.front(), &first).ok());
  EXPECT_EQ(first.stations_reporting(), 1);
}

TEST_F(WatchTest, EventStreamsBeyondTheCapAreRefusedWith503) {
  StartGateway(/*max_event_streams=*/1);
  httplib::Client holder("127.0.0.1", gateway_->port());
  std::promise<void> first_event;
  std::atomic<bool> release{false};
  std::thread open([&] {
    bool signalled = false;
    holder.Get("/v1/Watch?contest_id=mazhilis", [&](const char*, size_t) {
      if (!signalled) {
        signalled = true;
        first_event.set_value();
      }
      return !release.load();
    });
  });
  ASSERT_EQ(first_event.get_future().wait_for(20s), std::future_status::ready);

  httplib::Client client("127.0.0.1", gateway_->port());
  auto refused = client.Get("/v1/Watch?contest_id=mazhilis");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  EXPECT_NE(refused->body.find("UNAVAILABLE"), std::string::npos) << refused->body;
  auto unknown = client.Get("/v1/Watch?contest_id=senate-2099");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 503);  // Still over the cap: refused before the contest is looked up.

  release.store(true);
  Apply({ObserverRecord("a", "S1", "mazhilis", {300, 120, 80}, 20)});  // Wakes the holder.
  open.join();
}

TEST_F(WatchTest, EventStreamOfAnUnknownContestIsA404) {
  StartGateway();
  httplib::Client client("127.0.0.1", gateway_->port());
  auto unknown = client.Get("/v1/Watch?contest_id=nope");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404) << unknown->body;
  EXPECT_NE(unknown->body.find("\"code\":\"NOT_FOUND\""), std::string::npos) << unknown->body;
  auto area = client.Get("/v1/Watch?contest_id=mazhilis&area_id=atlantis");
  ASSERT_TRUE(area);
  EXPECT_EQ(area->status, 404) << area->body;
  auto typo = client.Get("/v1/Watch?contest=mazhilis");
  ASSERT_TRUE(typo);
  EXPECT_EQ(typo->status, 400) << typo->body;
}

TEST_F(WatchTest, ClosedEventStreamFreesItsSlotAtOnce) {
  StartGateway(/*max_event_streams=*/1);
  int fd = testing::ConnectFrom(gateway_->port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(testing::SendAll(fd,
                               "GET /v1/Watch?contest_id=mazhilis&area_id=kz HTTP/1.1\r\n"
                               "Host: x\r\n\r\n"));
  std::string opened = testing::ReadUntil(fd, 10s, "event: totals");
  ASSERT_TRUE(opened.starts_with("HTTP/1.1 200")) << opened;
  close(fd);  // The browser tab closes; no event or keep-alive is due for 15 s.

  // The next client gets the slot well before the next keep-alive would have noticed.
  const auto closed = std::chrono::steady_clock::now();
  httplib::Client client("127.0.0.1", gateway_->port());
  int status = 0;
  ASSERT_TRUE(Eventually(
      [&] {
        auto result = client.Get(
            "/v1/Watch?contest_id=mazhilis&area_id=kz",
            [&](const httplib::Response& response) {
              status = response.status;
              return true;
            },
            [&](const char*, size_t) { return false; });  // One chunk is enough.
        return status == 200;
      },
      3s))
      << "the slot of the closed stream was not freed; last status " << status;
  EXPECT_LT(std::chrono::steady_clock::now() - closed, 2s);
}

// The hub with caps on gRPC Watch streams.
class CappedWatchTest : public WatchTest {
 protected:
  WatchHub::Options WatchOptions() override {
    WatchHub::Options options = WatchTest::WatchOptions();
    options.max_streams = max_streams_;
    options.max_streams_per_address = per_address_;
    return options;
  }

  // A Watch that is never read (a paused client), once it was accepted or refused.
  struct Paused {
    std::unique_ptr<grpc::ClientContext> context = std::make_unique<grpc::ClientContext>();
    std::unique_ptr<grpc::ClientReader<v1::AreaTotals>> reader;
    bool accepted = false;
    grpc::Status refusal;  // Why it was refused.
  };

  Paused OpenPaused() {
    Paused paused;
    paused.reader = Watch(*paused.context, "mazhilis");
    paused.reader->WaitForInitialMetadata();
    paused.accepted =
        paused.context->GetServerInitialMetadata().count(WatchHub::kAcceptedMetadata) > 0;
    if (!paused.accepted) {
      v1::AreaTotals totals;
      while (paused.reader->Read(&totals)) {
      }
      paused.refusal = paused.reader->Finish();
    }
    return paused;
  }

  // Opens `count` paused Watches into `streams`, each of which must be accepted.
  void OpenPausedStreams(int count, std::vector<Paused>& streams) {
    for (int i = 0; i < count; ++i) {
      streams.push_back(OpenPaused());
      ASSERT_TRUE(streams.back().accepted) << streams.back().refusal.error_message();
    }
  }

  size_t max_streams_ = 0;
  size_t per_address_ = 0;
};

class WatchCappedInAll : public CappedWatchTest {
 protected:
  WatchCappedInAll() { max_streams_ = 3; }
};

class WatchCappedPerAddress : public CappedWatchTest {
 protected:
  WatchCappedPerAddress() { per_address_ = 2; }
};

TEST_F(WatchCappedInAll, StreamsBeyondTheCapAreRefusedUntilOneEnds) {
  std::vector<Paused> streams;
  ASSERT_NO_FATAL_FAILURE(OpenPausedStreams(3, streams));
  Paused extra = OpenPaused();
  ASSERT_FALSE(extra.accepted);
  EXPECT_EQ(extra.refusal.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << extra.refusal.error_message();
  EXPECT_EQ(hub_->refused_for_cap(), 1u);

  streams[0].context->TryCancel();
  ASSERT_TRUE(Eventually([&] { return hub_->watchers() == 2; }));
  Paused again = OpenPaused();
  EXPECT_TRUE(again.accepted) << again.refusal.error_message();
  // A new watcher's first totals come at once, the paused ones notwithstanding.
  v1::AreaTotals first;
  const auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(again.reader->Read(&first));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
  for (auto& stream : streams) stream.context->TryCancel();
  again.context->TryCancel();
}

TEST_F(WatchCappedPerAddress, OneAddressCannotHoldMoreThanItsShare) {
  std::vector<Paused> streams;
  ASSERT_NO_FATAL_FAILURE(OpenPausedStreams(2, streams));
  Paused extra = OpenPaused();
  ASSERT_FALSE(extra.accepted);
  EXPECT_EQ(extra.refusal.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(extra.refusal.error_message().find("127.0.0.1"), std::string::npos)
      << extra.refusal.error_message();
  // The HTTP gateway's streams come over the in-process channel: not counted against it.
  StartGateway();
  httplib::Client client("127.0.0.1", gateway_->port());
  int status = 0;
  client.Get(
      "/v1/Watch?contest_id=mazhilis&area_id=kz",
      [&](const httplib::Response& response) {
        status = response.status;
        return true;
      },
      [&](const char*, size_t) { return false; });
  EXPECT_EQ(status, 200);
  for (auto& stream : streams) stream.context->TryCancel();
}

// The shared fixture alone: a service that was given no change feed.
using WatchWithoutFeed = PublicationFixture;

TEST_F(WatchWithoutFeed, WatchIsAFailedPrecondition) {
  grpc::ClientContext context;
  auto reader = stub_->Watch(&context, v1::WatchRequest());
  v1::AreaTotals totals;
  EXPECT_FALSE(reader->Read(&totals));
  grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(status.error_message().find("--kafka-bootstrap"), std::string::npos);
}

}  // namespace
}  // namespace hattama::publication
