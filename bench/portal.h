// hattama-bench portal: the public portal at the edge (issue #15 item 2). The whole stack with
// publication writing its snapshot files (--snapshot-dir) and Debian's nginx serving them
// (stack::Nginx, the deployed server block), then:
//   1. freshness: a night paced at ten times election night's peak, each sampled protocol timed
//      from ingestion's acknowledgement until the snapshot files show it as a browser finds it
//      (index.json through nginx, and the station's bucket file it names, name a version of the
//      station's file whose counted submission is that protocol);
//   2. serving: wrk (Debian's package) against portal files through nginx (the nation's totals,
//      a district's station list, a station, a station's bucket, the index) and, in the same run on
//      the same nginx, against a plain static file of the same size, so the ratio says what the
//      portal's files cost beyond a static file's.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/base/result.h"

namespace hattama::bench {

struct PortalOptions {
  int64_t stations = 10'000;
  // The registry is generated once into <work_dir>/portal-stations-<N> and reused.
  std::string work_dir;
  int partitions = 12;
  // The paced run: how long it sends at `peak_factor` times the night's peak.
  double paced_seconds = 20;
  double peak_factor = 10;
  // The paced run's hubs wake once a tick and send what fell due within it together (LoadOptions).
  std::chrono::milliseconds send_tick{5};
  // Acknowledged protocols watched until the files show them.
  int64_t samples = 500;
  // Each wrk run: seconds, connections, threads.
  double wrk_seconds = 5;
  int wrk_connections = 64;
  int wrk_threads = 2;
  int nginx_workers = 1;
};

// One wrk run against one URL.
struct WrkFigures {
  std::string what;  // "nation totals", ...
  std::string path;  // the URL's path
  int64_t bytes = 0;
  double requests_per_second = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  int64_t errors = 0;  // non-2xx answers and socket errors
};

struct PortalFigures {
  int64_t stations = 0;
  int64_t files = 0;        // files the index names, itself and through its buckets
  int64_t index_bytes = 0;  // index.json, and gzipped as nginx sends it
  int64_t index_gzip_bytes = 0;
  int64_t buckets = 0;       // bucket files the index names
  int64_t bucket_bytes = 0;  // all of them together
  double peak_per_second = 0;
  double rate = 0;  // offered in the paced run
  int64_t sent = 0;
  double fresh_p50_ms = 0, fresh_p99_ms = 0, fresh_max_ms = 0;
  int64_t samples = 0;
  int64_t samples_not_visible = 0;
  double resolution_ms = 0;  // mean time of one poll pass
  // Pairs: a portal file, then the plain file of its size.
  std::vector<std::pair<WrkFigures, WrkFigures>> serving;
};

Result<PortalFigures> RunPortalBenchmark(const PortalOptions& options);
void PrintPortalFigures(const PortalFigures& figures);
// hattama-bench portal: runs and prints, or says why it failed; the exit code.
int RunPortalCommand(const PortalOptions& options);

}  // namespace hattama::bench
