// The three service binaries with --metrics-listen, against a real redis-server and the embedded
// Kafka: what an operator's Prometheus and Kubernetes probes would see. A small election goes
// through, and the counters a dashboard watches must have moved by exactly what was sent.
#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

#include "tests/testing/eventually.h"
#include "tools/hub/client/client.h"
#include "tools/hub/simulator/plan.h"
#include "tools/hub/simulator/synthetic.h"
#include "tools/hub/simulator/verify.h"
#include "tools/stack/stack.h"

namespace hattama {
namespace {

using namespace std::chrono_literals;

struct Scrape {
  int status = 0;
  std::string body;
};

Scrape Get(int port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(2);
  auto response = client.Get(path.c_str());
  if (!response) return {};
  return {response->status, response->body};
}

// The value of one series ("name{labels}" exactly as rendered), or -1 when it is not there.
double Value(const std::string& body, const std::string& series) {
  size_t at = 0;
  while ((at = body.find(series + " ", at)) != std::string::npos) {
    if (at == 0 || body[at - 1] == '\n') {
      return std::stod(body.substr(at + series.size() + 1));
    }
    at += series.size();
  }
  return -1;
}

bool WaitForStatus(int port, const std::string& path, int status, std::chrono::seconds timeout) {
  return testing::Eventually([&] { return Get(port, path).status == status; }, timeout, 100ms);
}

class ServiceMetrics : public ::testing::Test {
 protected:
  void SetUp() override {
    auto registry = hub::GenerateRegistryFiles({.stations = 60, .seed = 11}, dir_.path());
    ASSERT_TRUE(registry.ok());
    registry_ = *registry;
    auto plan = hub::DrawPlan(*registry_, {.seed = 11, .hubs = 1});
    ASSERT_TRUE(plan.ok());
    plan_ = std::move(plan).value();

    auto redis = stack::RedisServer::Start();
    ASSERT_TRUE(redis.ok()) << redis.status().message();
    redis_ = std::move(redis).value();
    auto kafka = stack::DevKafka::Start(4, logs_.path() + "/devkafka.log");
    ASSERT_TRUE(kafka.ok()) << kafka.status().message();
    kafka_ = std::move(kafka).value();

    aggregation_ = Start("aggregation", {"--kafka-bootstrap", kafka_->bootstrap(),
                                         "--redis-address", redis_->address()});
    ingestion_port_ = stack::FreePort();
    ingestion_ = Start("ingestion", {"--kafka-bootstrap", kafka_->bootstrap(), "--redis-address",
                                     redis_->address(), "--listen", Address(ingestion_port_),
                                     "--allow-unauthenticated"});
    publication_port_ = stack::FreePort();
    publication_ = Start("publication", {"--redis-address", redis_->address(), "--listen",
                                         Address(publication_port_)});
  }

  static std::string Address(int port) { return "127.0.0.1:" + std::to_string(port); }

  std::unique_ptr<stack::Process> Start(const std::string& name, std::vector<std::string> flags) {
    int port = stack::FreePort();
    metrics_ports_[name] = port;
    std::vector<std::string> argv = {stack::BinaryPath("hattama-" + name),
                                     "--election",
                                     dir_.path() + "/election.json",
                                     "--stations",
                                     dir_.path() + "/stations.csv",
                                     "--log-format",
                                     "json",
                                     "--metrics-listen",
                                     Address(port)};
    argv.insert(argv.end(), flags.begin(), flags.end());
    auto process = stack::Process::Start({.argv = argv, .log_path = logs_.path() + "/" + name});
    EXPECT_TRUE(process.ok()) << process.status().message();
    return process.ok() ? std::move(process).value() : nullptr;
  }

  int MetricsPort(const std::string& name) { return metrics_ports_[name]; }

  stack::TempDir dir_{"hattama-metrics"};
  stack::TempDir logs_{"hattama-metrics-logs"};
  std::shared_ptr<const domain::Registry> registry_;
  hub::Plan plan_;
  std::unique_ptr<stack::RedisServer> redis_;
  std::unique_ptr<stack::DevKafka> kafka_;
  std::map<std::string, int> metrics_ports_;
  int ingestion_port_ = 0;
  int publication_port_ = 0;
  std::unique_ptr<stack::Process> aggregation_;
  std::unique_ptr<stack::Process> ingestion_;
  std::unique_ptr<stack::Process> publication_;
};

TEST_F(ServiceMetrics, CountersMoveByWhatAnElectionSent) {
  for (const char* name : {"aggregation", "ingestion", "publication"}) {
    ASSERT_TRUE(WaitForStatus(MetricsPort(name), "/healthz", 200, 30s)) << name << " not ready";
    EXPECT_EQ(Get(MetricsPort(name), "/livez").status, 200) << name;
  }
  auto report =
      hub::StreamSubmissions(plan_.submissions, {.ingestion_address = Address(ingestion_port_)});
  ASSERT_TRUE(report.ok()) << report.status().message();
  auto verify = hub::VerifyPublication(
      *registry_, plan_.truth, {.publication_address = Address(publication_port_), .timeout = 60s});
  ASSERT_TRUE(verify.reporting_complete);

  Scrape ingestion = Get(MetricsPort("ingestion"), "/metrics");
  ASSERT_EQ(ingestion.status, 200);
  EXPECT_EQ(Value(ingestion.body,
                  "hattama_ingestion_answers_total{kind=\"SubmissionAck\",outcome=\"OUTCOME_"
                  "ACCEPTED\"}"),
            report->accepted);
  EXPECT_EQ(Value(ingestion.body,
                  "hattama_ingestion_answers_total{kind=\"SubmissionAck\",outcome=\"OUTCOME_"
                  "REJECTED\"}"),
            report->rejected);
  // Every accepted, flagged and rejected submission is one record Kafka confirmed; duplicates
  // are answered from memory without a write.
  EXPECT_EQ(Value(ingestion.body, "hattama_ingestion_produce_seconds_count"),
            report->accepted + report->flagged + report->rejected);
  EXPECT_EQ(Value(ingestion.body, "hattama_ready"), 1);

  Scrape aggregation = Get(MetricsPort("aggregation"), "/metrics");
  ASSERT_EQ(aggregation.status, 200);
  EXPECT_EQ(Value(aggregation.body, "hattama_aggregation_applied_total{outcome=\"counted\"}") +
                std::max(0.0, Value(aggregation.body,
                                    "hattama_aggregation_applied_total{outcome=\"duplicate\"}")),
            report->accepted + report->flagged);
  EXPECT_GT(Value(aggregation.body, "hattama_aggregation_batch_size_count"), 0);
  EXPECT_GT(
      Value(aggregation.body, "hattama_redis_round_trip_seconds_count{service=\"aggregation\"}"),
      0);
  EXPECT_EQ(Value(aggregation.body, "hattama_aggregation_apply_latency_seconds_count"),
            report->accepted + report->flagged);
  EXPECT_EQ(Value(aggregation.body, "hattama_aggregation_consumer_lag"), 0);

  Scrape publication = Get(MetricsPort("publication"), "/metrics");
  ASSERT_EQ(publication.status, 200);
  EXPECT_GT(Value(publication.body,
                  "hattama_grpc_requests_total{method=\"/hattama.v1.PublicationService/"
                  "GetStationResults\",code=\"OK\"}"),
            0);
  EXPECT_GT(
      Value(publication.body, "hattama_redis_round_trip_seconds_count{service=\"publication\"}"),
      0);
}

TEST_F(ServiceMetrics, RedisOutageMakesEveryServiceUnreadyAndRecoveryReadyAgain) {
  // Aggregation and publication read and write the totals in Redis; ingestion claims ids there
  // (the one authority on submission ids), so none can do its work without it.
  constexpr const char* kServices[] = {"aggregation", "ingestion", "publication"};
  for (const char* name : kServices) {
    ASSERT_TRUE(WaitForStatus(MetricsPort(name), "/healthz", 200, 30s)) << name;
  }
  redis_->process().Stop();
  for (const char* name : kServices) {
    EXPECT_TRUE(WaitForStatus(MetricsPort(name), "/healthz", 503, 20s)) << name;
    // Not live-dead: only out of the Service, never restarted for a dependency.
    EXPECT_EQ(Get(MetricsPort(name), "/livez").status, 200) << name;
  }
  ASSERT_TRUE(redis_->Restart().ok());
  for (const char* name : kServices) {
    EXPECT_TRUE(WaitForStatus(MetricsPort(name), "/healthz", 200, 20s)) << name;
  }
}

TEST_F(ServiceMetrics, SigtermEndsEveryServiceCleanly) {
  for (const char* name : {"aggregation", "ingestion", "publication"}) {
    ASSERT_TRUE(WaitForStatus(MetricsPort(name), "/healthz", 200, 30s)) << name;
  }
  // Front to back, as Kubernetes would during a rollout of everything.
  EXPECT_EQ(ingestion_->Stop(10s), 0);
  EXPECT_EQ(publication_->Stop(10s), 0);
  EXPECT_EQ(aggregation_->Stop(10s), 0);
}

}  // namespace
}  // namespace hattama
