// The one authority on submission and deployment-event ids, shared by every ingestion replica and
// surviving their restarts: a key per id in Redis (hattama:claim:<id>, hattama:claim-event:<id>,
// see common/redis/layout.h) holding the digest of the content that first claimed the id, and
// whether that content is durable in the log yet.
//
// The life of an id:
//   Claim(id, d)    absent            -> "pending d", kNew: write it to Kafka
//                   "pending d"       -> kPendingSame: write it too (an exact copy in the log is
//                                        harmless: aggregation ignores an id+digest it applied)
//                   "durable d"       -> kDurableSame: answer DUPLICATE, write nothing
//                   "pending/durable e" (e != d) -> kReused: answer REJECTED ID_REUSED
//   Confirm(id, d)  once Kafka confirmed a write of d: "pending d" -> "durable d", and true for the
//                   one call that made that transition (it answers ACCEPTED; every other copy
//                   answers DUPLICATE). So an id is ACCEPTED exactly once, ever, over all replicas
//                   and restarts, and every answer is given only once its content is in the log.
// A claim is never released: a write that failed leaves it pending, and the hub's resend of the
// same content goes through. Each step is one command on one key (a claim SET ... NX GET, which
// needs Redis 7.0 or later; a confirm a Lua script), so it is atomic, and fine on Redis Cluster (a
// single-key operation needs no hash tag: each goes to its key's master).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/base/result.h"
#include "common/redis/client.h"

namespace hattama::ingestion {

// Which key space an id lives in: a submission id and an event id may be equal without clashing.
enum class IdKind { kSubmission, kEvent };

// What a claim found.
enum class ClaimState {
  kNew,          // Nobody had the id; it is now pending with this digest.
  kPendingSame,  // Pending with this digest: a write of this content is (or was) under way.
  kDurableSame,  // Durable with this digest: this content is in the log already.
  kReused,       // Held by another digest: the id was used for other content.
};

// The Redis key of an id's claim.
std::string ClaimKey(IdKind kind, const std::string& id);

// Runs claims and confirms on one Redis client (one server, or a cluster: one pipeline per master)
// from one worker thread, pipelining whatever has queued up meanwhile into one round trip (up to
// max_batch calls): the callers, gRPC reactor
// threads and the Kafka producer's delivery thread, never wait for Redis. Callbacks run on the
// worker thread, in the order the calls were made, exactly once each; a Redis that cannot be
// reached or answers an error fails the calls of that round trip with an UNAVAILABLE status (the
// next round trip connects again). Thread-safe.
class Claims {
 public:
  struct Options {
    // Its timeout bounds connecting and each round trip (on a cluster, retry_for bounds riding
    // through a failover); past it the calls fail UNAVAILABLE. With replica_acks, a claim made
    // durable survives the loss of its master, so a resend is still answered DUPLICATE.
    redis::ClientOptions redis;
    size_t max_batch = 512;
  };
  using ClaimDone = std::function<void(Result<ClaimState>)>;
  // true: this call turned the claim durable (answer ACCEPTED); false: it was durable already
  // (answer DUPLICATE). kFailedPrecondition: another digest holds the id (only after Redis lost
  // the claim between claim and confirm and another content claimed it meanwhile).
  using ConfirmDone = std::function<void(Result<bool>)>;

  explicit Claims(Options options);
  // Runs every call queued so far (their callbacks run), then stops the worker.
  ~Claims();
  Claims(const Claims&) = delete;
  Claims& operator=(const Claims&) = delete;

  void Claim(IdKind kind, const std::string& id, const std::string& digest, ClaimDone done);
  void Confirm(IdKind kind, const std::string& id, const std::string& digest, ConfirmDone done);

  // Returns once every call made before it has run its callback. Shutdown calls it after the last
  // stream ended and before the producer goes: a claim callback may still write to Kafka.
  void WaitIdle();

 private:
  struct Call {
    std::string key;
    bool confirm = false;
    std::string digest;
    std::function<void(Result<std::string>)> done;  // The answer word (claims.cc).
  };
  void Enqueue(Call call);
  void Run();
  // One round trip for `batch`; one answer (or failure) per call.
  std::vector<Result<std::string>> RoundTrip(const std::deque<Call>& batch);

  const Options options_;
  const redis::Script script_;
  std::unique_ptr<redis::Client> connection_;  // Worker thread only; null until connected.

  std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<Call> queue_;
  bool busy_ = false;  // The worker is between taking a batch and running its last callback.
  bool stopping_ = false;
  std::thread worker_;  // Last: starts once everything above is built.
};

}  // namespace hattama::ingestion
