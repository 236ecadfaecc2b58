// Live totals through the whole stack: hubs send an election's submissions to ingestion,
// aggregation applies them and writes the change feed, and publication streams the nation's
// totals over gRPC Watch and over Server-Sent Events (GET /v1/Watch). What a watcher saw last
// must be exactly what GetAreaTotals answers once the night is counted.
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <future>
#include <mutex>
#include <thread>

#include "hattama/v1/publication.grpc.pb.h"
#include "tests/testing/eventually.h"
#include "tools/hub/client/client.h"
#include "tools/hub/simulator/plan.h"
#include "tools/hub/simulator/synthetic.h"
#include "tools/hub/simulator/truth.h"
#include "tools/hub/simulator/verify.h"
#include "tools/stack/stack.h"

namespace hattama {
namespace {

using namespace std::chrono_literals;
using google::protobuf::util::MessageDifferencer;

// Every AreaTotals one Watch stream delivered, read on a thread of its own.
class WatchRecorder {
 public:
  WatchRecorder(v1::PublicationService::Stub& stub, const v1::WatchRequest& request) {
    context_.set_deadline(std::chrono::system_clock::now() + 240s);
    reader_ = stub.Watch(&context_, request);
    thread_ = std::thread([this] {
      v1::AreaTotals totals;
      while (reader_->Read(&totals)) {
        std::lock_guard lock(mutex_);
        received_.push_back(totals);
      }
      std::lock_guard lock(mutex_);
      status_ = reader_->Finish();
      ended_ = true;
    });
  }
  ~WatchRecorder() {
    context_.TryCancel();
    thread_.join();
  }
  std::vector<v1::AreaTotals> received() {
    std::lock_guard lock(mutex_);
    return received_;
  }
  bool ended(grpc::Status& status) {
    std::lock_guard lock(mutex_);
    status = status_;
    return ended_;
  }

 private:
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<v1::AreaTotals>> reader_;
  std::mutex mutex_;
  std::vector<v1::AreaTotals> received_;
  bool ended_ = false;
  grpc::Status status_;
  std::thread thread_;
};

using testing::Eventually;

TEST(LiveTotals, WatchersEndWithExactlyThePublishedTotals) {
  stack::TempDir dir("hattama-e2e-watch");
  auto registry = hub::GenerateRegistryFiles({.stations = 300, .seed = 5}, dir.path());
  ASSERT_TRUE(registry.ok()) << registry.status().message();
  auto plan = hub::DrawPlan(**registry, {.seed = 5, .hubs = 2});
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  auto stack = stack::Stack::Start({.registry_dir = dir.path(), .partitions = 4});
  ASSERT_TRUE(stack.ok()) << stack.status().message();

  const std::string nation = (*registry)->nation_id();
  const std::string contest = (*registry)->election().contests(0).contest_id();
  auto stub = v1::PublicationService::NewStub(
      grpc::CreateChannel((*stack)->publication_address(), grpc::InsecureChannelCredentials()));
  v1::WatchRequest request;
  request.set_contest_id(contest);
  request.add_area_ids(nation);

  // Publication refuses Watch (UNAVAILABLE) until its change feed is read to its end.
  std::unique_ptr<WatchRecorder> watch;
  ASSERT_TRUE(Eventually(
      [&] {
        watch = std::make_unique<WatchRecorder>(*stub, request);
        return Eventually([&] { return !watch->received().empty(); }, 2s);
      },
      60s))
      << "Watch never started";
  EXPECT_EQ(watch->received().front().stations_reporting(), 0);

  // The SSE mirror, over real HTTP, collecting each totals event's JSON.
  httplib::Client http((*stack)->publication_http_address());
  http.set_read_timeout(240, 0);
  std::mutex events_mutex;
  std::vector<std::string> events;
  std::string buffer;
  auto sse = std::async(std::launch::async, [&] {
    return http.Get("/v1/Watch?contest_id=" + contest + "&area_id=" + nation,
                    [&](const char* data, size_t length) {
                      buffer.append(data, length);
                      for (size_t end; (end = buffer.find("\n\n")) != std::string::npos;) {
                        std::string block = buffer.substr(0, end);
                        buffer.erase(0, end + 2);
                        if (block.rfind("event: totals\ndata: ", 0) != 0) continue;
                        std::lock_guard lock(events_mutex);
                        events.push_back(block.substr(std::strlen("event: totals\ndata: ")));
                      }
                      return true;
                    });
  });
  ASSERT_TRUE(Eventually(
      [&] {
        std::lock_guard lock(events_mutex);
        return !events.empty();
      },
      30s))
      << "no SSE event";

  auto report = hub::StreamSubmissions(plan->submissions,
                                       {.ingestion_address = (*stack)->ingestion_address()});
  ASSERT_TRUE(report.ok()) << report.status().message();
  auto verified =
      hub::VerifyPublication(**registry, hub::ComputeTruth(**registry, plan->submissions),
                             {.publication_address = (*stack)->publication_address(),
                              .timeout = 120s,
                              .check_stations = false});
  ASSERT_TRUE(verified.ok()) << (verified.mismatches.empty() ? "incomplete"
                                                             : verified.mismatches.front());

  v1::AreaTotals published;
  {
    grpc::ClientContext context;
    v1::GetAreaTotalsRequest get;
    get.set_area_id(nation);
    get.set_contest_id(contest);
    ASSERT_TRUE(stub->GetAreaTotals(&context, get, &published).ok());
  }
  ASSERT_GT(published.stations_reporting(), 0);
  // The last totals each watcher received are the published ones, field for field.
  EXPECT_TRUE(Eventually(
      [&] {
        auto received = watch->received();
        return MessageDifferencer::Equals(received.back(), published);
      },
      20s))
      << watch->received().back().DebugString() << "\nexpected\n"
      << published.DebugString();
  EXPECT_GT(watch->received().size(), 1u);
  // A client of its own: one httplib::Client serves one request at a time.
  httplib::Client unary_http((*stack)->publication_http_address());
  auto unary = unary_http.Get("/v1/GetAreaTotals?area_id=" + nation + "&contest_id=" + contest);
  ASSERT_TRUE(unary);
  EXPECT_TRUE(Eventually(
      [&] {
        std::lock_guard lock(events_mutex);
        return events.back() + "\n" == unary->body;
      },
      20s));
  grpc::Status ended;
  EXPECT_FALSE(watch->ended(ended)) << ended.error_message();

  // SIGTERM with a Watch and an event stream open: publication ends both and exits at once,
  // rather than waiting out its shutdown grace for streams that never end by themselves.
  const auto signalled = std::chrono::steady_clock::now();
  EXPECT_EQ((*stack)->publication().Stop(10s), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - signalled, 4s);
  ASSERT_TRUE(Eventually([&] { return watch->ended(ended); }, 5s));
  EXPECT_TRUE(ended.ok()) << ended.error_code() << " " << ended.error_message();
  EXPECT_EQ(sse.wait_for(5s), std::future_status::ready);
  http.stop();
  sse.wait();
}

}  // namespace
}  // namespace hattama
