#include "bench/raw.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include "bench/echo.grpc.pb.h"
#include "bench/load.h"
#include "common/domain/dispute.h"
#include "common/kafka/consumer.h"
#include "common/kafka/producer.h"
#include "common/kafka/topics.h"
#include "common/redis/figures.h"
#include "common/redis/layout.h"
#include "common/redis/redis.h"
#include "hattama/v1/records.pb.h"
#include "tools/stack/stack.h"

namespace hattama::bench {
namespace {

using stack::Process;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// A SubmissionRecord as ingestion writes it: the bytes aggregation reads and stores.
std::string RecordBytes(const v1::Submission& submission) {
  v1::SubmissionRecord record;
  *record.mutable_submission() = submission;
  record.mutable_accepted_time()->set_seconds(1'600'000'000);
  record.set_digest(std::string(32, '\x5a'));
  return record.SerializeAsString();
}

}  // namespace

Result<double> RunRedisBenchmark(const RedisBenchmarkOptions& options,
                                 const std::vector<std::string>& command) {
  std::vector<std::string> argv = {"redis-benchmark",
                                   "-h",
                                   "127.0.0.1",
                                   "-p",
                                   std::to_string(options.port),
                                   "-n",
                                   std::to_string(options.requests),
                                   "-c",
                                   std::to_string(options.clients),
                                   "-P",
                                   std::to_string(options.pipeline),
                                   "-r",
                                   "100000000",
                                   "--csv"};
  argv.insert(argv.end(), command.begin(), command.end());
  auto process = Process::Start({.argv = argv, .capture_stdout = true});
  if (!process.ok()) return process.status();
  // CSV: a header line, then one line per test: "name","rps",...
  std::string last;
  for (;;) {
    auto line = (*process)->ReadLine(std::chrono::minutes(5));
    if (!line.ok()) break;
    if (!line->empty()) last = *line;
  }
  auto code = (*process)->Wait(std::chrono::seconds(10));
  if (!code.ok() || *code != 0) return Status::Error("redis-benchmark failed");
  // The rps is the second quoted field; the command itself may contain commas, so count quotes
  // from the end: ...,"rps","avg",...,"max" has 7 quoted fields after the name.
  std::vector<std::string> fields;
  std::string field;
  bool quoted = false;
  for (char c : last) {
    if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      fields.push_back(field);
      field.clear();
    } else {
      field.push_back(c);
    }
  }
  fields.push_back(field);
  if (fields.size() < 8) return Status::Error("unexpected redis-benchmark output: " + last);
  try {
    return std::stod(fields[fields.size() - 7]);
  } catch (const std::exception&) {
    return Status::Error("unexpected redis-benchmark output: " + last);
  }
}

Result<double> RunRedisBenchmarkGet(const RedisBenchmarkOptions& options) {
  return RunRedisBenchmark(options, {"-t", "get"});
}

Result<double> RedisApplyScriptRate(const v1::Submission& sample, int64_t requests) {
  std::ifstream in(HATTAMA_APPLY_LUA_PATH);
  if (!in) return Status::Error(std::string("cannot read ") + HATTAMA_APPLY_LUA_PATH);
  std::stringstream source;
  source << in.rdbuf();
  auto server = stack::RedisServer::Start();
  if (!server.ok()) return server.status();
  auto connection = redis::Connection::Connect((*server)->address(), std::chrono::seconds(5));
  if (!connection.ok()) return connection.status();
  redis::Script script(source.str());
  if (auto loaded = script.Load(**connection); !loaded.ok()) return loaded;

  // The call aggregation makes for a station's first protocol (services/aggregation/applier.cc):
  // five keys of the station, the totals of its district, region and nation, the record, the
  // figures as field/value pairs. Every __rand_int__ is drawn anew, so each call is a new
  // submission of a new station: the "counted" path, the one every protocol of a night takes.
  const auto& protocol = sample.protocol();
  const std::string contest = protocol.contest_id();
  const std::string station = "UIK-__rand_int__";
  const std::vector<std::string> areas = {"bench-district", "bench-region", "bench-nation"};
  std::vector<std::string> command = {"EVALSHA", script.sha(), std::to_string(5 + areas.size())};
  const auto scope = redis::layout::Scope::kObserver;
  command.push_back(redis::layout::SeenKey(0, "sub-__rand_int__"));
  command.push_back(redis::layout::VersionsKey(0, contest, station));
  command.push_back(redis::layout::StationKey(0, contest, station, scope));
  command.push_back(redis::layout::BackersKey(0, contest, station, scope));
  command.push_back(redis::layout::FiguresKey(0, contest, station, scope));
  for (const auto& area : areas) {
    command.push_back(redis::layout::TotalsKey(0, contest, area, scope));
  }
  // The record's bytes as an argument of the same length (redis-benchmark takes text argv).
  const std::string record(RecordBytes(sample).size(), 'r');
  command.insert(
      command.end(),
      {"sub-__rand_int__", std::string(64, 'd'), record, "protocol", "observer-__rand_int__", "0",
       "0", domain::FiguresDigest(protocol.figures()), contest, "observer", "0"});
  command.insert(command.end(), areas.begin(), areas.end());
  for (const auto& [field, value] : redis::ToFields(protocol.figures())) {
    command.push_back(field);
    command.push_back(std::to_string(value));
  }
  return RunRedisBenchmark({.port = (*server)->port(), .requests = requests}, command);
}

namespace {

// Produces one record at a time and waits until `consumer` reads it; the latencies, in ms.
Result<std::vector<double>> OneAtATime(kafka::Producer& producer, kafka::Consumer& consumer,
                                       const std::string& key, const std::string& value, int n) {
  std::vector<double> latencies;
  for (int i = 0; i < n; ++i) {
    const auto start = Clock::now();
    Status queued = producer.Produce(kafka::kSubmissionsTopic, -1, key, value,
                                     [](const Status&, int32_t, int64_t) {});
    if (!queued.ok()) return queued;
    const auto give_up = start + std::chrono::seconds(10);
    for (;;) {
      auto batch = consumer.Poll(100, std::chrono::milliseconds(100));
      if (!batch.ok()) return batch.status();
      if (!batch->empty()) break;
      if (Clock::now() > give_up) return Status::Error("a record was not consumed within 10 s");
    }
    latencies.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  return latencies;
}

}  // namespace

Result<KafkaRates> KafkaRate(std::span<const v1::Submission> samples, int64_t count, int partitions,
                             int latency_records) {
  if (samples.empty()) return Status::Error("no sample submissions");
  auto kafka = stack::DevKafka::Start(partitions);
  if (!kafka.ok()) return kafka.status();
  auto producer = kafka::Producer::Create((*kafka)->bootstrap());
  if (!producer.ok()) return producer.status();
  std::vector<std::pair<std::string, std::string>> records;
  for (size_t i = 0; i < std::min<size_t>(samples.size(), 1000); ++i) {
    const auto& protocol = samples[i].protocol();
    records.emplace_back(protocol.station_id() + "|" + protocol.contest_id(),
                         RecordBytes(samples[i]));
  }

  KafkaRates rates;
  std::atomic<int64_t> delivered{0};
  std::atomic<int64_t> failed{0};
  const auto produce_start = Clock::now();
  for (int64_t i = 0; i < count; ++i) {
    const auto& [key, value] = records[static_cast<size_t>(i) % records.size()];
    for (;;) {
      Status queued = (*producer)->Produce(kafka::kSubmissionsTopic, -1, key, value,
                                           [&](const Status& status, int32_t, int64_t) {
                                             (status.ok() ? delivered : failed).fetch_add(1);
                                           });
      if (queued.ok()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));  // queue full: let it drain
    }
  }
  if (auto flushed = (*producer)->Flush(std::chrono::minutes(5)); !flushed.ok()) return flushed;
  const double produce_seconds = Seconds(Clock::now() - produce_start);
  if (failed > 0) return Status::Error(std::to_string(failed.load()) + " records not delivered");
  rates.produced = delivered.load();
  rates.produce_per_second = static_cast<double>(delivered.load()) / produce_seconds;

  auto consumer = kafka::Consumer::Create((*kafka)->bootstrap(), "hattama-bench-raw",
                                          {kafka::kSubmissionsTopic});
  if (!consumer.ok()) return consumer.status();
  int64_t consumed = 0;
  Clock::time_point first;
  Clock::time_point last = Clock::now();
  const auto give_up = Clock::now() + std::chrono::minutes(2);
  // Until every record is read, or nothing came for 3 s after the first (the rate is then over
  // what was read, up to the last record).
  while (consumed < count && Clock::now() < give_up &&
         (consumed == 0 || Clock::now() - last < std::chrono::seconds(3))) {
    auto batch = (*consumer)->Poll(10'000, std::chrono::milliseconds(200));
    if (!batch.ok()) return batch.status();
    if (batch->empty()) continue;
    last = Clock::now();
    if (consumed == 0) first = last;
    consumed += static_cast<int64_t>(batch->size());
  }
  if (consumed < count / 2) {
    return Status::Error("consumed only " + std::to_string(consumed) + " of " +
                         std::to_string(count) + " records");
  }
  // From the first batch on: the group's join is a one-off cost, not a rate.
  rates.consumed = consumed;
  rates.consume_per_second = static_cast<double>(consumed) / Seconds(last - first);

  const auto& [key, value] = records[0];
  auto latencies = OneAtATime(**producer, **consumer, key, value, latency_records);
  if (!latencies.ok()) return Status::Error("one at a time: " + latencies.status().message());
  rates.latency_p50_ms = Quantile(*latencies, 0.5);
  rates.latency_p99_ms = Quantile(*latencies, 0.99);
  // A second group that starts at the end of the log, with the broker's fetch wait cut short.
  auto short_wait = kafka::Consumer::Create(
      (*kafka)->bootstrap(), "hattama-bench-short-wait", {kafka::kSubmissionsTopic},
      {{"fetch.wait.max.ms", "5"}, {"auto.offset.reset", "latest"}});
  if (!short_wait.ok()) return short_wait.status();
  // Until the group has joined and its positions are set: records produced meanwhile may be
  // skipped (it starts at the end), so keep producing until one comes through.
  bool through = false;
  for (auto until = Clock::now() + std::chrono::seconds(30); !through && Clock::now() < until;) {
    Status queued = (*producer)->Produce(kafka::kSubmissionsTopic, -1, key, value,
                                         [](const Status&, int32_t, int64_t) {});
    if (!queued.ok()) return queued;
    auto batch = (*short_wait)->Poll(100, std::chrono::milliseconds(500));
    if (!batch.ok()) return batch.status();
    through = !batch->empty();
  }
  if (!through) return Status::Error("the short-wait consumer never read a record");
  // Drain what the warm-up left behind.
  for (auto until = Clock::now() + std::chrono::milliseconds(500); Clock::now() < until;) {
    if (auto batch = (*short_wait)->Poll(100, std::chrono::milliseconds(50)); !batch.ok()) {
      return batch.status();
    }
  }
  latencies = OneAtATime(**producer, **short_wait, key, value, latency_records);
  if (!latencies.ok()) return Status::Error("short wait: " + latencies.status().message());
  rates.short_wait_latency_p50_ms = Quantile(*latencies, 0.5);
  rates.short_wait_latency_p99_ms = Quantile(*latencies, 0.99);
  return rates;
}

namespace {

class EchoReactor
    : public grpc::ServerBidiReactor<v1::StreamSubmissionsRequest, v1::SubmissionAck> {
 public:
  EchoReactor() { StartRead(&request_); }
  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status::OK);
      return;
    }
    ack_.set_submission_id(request_.submission().submission_id());
    ack_.set_outcome(v1::OUTCOME_ACCEPTED);
    StartWrite(&ack_);
  }
  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status::CANCELLED);
      return;
    }
    StartRead(&request_);
  }
  void OnDone() override { delete this; }

 private:
  v1::StreamSubmissionsRequest request_;
  v1::SubmissionAck ack_;
};

class EchoService final : public echo::v1::EchoService::CallbackService {
  grpc::ServerBidiReactor<hattama::v1::StreamSubmissionsRequest, hattama::v1::SubmissionAck>* Echo(
      grpc::CallbackServerContext*) override {
    return new EchoReactor();  // deletes itself in OnDone, as gRPC's callback API expects
  }
};

}  // namespace

Result<double> GrpcEchoRate(std::span<const v1::Submission> submissions, int streams,
                            int64_t window) {
  EchoService service;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  auto server = builder.BuildAndStart();
  if (!server || port == 0) return Status::Error("cannot start the echo server");
  auto channel =
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials());
  auto stub = echo::v1::EchoService::NewStub(channel);
  LoadOptions options{.open = [&](grpc::ClientContext* context) { return stub->Echo(context); },
                      .streams = streams,
                      .window = window};
  auto result = RunLoad(submissions, options);
  server->Shutdown();
  if (!result.ok()) return result.status();
  return result->answered_per_second();
}

}  // namespace hattama::bench
