// A hostile crowd on the public side, without any credentials, through the whole stack
// (redis-server, the embedded Kafka, ingestion, aggregation and the hattama-publication binary):
// slow sockets, a crowd of downloads, huge bodies, paused Watch clients, a Redis outage and a few
// malformed reads. What a person checks: that a reader's call still answers promptly, the HTTP
// status each case gets (never a 404 for overload), and publication's resident memory.
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/redis/layout.h"
#include "common/redis/redis.h"
#include "hattama/v1/analysis.grpc.pb.h"
#include "hattama/v1/publication.grpc.pb.h"
#include "tests/testing/eventually.h"
#include "tests/testing/raw_http.h"
#include "tools/hub/client/client.h"
#include "tools/hub/simulator/plan.h"
#include "tools/hub/simulator/synthetic.h"
#include "tools/hub/simulator/truth.h"
#include "tools/hub/simulator/verify.h"
#include "tools/stack/stack.h"

namespace hattama {
namespace {

using namespace std::chrono_literals;

using testing::Eventually;

// The stack with publication's limits set through their HATTAMA_* environment fallbacks, a
// synthetic election of `stations` stations, and (when `counted`) its night streamed and
// verified through publication.
class PublicSide : public ::testing::Test {
 protected:
  void Start(const std::map<std::string, std::string>& publication_env, bool counted = true,
             int stations = 300) {
    for (const auto& [name, value] : publication_env) setenv(name.c_str(), value.c_str(), 1);
    registry_ = *hub::GenerateRegistryFiles({.stations = stations, .seed = 11}, dir_.path());
    auto stack = stack::Stack::Start({.registry_dir = dir_.path(), .partitions = 4});
    for (const auto& [name, value] : publication_env) unsetenv(name.c_str());
    ASSERT_TRUE(stack.ok()) << stack.status().message();
    stack_ = std::move(stack).value();
    nation_ = registry_->nation_id();
    contest_ = registry_->election().contests(0).contest_id();
    const std::string http = stack_->publication_http_address();
    http_port_ = std::stoi(http.substr(http.rfind(':') + 1));
    stub_ = v1::PublicationService::NewStub(
        grpc::CreateChannel(stack_->publication_address(), grpc::InsecureChannelCredentials()));
    if (!counted) return;
    auto plan = hub::DrawPlan(*registry_, {.seed = 11, .hubs = 2});
    ASSERT_TRUE(plan.ok()) << plan.status().message();
    submissions_ = plan->submissions;
    auto report =
        hub::StreamSubmissions(submissions_, {.ingestion_address = stack_->ingestion_address()});
    ASSERT_TRUE(report.ok()) << report.status().message();
    auto verified = hub::VerifyPublication(*registry_, hub::ComputeTruth(*registry_, submissions_),
                                           {.publication_address = stack_->publication_address(),
                                            .timeout = 120s,
                                            .check_stations = false});
    ASSERT_TRUE(verified.ok()) << (verified.mismatches.empty() ? "incomplete"
                                                               : verified.mismatches.front());
  }

  int64_t PublicationRssKb() {
    auto rss = stack_->publication().RssKb();
    return rss.ok() ? *rss : -1;
  }

  // GetStationResults of `station` over gRPC, within 10 s.
  grpc::Status ReadStation(const std::string& station, v1::StationResults& results) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 10s);
    v1::GetStationResultsRequest request;
    request.set_station_id(station);
    return stub_->GetStationResults(&context, request, &results);
  }

  // Lines of publication's log that contain `text`.
  int LogLines(const std::string& text) {
    std::ifstream log(stack_->log_dir() + "/publication.log");
    int count = 0;
    for (std::string line; std::getline(log, line);) count += line.find(text) != std::string::npos;
    return count;
  }

  stack::TempDir dir_{"hattama-hostile-public"};
  std::shared_ptr<const domain::Registry> registry_;
  std::unique_ptr<stack::Stack> stack_;
  std::vector<hub::PlannedSubmission> submissions_;
  std::string nation_;
  std::string contest_;
  int http_port_ = 0;
  std::unique_ptr<v1::PublicationService::Stub> stub_;
};

// 300 sockets that send part of a request and then one more byte every second, from another
// address (127.0.0.2), so that no single read ever waits long: the reader waited 22 s
// for every call. With the defaults (64 connections per address, 10 s for a whole request) the
// reader's calls answer within half a second, and every slow socket is dropped.
TEST_F(PublicSide, SlowlorisSocketsDoNotStarveAReader) {
  Start({}, /*counted=*/false);
  std::vector<int> slow;
  for (int i = 0; i < 300; ++i) {
    int fd = testing::ConnectFrom(http_port_, "127.0.0.2");
    ASSERT_GE(fd, 0) << "slow socket " << i << ": " << std::strerror(errno);
    testing::SendAll(fd, "GET /v1/GetElection HTTP/1.1\r\nHost: hattama\r\nX-Slow: ");
    slow.push_back(fd);
    // Paced as a real attacker's would be, so that every socket is accepted rather than some
    // left in a full listen backlog.
    std::this_thread::sleep_for(5ms);
  }
  std::atomic<bool> trickling{true};
  std::thread trickle([&] {
    while (trickling.load()) {
      for (int fd : slow) send(fd, "a", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
      for (int i = 0; i < 10 && trickling.load(); ++i) std::this_thread::sleep_for(100ms);
    }
  });
  // Stops the trickle however the test ends (a failed ASSERT returns early).
  struct StopTrickle {
    std::atomic<bool>& trickling;
    std::thread& trickle;
    std::vector<int>& slow;
    ~StopTrickle() {
      trickling.store(false);
      if (trickle.joinable()) trickle.join();
      for (int fd : slow) close(fd);
    }
  } stop_trickle{trickling, trickle, slow};
  httplib::Client reader(stack_->publication_http_address());
  reader.set_read_timeout(5, 0);
  for (int i = 0; i < 20; ++i) {
    const auto started = std::chrono::steady_clock::now();
    auto response = reader.Get("/v1/GetAreaTotals?area_id=" + nation_ + "&contest_id=" + contest_);
    ASSERT_TRUE(response) << "call " << i << " failed";
    EXPECT_EQ(response->status, 200);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 500ms) << "call " << i;
  }
  // Every slow socket is dropped (by the per-address cap at once, or at its request's deadline),
  // not held for as long as it trickles.
  int dropped = 0;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  for (int fd : slow) {
    dropped += testing::ClosedWithin(
        fd, std::max(0ms, std::chrono::duration_cast<std::chrono::milliseconds>(
                              deadline - std::chrono::steady_clock::now())));
  }
  EXPECT_EQ(dropped, 300);
}

// 120 downloads of one contest's export at once: the issue saw 286 of 502 answered 404 and reads
// answered 503. Now every download is 200 (or 503 beyond the per-address cap, never 404), and
// the file is produced once, not once per request.
TEST_F(PublicSide, ConcurrentExportsAreProducedOnceAndNeverAnswer404) {
  Start({{"HATTAMA_HTTP_MAX_CONNECTIONS_PER_ADDRESS", "256"}});
  const std::string produced = "export " + contest_ + ".csv produced";
  const int before = LogLines(produced);
  std::vector<std::thread> clients;
  std::map<int, int> statuses;
  std::mutex mutex;
  std::vector<std::string> bodies;
  for (int i = 0; i < 120; ++i) {
    clients.emplace_back([&] {
      httplib::Client client(stack_->publication_http_address());
      client.set_read_timeout(60, 0);
      auto response = client.Get("/export/" + contest_ + ".csv");
      std::lock_guard lock(mutex);
      ++statuses[response ? response->status : 0];
      if (response && response->status == 200) bodies.push_back(response->body);
    });
  }
  // A reader meanwhile is answered, not refused.
  httplib::Client reader(stack_->publication_http_address());
  auto read =
      reader.Get("/v1/GetStationResults?station_id=" + registry_->stations().begin()->station_id());
  ASSERT_TRUE(read);
  EXPECT_EQ(read->status, 200) << read->body;
  for (auto& client : clients) client.join();
  EXPECT_EQ(statuses[404], 0);
  EXPECT_EQ(statuses[200], 120) << "statuses: 0:" << statuses[0] << " 503:" << statuses[503];
  ASSERT_FALSE(bodies.empty());
  for (const auto& body : bodies) EXPECT_EQ(body, bodies.front());
  EXPECT_GT(bodies.front().size(), 1000u);
  EXPECT_TRUE(Eventually([&] { return LogLines(produced) >= before + 1; }, 5s));
  EXPECT_EQ(LogLines(produced), before + 1) << "one production for the crowd";
}

// Four POSTs announcing 300 MB each: the publication grew by 1.5 GB before its 413. Now
// the 413 comes after the headers, and the body is never held.
TEST_F(PublicSide, HugeBodiesAreRefusedWith413WithoutGrowingMemory) {
  Start({}, /*counted=*/false);
  const int64_t before = PublicationRssKb();
  ASSERT_GT(before, 0);
  const std::string chunk(1 << 20, 'x');
  for (int client = 0; client < 4; ++client) {
    int fd = testing::ConnectFrom(http_port_);
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(testing::SendAll(fd,
                                 "POST /v1/GetElection HTTP/1.1\r\nHost: hattama\r\n"
                                 "Content-Type: application/json\r\n"
                                 "Content-Length: 314572800\r\n\r\n"));
    std::string answer;
    // Sends the body a megabyte at a time until the answer is there (or 300 MB went).
    for (int sent = 0; sent < 300 && answer.find("\r\n\r\n") == std::string::npos; ++sent) {
      answer += testing::ReadUntil(fd, 0ms);
      if (answer.find("\r\n\r\n") != std::string::npos) break;
      if (!testing::SendAll(fd, chunk)) break;
    }
    answer += testing::ReadUntil(fd, 5s);
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 413")) << answer.substr(0, 200);
    close(fd);
  }
  const int64_t after = PublicationRssKb();
  EXPECT_LT(after - before, 64 * 1024) << "RSS grew from " << before << " KiB to " << after;
}

// 96 clients asking again and again for answers that read every station of the nation
// (GetRedFlags, like GetPvtEstimate and the discrepancies), at 100,000 stations: each such read
// holds one of publication's 8 Redis connections for its whole length (about half a second
// here), so without a bound they held all eight, and a reader's GetStationResults waited for a
// connection until it was answered UNAVAILABLE (seen with --max-bulk-reads 0). With the default
// bound of 4 at most four run at once, the others are refused RESOURCE_EXHAUSTED naming the flag,
// and the reader's calls are answered.
TEST_F(PublicSide, WholeContestReadsCannotTakeEveryRedisConnection) {
  Start({}, /*counted=*/false, /*stations=*/100000);
  // What aggregation writes before its first protocol: from here on a read of the nation reads
  // every station, counted or not (200,000 hashes), without the test counting a night first.
  auto redis = redis::Connection::Connect(stack_->redis().address(), 5s);
  ASSERT_TRUE(redis.ok()) << redis.status().message();
  ASSERT_TRUE((*redis)->Run({"SET", redis::layout::PartitionsKey(), "4"}).ok());
  auto channel =
      grpc::CreateChannel(stack_->publication_address(), grpc::InsecureChannelCredentials());
  auto analysis = v1::AnalysisService::NewStub(channel);
  std::atomic<bool> flooding{true};
  std::atomic<int> answered{0};
  std::atomic<int> refused{0};
  std::mutex mutex;
  std::vector<std::string> unexpected;
  std::vector<std::thread> flood;
  // Twice the reads that 4 slots at half a second each serve within the 2 s wait, so that some are
  // refused on a machine up to eight times as fast as this one.
  constexpr int kFlooders = 96;
  for (int t = 0; t < kFlooders; ++t) {
    flood.emplace_back([&] {
      while (flooding.load()) {
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + 20s);
        v1::GetRedFlagsRequest request;
        request.set_area_id(nation_);
        request.set_contest_id(contest_);
        v1::RedFlags flags;
        const grpc::Status status = analysis->GetRedFlags(&context, request, &flags);
        if (status.ok()) {
          ++answered;
        } else if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED &&
                   status.error_message().find("--max-bulk-reads") != std::string::npos) {
          ++refused;
        } else {
          std::lock_guard lock(mutex);
          unexpected.push_back(status.error_message());
        }
      }
    });
  }
  struct StopFlood {
    std::atomic<bool>& flooding;
    std::vector<std::thread>& flood;
    ~StopFlood() {
      flooding.store(false);
      for (auto& thread : flood) thread.join();
    }
  } stop_flood{flooding, flood};
  // The flood is on: every flooder has asked at least once.
  ASSERT_TRUE(Eventually([&] { return answered.load() + refused.load() >= kFlooders; }, 20s));
  const std::string station = registry_->stations()[0].station_id();
  for (int i = 0; i < 10; ++i) {
    v1::StationResults results;
    const grpc::Status status = ReadStation(station, results);
    EXPECT_TRUE(status.ok()) << "call " << i << ": " << status.error_message();
    std::this_thread::sleep_for(50ms);
  }
  const int refused_during = refused.load();
  flooding.store(false);
  for (auto& thread : flood) thread.join();
  flood.clear();
  EXPECT_GT(refused_during, 0) << "the bound never refused a read while the flood was on";
  EXPECT_GT(answered.load(), 0);
  EXPECT_TRUE(unexpected.empty()) << unexpected.front();
}

// Station reads waiting on a stalled Redis (stopped with SIGSTOP), more than the bounds take, over
// gRPC from one address and over HTTP: beyond --max-station-reads-per-address (64) and
// --max-station-reads (100 here) they are refused at once naming the flag, and the cached
// totals, which need no Redis, still answer within a second while the accepted reads wait. Before
// the reads had workers of their own, they held gRPC's callback threads and the totals waited
// behind them.
TEST_F(PublicSide, StationReadsOnAStalledRedisAreBoundedAndLeaveTheTotalsAnswering) {
  Start({{"HATTAMA_MAX_STATION_READS", "100"}});
  // The totals the night left, read once, so that they are served from memory from here on.
  auto read_totals = [&](std::chrono::milliseconds deadline) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + deadline);
    v1::GetAreaTotalsRequest request;
    request.set_area_id(nation_);
    request.set_contest_id(contest_);
    v1::AreaTotals totals;
    return stub_->GetAreaTotals(&context, request, &totals);
  };
  ASSERT_TRUE(read_totals(10s).ok());
  const std::string station = registry_->stations()[0].station_id();

  struct Call {
    grpc::ClientContext context;
    v1::GetStationResultsRequest request;
    v1::StationResults results;
    grpc::Status status;
  };
  constexpr int kGrpcReads = 150;
  constexpr int kHttpReads = 60;
  constexpr int kPerAddress = 64;  // --max-station-reads-per-address's default.
  std::vector<Call> calls(kGrpcReads);
  std::mutex mutex;
  std::condition_variable answered_cv;
  int grpc_answered = 0;
  std::vector<int> http_statuses(kHttpReads, 0);
  std::vector<std::string> http_bodies(kHttpReads);
  std::atomic<int> http_answered{0};
  std::vector<std::thread> http;
  // However the test ends: Redis resumed, every HTTP reader joined, every gRPC call answered.
  struct Resume {
    stack::Process& redis;
    std::vector<std::thread>& http;
    std::vector<Call>& calls;
    std::mutex& mutex;
    std::condition_variable& answered_cv;
    int& grpc_answered;
    bool resumed = false;
    void operator()() {
      if (resumed) return;
      resumed = true;
      redis.Signal(SIGCONT);
      for (auto& thread : http) thread.join();
      std::unique_lock lock(mutex);
      answered_cv.wait(lock, [&] { return grpc_answered == static_cast<int>(calls.size()); });
    }
    ~Resume() { (*this)(); }
  } resume{stack_->redis().process(), http, calls, mutex, answered_cv, grpc_answered};
  stack_->redis().process().Signal(SIGSTOP);
  for (Call& call : calls) {
    call.context.set_deadline(std::chrono::system_clock::now() + 60s);
    call.request.set_station_id(station);
    stub_->async()->GetStationResults(&call.context, &call.request, &call.results,
                                      [&, &call = call](grpc::Status status) {
                                        std::lock_guard lock(mutex);
                                        call.status = std::move(status);
                                        ++grpc_answered;
                                        answered_cv.notify_all();
                                      });
  }
  // The refusals come at once: the per-address bound's over gRPC, then the global one's over HTTP.
  auto refused_grpc = [&] {
    int refused = 0;
    for (const Call& call : calls) {
      refused +=
          call.status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED &&
          call.status.error_message().find("--max-station-reads-per-address") != std::string::npos;
    }
    return refused;
  };
  // The gRPC reads first, from one address: all but the first 64 are refused at arrival.
  {
    std::unique_lock lock(mutex);
    EXPECT_TRUE(
        answered_cv.wait_for(lock, 5s, [&] { return refused_grpc() >= kGrpcReads - kPerAddress; }))
        << refused_grpc() << " gRPC station reads refused";
  }
  // Then the HTTP reads (the gateway's, no address): the 36 left under the 100 are taken.
  for (int i = 0; i < kHttpReads; ++i) {
    http.emplace_back([&, i] {
      httplib::Client client(stack_->publication_http_address());
      client.set_read_timeout(60s);
      auto response = client.Get("/v1/GetStationResults?station_id=" + station);
      if (response) {
        http_statuses[i] = response->status;
        http_bodies[i] = response->body;
      }
      ++http_answered;
    });
  }
  EXPECT_TRUE(Eventually([&] { return http_answered.load() >= 1; }, 5s))
      << "no HTTP station read was refused";
  for (int i = 0; i < 10; ++i) {
    const auto started = std::chrono::steady_clock::now();
    const grpc::Status status = read_totals(1s);
    EXPECT_TRUE(status.ok()) << "totals read " << i
                             << " during the stall: " << status.error_message() << " after "
                             << std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::steady_clock::now() - started)
                                    .count()
                             << " ms";
    std::this_thread::sleep_for(50ms);
  }
  // The fault landed: accepted station reads were still waiting on Redis after the totals read.
  int waiting = 0;
  {
    std::lock_guard lock(mutex);
    waiting = kGrpcReads - grpc_answered;
  }
  waiting += kHttpReads - http_answered.load();
  EXPECT_GT(waiting, 0) << "no station read was waiting on the stalled Redis";
  resume();

  // Every call got an answer: the station's results, Redis's timeout, or a refusal naming its flag.
  int accepted = 0;
  for (const Call& call : calls) {
    if (call.status.ok()) {
      EXPECT_EQ(call.results.station().station_id(), station);
      ++accepted;
    } else if (call.status.error_code() == grpc::StatusCode::UNAVAILABLE) {
      ++accepted;
    } else {
      EXPECT_EQ(call.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
          << call.status.error_message();
      EXPECT_NE(call.status.error_message().find("--max-station-reads-per-address"),
                std::string::npos)
          << call.status.error_message();
    }
  }
  EXPECT_EQ(kGrpcReads - accepted, refused_grpc());
  EXPECT_GE(refused_grpc(), 1);
  int refused_http = 0;
  for (int i = 0; i < kHttpReads; ++i) {
    if (http_statuses[i] == 429) {
      EXPECT_NE(http_bodies[i].find("--max-station-reads"), std::string::npos) << http_bodies[i];
      ++refused_http;
    } else {
      EXPECT_TRUE(http_statuses[i] == 200 || http_statuses[i] == 503)
          << "HTTP read " << i << ": " << http_statuses[i] << " " << http_bodies[i];
    }
  }
  EXPECT_GE(refused_http, 1) << "the HTTP reads never met --max-station-reads";
  // And once Redis is back, a station read answers as before.
  v1::StationResults results;
  const grpc::Status status = ReadStation(station, results);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(results.station().station_id(), station);
}

// Redis stopped: what is not in memory answers 503 / UNAVAILABLE (the issue saw 404 "totals store
// unavailable"), over HTTP and over gRPC.
TEST_F(PublicSide, RedisDownAnswers503NotFound404) {
  Start({});
  const std::string station = registry_->stations().begin()->station_id();
  stack_->redis().process().Stop();
  httplib::Client client(stack_->publication_http_address());
  for (const std::string& path :
       {"/v1/GetStationResults?station_id=" + station, "/export/" + contest_ + ".jsonl",
        "/v1/ListStations?area_id=" + nation_ + "&contest_id=" + contest_}) {
    auto response = client.Get(path);
    ASSERT_TRUE(response) << path;
    EXPECT_EQ(response->status, 503) << path << ": " << response->body;
    EXPECT_NE(response->body.find("\"code\":\"UNAVAILABLE\""), std::string::npos) << response->body;
  }
  v1::StationResults results;
  EXPECT_EQ(ReadStation(station, results).error_code(), grpc::StatusCode::UNAVAILABLE);
}

// Paused gRPC Watch clients (they never read): the 3,000 grew publication to 1.6 GB and
// delayed a new watcher's first totals to 12.9 s. Beyond --watch-max-streams they are refused
// with RESOURCE_EXHAUSTED, the totals they hold are shared, and a new watcher's first totals
// come at once while the night is counted under them.
TEST_F(PublicSide, PausedWatchersAreCappedAndMemoryStaysBounded) {
  constexpr int kCap = 200;
  Start({{"HATTAMA_WATCH_MAX_STREAMS", std::to_string(kCap)},
         {"HATTAMA_WATCH_MAX_STREAMS_PER_ADDRESS", "0"}},
        /*counted=*/false, /*stations=*/2000);
  // Watch is refused (UNAVAILABLE) until the change feed is read to its end.
  ASSERT_TRUE(Eventually(
      [&] {
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + 5s);
        v1::WatchRequest request;
        request.set_contest_id(contest_);
        request.add_area_ids(nation_);
        auto reader = stub_->Watch(&context, request);
        v1::AreaTotals totals;
        const bool started = reader->Read(&totals);
        context.TryCancel();
        reader->Finish();
        return started;
      },
      60s));
  const int64_t before = PublicationRssKb();

  // Several connections, as many clients would have; each stream watches every area.
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int c = 0; c < 8; ++c) {
    grpc::ChannelArguments arguments;
    arguments.SetInt("hattama.test.connection", c);  // A connection of its own.
    channels.push_back(grpc::CreateCustomChannel(stack_->publication_address(),
                                                 grpc::InsecureChannelCredentials(), arguments));
  }
  struct Paused {
    std::unique_ptr<grpc::ClientContext> context;
    std::unique_ptr<grpc::ClientReader<v1::AreaTotals>> reader;
  };
  std::vector<Paused> paused;
  int accepted = 0;
  int refused = 0;
  for (int i = 0; i < kCap + 50; ++i) {
    auto stub = v1::PublicationService::NewStub(channels[i % channels.size()]);
    Paused p{std::make_unique<grpc::ClientContext>(), nullptr};
    p.context->set_deadline(std::chrono::system_clock::now() + 300s);
    v1::WatchRequest request;
    request.set_contest_id(contest_);
    p.reader = stub->Watch(p.context.get(), request);
    p.reader->WaitForInitialMetadata();
    v1::AreaTotals totals;
    // Accepted: the hub's metadata key, or (a server without it) the stream's first totals. A
    // refusal has neither: its status comes at once.
    if (p.context->GetServerInitialMetadata().count("x-hattama-watch") > 0 ||
        p.reader->Read(&totals)) {
      ++accepted;
      paused.push_back(std::move(p));
    } else {
      grpc::Status status = p.reader->Finish();
      EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
          << status.error_message();
      ++refused;
    }
  }
  EXPECT_EQ(accepted, kCap);
  EXPECT_EQ(refused, 50);

  // The night is counted while they are paused: every change is offered to every paused stream.
  auto plan = hub::DrawPlan(*registry_, {.seed = 11, .hubs = 2});
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  auto report =
      hub::StreamSubmissions(plan->submissions, {.ingestion_address = stack_->ingestion_address()});
  ASSERT_TRUE(report.ok()) << report.status().message();
  auto verified =
      hub::VerifyPublication(*registry_, hub::ComputeTruth(*registry_, plan->submissions),
                             {.publication_address = stack_->publication_address(),
                              .timeout = 120s,
                              .check_stations = false});
  ASSERT_TRUE(verified.ok()) << (verified.mismatches.empty() ? "incomplete"
                                                             : verified.mismatches.front());

  // One paused client goes away; a new watcher takes its place and gets its totals at once.
  paused.front().context->TryCancel();
  v1::WatchRequest request;
  request.set_contest_id(contest_);
  request.add_area_ids(nation_);
  v1::AreaTotals first;
  bool read = false;
  std::chrono::steady_clock::duration waited{};
  ASSERT_TRUE(Eventually(
      [&] {
        grpc::ClientContext attempt;
        attempt.set_deadline(std::chrono::system_clock::now() + 10s);
        const auto started = std::chrono::steady_clock::now();
        auto reader = stub_->Watch(&attempt, request);
        read = reader->Read(&first);
        waited = std::chrono::steady_clock::now() - started;
        attempt.TryCancel();
        reader->Finish();
        return read;
      },
      10s))
      << "no watcher admitted after one went away";
  EXPECT_LT(waited, 2s);
  EXPECT_GT(first.stations_reporting(), 0);

  // The documented ceiling: 200 paused streams of every area of a 2,000-station election cost
  // publication less than 100 MiB more than before they opened.
  const int64_t after = PublicationRssKb();
  EXPECT_LT(after - before, 100 * 1024) << "RSS grew from " << before << " KiB to " << after;
  for (auto& p : paused) p.context->TryCancel();
}

// The small ones: a NaN threshold, an unknown contest on /v1/Watch, and a closed event stream's
// slot (a cap of one stream: close it, the next connects at once).
TEST_F(PublicSide, MalformedReadsAreRefusedAndClosedStreamsFreeTheirSlot) {
  Start({{"HATTAMA_HTTP_MAX_STREAMS", "1"}}, /*counted=*/false);
  httplib::Client client(stack_->publication_http_address());
  auto nan = client.Get("/v1/GetSeats?contest_id=" + contest_ + "&threshold_percent=NaN");
  ASSERT_TRUE(nan);
  EXPECT_EQ(nan->status, 400) << nan->body;
  auto unknown = client.Get("/v1/Watch?contest_id=nope");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404) << unknown->body;

  // The one event stream, open (once the change feed is read), then closed by its client.
  std::string opened;
  ASSERT_TRUE(Eventually(
      [&] {
        int fd = testing::ConnectFrom(http_port_);
        testing::SendAll(fd, "GET /v1/Watch?contest_id=" + contest_ + "&area_id=" + nation_ +
                                 " HTTP/1.1\r\nHost: hattama\r\n\r\n");
        opened = testing::ReadUntil(fd, 5s, "event: totals");
        close(fd);
        return opened.find("event: totals") != std::string::npos;
      },
      60s))
      << opened;
  const auto closed = std::chrono::steady_clock::now();
  int status = 0;
  EXPECT_TRUE(Eventually(
      [&] {
        httplib::Client next(stack_->publication_http_address());
        next.Get(
            "/v1/Watch?contest_id=" + contest_ + "&area_id=" + nation_,
            [&](const httplib::Response& response) {
              status = response.status;
              return true;
            },
            [&](const char*, size_t) { return false; });
        return status == 200;
      },
      5s))
      << "last status " << status;
  EXPECT_LT(std::chrono::steady_clock::now() - closed, 2s);
}

}  // namespace
}  // namespace hattama
