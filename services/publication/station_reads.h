// The threads that answer GetStationResults, apart from gRPC's few callback threads.
//
// A station's results are read from Redis: a round trip, longer when Redis is slow and up to the
// pool's timeout when it hangs. Read on gRPC's callback threads (two on a machine of four cores or
// fewer, gRPC 1.51), a flood of station reads would hold them, and with them the readers of the
// cached totals and every Watch stream, which need no Redis at all. Here they wait for one of
// `threads` workers instead, and at most `max_reads` of them (from one client address
// `max_reads_per_address`) are queued or running at once: beyond either, a read is refused at once
// with RESOURCE_EXHAUSTED naming the flag, so that a crowd costs bounded memory and each reader a
// prompt answer.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/base/result.h"
#include "services/publication/address_quota.h"

namespace hattama::publication {

// The client address of a gRPC peer ("ipv4:10.0.0.1:5123" -> "ipv4:10.0.0.1"); empty for peers
// that are not network clients (the in-process channel of the HTTP gateway).
std::string ClientAddress(const std::string& peer);

class StationReads {
 public:
  // Each is a flag of hattama-publication (main.cc, README).
  struct Options {
    // Workers reading at once: publication's Redis connections (--redis-connections).
    size_t threads = 8;
    // Reads queued or running at once, from every client (--max-station-reads; 0: no bound).
    size_t max_reads = 1024;
    // ... and from one client address (--max-station-reads-per-address; 0: no bound). Reads of the
    // in-process channel (the HTTP gateway's, bounded by its workers) count only in max_reads.
    size_t max_reads_per_address = 64;
  };

  explicit StationReads(Options options);
  // Runs what was queued, then joins the workers. Destroy after the gRPC server shut down, which
  // waits for the reads it handed here to be answered.
  ~StationReads();
  StationReads(const StationReads&) = delete;
  StationReads& operator=(const StationReads&) = delete;

  // Queues `read` for a worker, on behalf of `address` (ClientAddress). RESOURCE_EXHAUSTED naming
  // the bound (and the address) when it is reached; `read` is then not run.
  Status Submit(const std::string& address, std::function<void()> read);

 private:
  struct Read {
    std::string address;
    std::function<void()> run;
  };
  void Work();

  const Options options_;
  std::mutex mutex_;
  std::condition_variable queued_;
  std::deque<Read> queue_;
  AddressQuota pending_;  // Queued plus running.
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace hattama::publication
