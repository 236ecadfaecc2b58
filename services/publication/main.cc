// hattama-publication: serves totals and station results from Redis over gRPC and HTTP,
// read-only.
#include <pthread.h>

#include <csignal>

#include "common/base/stop_signals.h"
#include "common/config/config.h"
#include "common/domain/registry.h"
#include "common/http/limit_flags.h"
#include "common/log/log.h"
#include "common/metrics/grpc_metrics.h"
#include "common/metrics/health.h"
#include "common/redis/client_flags.h"
#include "common/tlog/note_key.h"
#include "services/publication/portal.h"
#include "services/publication/publication_server.h"
#include "services/publication/snapshot_directory.h"

namespace {

using namespace hattama;

constexpr std::chrono::seconds kShutdownGrace{5};

// The command line as parsed; ServerConfigOf turns it into the server's configuration.
struct Flags {
  std::string election_path;
  std::string stations_path;
  std::string metrics_listen;
  std::string log_format = "auto";
  std::string log_level = "info";
  publication::ServerConfig server;
  // Parsed as numbers a person writes (seconds, signed counts), then clamped by ServerConfigOf.
  int redis_connections = static_cast<int>(server.redis_connections);
  int max_bulk_reads = static_cast<int>(server.max_bulk_reads);
  int http_max_streams = static_cast<int>(server.http.max_event_streams);
  int http_workers = static_cast<int>(server.http.workers);
  http::LimitFlags http_limits{server.http.connections()};
  int64_t http_max_body_bytes = static_cast<int64_t>(server.http.max_body_bytes);
  int64_t http_max_header_bytes = static_cast<int64_t>(server.http.max_header_bytes);
  int watch_max_streams = static_cast<int>(server.watch.max_streams);
  int watch_max_streams_per_address = static_cast<int>(server.watch.max_streams_per_address);
  int max_station_reads = static_cast<int>(server.station_reads.max_reads);
  int max_station_reads_per_address = static_cast<int>(server.station_reads.max_reads_per_address);
  double export_max_age = 5;
  double progress_interval =
      std::chrono::duration<double>(publication::kDefaultProgressInterval).count();
  int station_max_versions = server.station_max_versions;
  int64_t station_max_version_bytes = static_cast<int64_t>(server.station_max_version_bytes);
  std::string tlog_verifier_key;  // The key's text, or @FILE.
  std::string portal_dir;
  std::string pvt_sample_path;
  int snapshot_sweep = static_cast<int>(server.snapshots.sweep.count());
  int snapshot_keep = static_cast<int>(server.snapshots.keep.count());
};

void AddFlags(CLI::App& app, Flags& flags) {
  config::AddFlag(app, "election", flags.election_path, "Election JSON (hattama.v1.Election)")
      ->required();
  config::AddFlag(app, "stations", flags.stations_path, "Station registry CSV")->required();
  redis::AddClientFlags(app, flags.server.redis, "the totals aggregation publishes");
  config::AddFlag(app, "redis-connections", flags.redis_connections,
                  "Redis connections publication keeps at most; a read waits up to 2 s for a free "
                  "one, then answers UNAVAILABLE (503)");
  config::AddFlag(app, "max-bulk-reads", flags.max_bulk_reads,
                  "Reads of a whole contest or large area (more than 2,000 stations: the PVT, "
                  "red flags, discrepancies, exports) running at once; one more waits up to 2 s, "
                  "then answers RESOURCE_EXHAUSTED (429). Keep it below --redis-connections so "
                  "that they never hold every connection; 0: no bound");
  config::AddFlag(app, "kafka-bootstrap", flags.server.kafka_bootstrap,
                  "Kafka bootstrap servers of the totals change feed (hattama.totals.v1), read "
                  "without a consumer group and never committed or written to: enables Watch, "
                  "/v1/Watch and the totals cache; empty: every request reads Redis and Watch "
                  "answers FAILED_PRECONDITION");
  config::AddFlag(app, "tlog-address", flags.server.tlog_address,
                  "gRPC host:port of hattama-tlog, the transparency log, polled every 500 ms for "
                  "its checkpoint: each total then states the tree size of a signed checkpoint "
                  "that holds its records, and GetLogCheckpoint answers; empty: tree size 0 and "
                  "GetLogCheckpoint answers UNAVAILABLE");
  config::AddFlag(app, "tlog-url", flags.server.tlog_url,
                  "Public base URL of hattama-tlog's HTTP side (its /tlog/ files and /v1/ API), "
                  "handed to browsers and hattama-verify by GetLogCheckpoint");
  config::AddFlag(app, "tlog-verifier-key", flags.tlog_verifier_key,
                  "The log's note verifier key (the text of hattama-tlog's <key>.pub), or @FILE: "
                  "every checkpoint polled must verify with it (one that does not is logged and "
                  "never used), and GetLogCheckpoint hands it out; empty: checkpoints unchecked");
  config::AddFlag(app, "listen", flags.server.listen, "gRPC listen address host:port");
  config::AddFlag(app, "http-listen", flags.server.http_listen,
                  "HTTP address (host:port) of the portal and the HTTP/JSON API (/v1/<Method>)");
  config::AddFlag(app, "http-max-streams", flags.http_max_streams,
                  "Most /v1/Watch event streams open at once (each holds an HTTP worker thread); "
                  "beyond it /v1/Watch answers 503");
  config::AddFlag(app, "http-workers", flags.http_workers,
                  "HTTP worker threads besides those of event streams (unary API, /export, the "
                  "portal's files)");
  http::AddLimitFlags(app, flags.http_limits, /*with_max_connections=*/false);
  config::AddFlag(app, "http-max-body-bytes", flags.http_max_body_bytes,
                  "Largest HTTP request body; larger: 413 before the body is read (chunked "
                  "request bodies: 411)");
  config::AddFlag(app, "http-max-header-bytes", flags.http_max_header_bytes,
                  "Most bytes of one HTTP request's line and headers; more: the connection is "
                  "dropped");
  config::AddFlag(app, "watch-max-streams", flags.watch_max_streams,
                  "Most gRPC Watch streams open at once from network clients; beyond it Watch "
                  "answers RESOURCE_EXHAUSTED; 0: no cap (/v1/Watch has --http-max-streams)");
  config::AddFlag(app, "watch-max-streams-per-address", flags.watch_max_streams_per_address,
                  "Most gRPC Watch streams open at once from one client address; beyond it "
                  "Watch answers RESOURCE_EXHAUSTED; 0: no cap");
  config::AddFlag(app, "max-station-reads", flags.max_station_reads,
                  "Most GetStationResults calls (gRPC and /v1/GetStationResults) queued or "
                  "running at once, on --redis-connections workers; beyond it a call answers "
                  "RESOURCE_EXHAUSTED (429) at once; 0: no bound");
  config::AddFlag(app, "max-station-reads-per-address", flags.max_station_reads_per_address,
                  "Most gRPC GetStationResults calls queued or running at once from one client "
                  "address; beyond it a call answers RESOURCE_EXHAUSTED at once; 0: no bound");
  config::AddFlag(app, "export-max-age", flags.export_max_age,
                  "Seconds an /export file is served before it is produced again even without a "
                  "change from the change feed (without --kafka-bootstrap: how stale it may be)");
  config::AddFlag(app, "progress-interval", flags.progress_interval,
                  "Seconds between samples of the night's progress (GetNightProgress: stations "
                  "reporting and the PVT estimate per contest, a point while its national totals "
                  "changed, at most 2,000 points kept in memory); at least 0.1");
  config::AddFlag(app, "pvt-sample", flags.pvt_sample_path,
                  "PVT sample file drawn before the night (hattama-hub draw-sample): "
                  "GetPvtEstimate also answers the estimate from its stations alone, each "
                  "region's completion and the file's SHA-256 (README: The PVT sample); empty: "
                  "none");
  config::AddFlag(app, "station-max-versions", flags.station_max_versions,
                  "Most versions of one contest in a GetStationResults answer (the counted one "
                  "always, then the newest)");
  config::AddFlag(app, "station-max-version-bytes", flags.station_max_version_bytes,
                  "Most bytes of versions in one GetStationResults answer (the counted one always, "
                  "then the newest that fit): keeps answers under gRPC clients' 4 MB limit");
  config::AddFlag(app, "snapshot-dir", flags.server.snapshots.dir,
                  "Directory where the portal's answers are written as files for nginx: "
                  "index.json and v/<sha256>.json, each the bytes GET /v1/<Method> answers, a "
                  "file rewritten at most once a second and only when it changed; empty: none");
  config::AddFlag(app, "snapshot-sweep-seconds", flags.snapshot_sweep,
                  "Every snapshot file is read again within this many seconds even without a "
                  "change reported (a version that changes no line of its district's list); 0: "
                  "never");
  config::AddFlag(app, "snapshot-keep-seconds", flags.snapshot_keep,
                  "Seconds a snapshot version stays on disk once no index names it (readers "
                  "holding an older index still find its files)");
  config::AddFlag(app, "snapshot-buckets", flags.server.snapshots.buckets,
                  "Bucket files through which index.json names the districts' and stations' "
                  "snapshot files (format 2, README); fixed for a deployment, about one per 150 "
                  "files keeps each near 15 KB");
  config::AddFlag(app, "portal-dir", flags.portal_dir,
                  "Directory where the portal's static files (what / serves) are written at start, "
                  "for nginx to serve; empty: none");
  config::AddFlag(app, "metrics-listen", flags.metrics_listen,
                  "HTTP host:port of /metrics, /healthz (ready), /livez; empty: none");
  config::AddFlag(app, "log-format", flags.log_format, "auto, json or text");
  config::AddFlag(app, "log-level", flags.log_level, "trace, debug, info, warn or error");
}

std::chrono::milliseconds Seconds(double value) {
  return std::chrono::milliseconds(static_cast<int64_t>(std::max(0.001, value) * 1000));
}

// The server's configuration from the flags, each number clamped to what works.
publication::ServerConfig ServerConfigOf(const Flags& flags) {
  publication::ServerConfig server = flags.server;
  // Publication only reads: a WAIT after each read would confirm nothing, and would fail every
  // read while a promoted master has no replica yet. The flag is taken, so that one environment
  // serves every service.
  server.redis.replica_acks = 0;
  server.redis_connections = static_cast<size_t>(std::max(1, flags.redis_connections));
  server.max_bulk_reads = static_cast<size_t>(std::max(0, flags.max_bulk_reads));
  publication::HttpLimits& http = server.http;
  http.max_event_streams = static_cast<size_t>(std::max(1, flags.http_max_streams));
  http.workers = static_cast<size_t>(std::max(1, flags.http_workers));
  http.SetConnections(flags.http_limits.ToLimits(http.connections()));
  http.max_body_bytes = static_cast<size_t>(std::max<int64_t>(0, flags.http_max_body_bytes));
  http.max_header_bytes = static_cast<size_t>(std::max<int64_t>(1024, flags.http_max_header_bytes));
  server.watch.max_streams = static_cast<size_t>(std::max(0, flags.watch_max_streams));
  server.watch.max_streams_per_address =
      static_cast<size_t>(std::max(0, flags.watch_max_streams_per_address));
  server.station_reads.max_reads = static_cast<size_t>(std::max(0, flags.max_station_reads));
  server.station_reads.max_reads_per_address =
      static_cast<size_t>(std::max(0, flags.max_station_reads_per_address));
  server.export_max_age = Seconds(flags.export_max_age);
  server.progress_interval = Seconds(std::max(0.1, flags.progress_interval));
  server.station_max_versions = std::max(1, flags.station_max_versions);
  server.station_max_version_bytes =
      static_cast<size_t>(std::max<int64_t>(0, flags.station_max_version_bytes));
  server.files = publication::PortalFiles();
  server.snapshots.sweep = std::chrono::seconds(std::max(0, flags.snapshot_sweep));
  server.snapshots.keep = std::chrono::seconds(std::max(0, flags.snapshot_keep));
  return server;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("Hattama publication: read-only totals and station results over gRPC");
  Flags flags;
  AddFlags(app, flags);
  if (auto code = config::Parse(app, argc, argv)) return *code;
  log::Init("publication", log::ParseFormat(flags.log_format), flags.log_level);
  publication::ServerConfig config = ServerConfigOf(flags);
  if (Status valid = redis::ValidateClientOptions(config.redis); !valid.ok()) {
    spdlog::error("{}", valid.message());
    return 1;
  }
  if (!flags.tlog_verifier_key.empty()) {
    auto verifier_key = tlog::ReadLogVerifierKey(flags.tlog_verifier_key);
    if (!verifier_key.ok()) {
      spdlog::error("--tlog-verifier-key: {}", verifier_key.status().message());
      return 1;
    }
    config.tlog_verifier_key = verifier_key->VerifierKey();
  }

  if (!flags.portal_dir.empty()) {
    if (Status written = publication::WritePortalFiles(flags.portal_dir, config.files);
        !written.ok()) {
      spdlog::error("--portal-dir: {}", written.message());
      return 1;
    }
  }

  auto registry = domain::Registry::Load(flags.election_path, flags.stations_path);
  if (!registry.ok()) {
    spdlog::error("cannot load the registry: {}", registry.status().message());
    return 1;
  }
  if (!flags.pvt_sample_path.empty()) {
    auto sample = publication::LoadPvtSample(flags.pvt_sample_path, **registry);
    if (!sample.ok()) {
      spdlog::error("--pvt-sample: {}", sample.status().message());
      return 1;
    }
    config.pvt_sample = std::move(sample).value();
    spdlog::info("PVT sample {}: {} stations, sha256 {}", flags.pvt_sample_path,
                 config.pvt_sample->station_ids.size(), config.pvt_sample->sha256);
  }
  // Before gRPC starts its threads, so that they inherit the mask.
  const sigset_t signals = BlockStopSignals();

  auto server = publication::PublicationServer::Start(*registry, config);
  if (!server.ok()) {
    spdlog::error("{}", server.status().message());
    return 1;
  }
  // Ready only while Redis answers PING (a cluster: while it serves every slot).
  auto operations = metrics::Operations::Start(
      flags.metrics_listen, [&] { return redis::Ping(config.redis, config.redis.timeout); },
      metrics::ServeReadiness((*server)->health()));
  if (!operations.ok()) {
    spdlog::error("{}", operations.status().message());
    return 1;
  }

  const int signal = WaitForSignal(signals);
  spdlog::info("signal {}: finishing requests in flight", signal);
  (*server)->Shutdown(kShutdownGrace);
  return 0;
}
