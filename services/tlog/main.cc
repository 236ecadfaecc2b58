// hattama-tlog: the transparency log writer. Logs every record of hattama.submissions.v1 as one
// leaf of an append-only Merkle tree, in one order kept in hattama.tlog.v1; publishes it as C2SP
// tlog-tiles files with signed checkpoints; serves checkpoints, proofs and entries over gRPC and
// HTTP. One replica only (services/tlog/sequencer.h says why).
#include <google/protobuf/util/json_util.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "common/base/stop_signals.h"
#include "common/config/config.h"
#include "common/http/limit_flags.h"
#include "common/kafka/reader.h"
#include "common/kafka/topics.h"
#include "common/log/log.h"
#include "common/metrics/grpc_metrics.h"
#include "common/metrics/health.h"
#include "common/tlog/witness_keys.h"
#include "hattama/v1/election.pb.h"
#include "services/tlog/grpc_service.h"
#include "services/tlog/http_server.h"
#include "services/tlog/log_key.h"
#include "services/tlog/log_writer.h"
#include "services/tlog/transparency_api.h"

namespace {

using namespace hattama;
using namespace hattama::transparency;

constexpr std::chrono::seconds kShutdownGrace{5};
// Requests are a few fields; nothing a client sends needs more.
constexpr int kMaxGrpcRequestBytes = 64 * 1024;

struct Flags {
  std::string kafka_bootstrap = "127.0.0.1:9092";
  std::string tiles_dir = "tlog-tiles";
  std::string log_key;
  std::string origin;
  std::string election;
  std::string generate_key;
  std::vector<std::string> witness_keys;
  std::string listen = "0.0.0.0:7004";
  std::string http_listen = "0.0.0.0:8084";
  double checkpoint_interval = 0.5;
  int64_t max_in_flight = 10000;
  int grpc_max_threads = 64;
  int http_workers = static_cast<int>(transparency::HttpLimits{}.workers);
  http::LimitFlags http_limits{transparency::HttpLimits{}.connections};
  int64_t http_max_request_bytes =
      static_cast<int64_t>(transparency::HttpLimits{}.connections.max_request_bytes);
  std::string metrics_listen;
  std::string log_format = "auto";
  std::string log_level = "info";
};

void AddFlags(CLI::App& app, Flags& flags) {
  config::AddFlag(app, "kafka-bootstrap", flags.kafka_bootstrap,
                  "Kafka bootstrap servers (hattama.submissions.v1 is read, hattama.tlog.v1 "
                  "written and read; no consumer group, nothing committed)");
  config::AddFlag(app, "tiles-dir", flags.tiles_dir,
                  "Directory of the C2SP tlog-tiles files (checkpoint, tile/...), for any static "
                  "file server to serve; rebuilt from hattama.tlog.v1 when lost");
  config::AddFlag(app, "log-key", flags.log_key,
                  "File holding the log's signer key (PRIVATE+KEY+<origin>+...), e.g. a mounted "
                  "Secret; written by --generate-key");
  config::AddFlag(app, "origin", flags.origin,
                  "The log's name: the checkpoints' origin line and the key's name; default "
                  "hattama/<election_id> with --election, else the name of the --log-key key");
  config::AddFlag(app, "election", flags.election,
                  "Election JSON (hattama.v1.Election), only for the default --origin");
  config::AddFlag(app, "generate-key", flags.generate_key,
                  "Write a new log key named --origin to this file (mode 0600, never over an "
                  "existing file) and its verifier key to FILE.pub, print the verifier key, exit");
  // Repeatable, so the environment variable is named in the plural and splits at blanks.
  app.add_option("--witness-key", flags.witness_keys,
                 "Verifier key (cosignature/v1) of a witness whose cosignatures the log accepts "
                 "and serves, or @FILE of such keys (one a line, # comments); repeatable; the "
                 "environment variable takes several separated by blanks; none: every "
                 "AddCosignature is refused")
      ->envname("HATTAMA_WITNESS_KEYS")
      ->allow_extra_args(false);
  config::AddFlag(app, "listen", flags.listen, "gRPC listen address host:port");
  config::AddFlag(app, "http-listen", flags.http_listen,
                  "HTTP address of /tlog/ (the tiles) and /v1/<Method> (the API as JSON); empty: "
                  "none");
  config::AddFlag(app, "checkpoint-interval", flags.checkpoint_interval,
                  "Seconds between signed checkpoints while leaves arrive (at most 1)")
      ->check(CLI::Range(0.01, 1.0));
  config::AddFlag(app, "max-in-flight", flags.max_in_flight,
                  "Leaf writes to Kafka not yet confirmed, at most; reading pauses at it")
      ->check(CLI::Range(int64_t{1}, int64_t{1000000}));
  config::AddFlag(app, "grpc-max-threads", flags.grpc_max_threads,
                  "gRPC threads answering requests at once, at most")
      ->check(CLI::Range(2, 10000));
  config::AddFlag(app, "http-workers", flags.http_workers,
                  "HTTP worker threads; connections beyond them wait their turn")
      ->check(CLI::Range(1, 10000));
  http::AddLimitFlags(app, flags.http_limits, /*with_max_connections=*/true);
  config::AddFlag(app, "http-max-request-bytes", flags.http_max_request_bytes,
                  "Bytes of one HTTP request (line, headers and body); more: the connection is "
                  "dropped (a larger announced body: 413)")
      ->check(CLI::Range(int64_t{1024}, int64_t{1} << 30));
  config::AddFlag(app, "metrics-listen", flags.metrics_listen,
                  "HTTP host:port of /metrics, /healthz (ready), /livez; empty: none");
  config::AddFlag(app, "log-format", flags.log_format, "auto, json or text");
  config::AddFlag(app, "log-level", flags.log_level, "trace, debug, info, warn or error");
}

std::chrono::milliseconds Milliseconds(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

// The origin the flags name: --origin, else hattama/<election_id> from --election; empty when
// neither is given.
Result<std::string> OriginOf(const Flags& flags) {
  if (!flags.origin.empty() || flags.election.empty()) return flags.origin;
  std::ifstream in(flags.election);
  if (!in) return Status::NotFound("cannot read " + flags.election);
  std::stringstream json;
  json << in.rdbuf();
  v1::Election election;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  if (!google::protobuf::util::JsonStringToMessage(json.str(), &election, options).ok() ||
      election.election_id().empty()) {
    return Status::InvalidArgument(flags.election + " is no election JSON with an election_id");
  }
  return "hattama/" + election.election_id();
}

int GenerateKey(const Flags& flags) {
  auto origin = OriginOf(flags);
  if (!origin.ok() || origin->empty()) {
    spdlog::error("--generate-key needs --origin or --election{}",
                  origin.ok() ? "" : ": " + origin.status().message());
    return 2;
  }
  auto verifier = GenerateLogKey(flags.generate_key, *origin);
  if (!verifier.ok()) {
    spdlog::error("{}", verifier.status().message());
    return 1;
  }
  std::printf("%s\n", verifier->c_str());
  spdlog::info("wrote the log key {} and its verifier key {}.pub", flags.generate_key,
               flags.generate_key);
  return 0;
}

Result<tlog::NoteSigner> LogKeyOf(const Flags& flags) {
  if (flags.log_key.empty()) {
    return Status::InvalidArgument(
        "--log-key is required (hattama-tlog --generate-key writes one)");
  }
  auto signer = ReadLogKey(flags.log_key);
  if (!signer.ok()) return signer.status();
  auto origin = OriginOf(flags);
  if (!origin.ok()) return origin.status();
  if (!origin->empty() && *origin != signer->name()) {
    return Status::InvalidArgument("the origin is " + *origin + " but the key in " + flags.log_key +
                                   " is named " + signer->name() +
                                   "; a log signs with a key named as its origin");
  }
  return signer;
}

HttpLimits HttpLimitsOf(const Flags& flags) {
  HttpLimits limits{.workers = static_cast<size_t>(flags.http_workers)};
  limits.connections = flags.http_limits.ToLimits(limits.connections);
  limits.connections.max_request_bytes = static_cast<size_t>(flags.http_max_request_bytes);
  return limits;
}

Result<std::unique_ptr<grpc::Server>> ServeGrpc(const Flags& flags, grpc::Service& service) {
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  int port = 0;
  // A port already taken is an error, never a port shared with another process: gRPC's default
  // SO_REUSEPORT would let a server bound later silently take half of the connections.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddListeningPort(flags.listen, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  builder.SetMaxReceiveMessageSize(kMaxGrpcRequestBytes);
  grpc::ResourceQuota quota("hattama-tlog");
  quota.SetMaxThreads(flags.grpc_max_threads);
  builder.SetResourceQuota(quota);
  metrics::AddGrpcMetrics(builder);
  auto server = builder.BuildAndStart();
  if (!server || port == 0) return Status::Unavailable("cannot listen for gRPC on " + flags.listen);
  return server;
}

// Waits for SIGTERM or SIGINT (blocked in every thread, so they wait here), or for the log writer
// to fail; the exit code: 0 on a signal, 1 on a failure.
int WaitForSignalOrFailure(const sigset_t& signals, const LogWriter& log) {
  const timespec step{.tv_sec = 0, .tv_nsec = 200'000'000};
  while (true) {
    if (const int signal = sigtimedwait(&signals, nullptr, &step); signal > 0) {
      spdlog::info("signal {}: stopping", signal);
      return 0;
    }
    if (auto failure = log.Failure()) {
      spdlog::error("the log writer failed: {}", failure->message());
      return 1;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app(
      "Hattama transparency log writer: every accepted record as a leaf of a signed, append-only "
      "Merkle tree, served as C2SP tlog-tiles and over gRPC/HTTP. Run one replica only.");
  Flags flags;
  AddFlags(app, flags);
  if (auto code = config::Parse(app, argc, argv)) return *code;
  log::Init("tlog", log::ParseFormat(flags.log_format), flags.log_level);
  if (!flags.generate_key.empty()) return GenerateKey(flags);

  auto signer = LogKeyOf(flags);
  if (!signer.ok()) {
    spdlog::error("{}", signer.status().message());
    return 2;
  }
  spdlog::info("log {} signing with {}", signer->name(), signer->verifier().VerifierKey());
  auto witness_keys = tlog::ParseWitnessKeys(flags.witness_keys, signer->name());
  if (!witness_keys.ok()) {
    spdlog::error("{}", witness_keys.status().message());
    return 2;
  }
  for (const auto& witness : *witness_keys) {
    spdlog::info("accepting the cosignatures of the witness {}", witness.VerifierKey());
  }
  // Before any thread starts; taken by sigtimedwait below.
  const sigset_t signals = BlockStopSignals();

  auto writer = LogWriter::Start({.kafka_bootstrap = flags.kafka_bootstrap,
                                  .tiles_dir = flags.tiles_dir,
                                  .checkpoint_interval = Milliseconds(flags.checkpoint_interval),
                                  .max_in_flight = flags.max_in_flight,
                                  .witness_keys = std::move(witness_keys).value()},
                                 std::move(signer).value());
  if (!writer.ok()) {
    spdlog::error("{}", writer.status().message());
    return 1;
  }
  TransparencyApi api((*writer)->tree(), (*writer)->publisher(), (*writer)->witnesses());
  TransparencyGrpcService service(api);
  auto grpc_server = ServeGrpc(flags, service);
  if (!grpc_server.ok()) {
    spdlog::error("{}", grpc_server.status().message());
    return 1;
  }
  std::unique_ptr<TlogHttpServer> http;
  if (!flags.http_listen.empty()) {
    auto started =
        TlogHttpServer::Start(flags.http_listen, api, (*writer)->tiles(), HttpLimitsOf(flags));
    if (!started.ok()) {
      spdlog::error("{}", started.status().message());
      return 1;
    }
    http = std::move(started).value();
  }
  // Ready once the log is rebuilt and checkpointed, while Kafka answers.
  auto probe = kafka::Reader::Create(flags.kafka_bootstrap, kafka::kTlogTopic);
  if (!probe.ok()) {
    spdlog::error("{}", probe.status().message());
    return 1;
  }
  LogWriter& log_writer = **writer;
  auto operations = metrics::Operations::Start(
      flags.metrics_listen,
      [&]() -> Status {
        if (auto failure = log_writer.Failure()) return *failure;
        if (!log_writer.caught_up()) return Status::Unavailable("rebuilding the log from Kafka");
        auto partitions = (*probe)->PartitionCount(std::chrono::seconds(3));
        return partitions.ok() ? Status::Ok() : partitions.status();
      },
      metrics::ServeReadiness((*grpc_server)->GetHealthCheckService()));
  if (!operations.ok()) {
    spdlog::error("{}", operations.status().message());
    return 1;
  }
  spdlog::info("serving gRPC on {}, HTTP on {}, tiles in {}", flags.listen, flags.http_listen,
               flags.tiles_dir);

  const int exit_code = WaitForSignalOrFailure(signals, log_writer);
  http.reset();
  (*grpc_server)->Shutdown(std::chrono::system_clock::now() + kShutdownGrace);
  log_writer.Stop();
  return exit_code;
}
