// A Redis Cluster client over the one Redis connection type (redis.h): it learns which master owns
// each of the 16384 slots (CLUSTER SLOTS, asked of any known node), sends every command to the
// owner of its keys' slot (slots.h), a pipeline split into one pipeline per node, and follows the
// cluster when it changes:
//   MOVED       the slot has a new owner: the slot map is fetched again and the command re-sent;
//   ASK         the slot is being migrated and the key is no longer (or not yet) at the source:
//               ASKING, then the command once on the target (the map is not changed);
//   TRYAGAIN (keys split by a migration), CLUSTERDOWN, a lost or refused connection (a master
//               died; its replica is not yet promoted): wait a little (back-off from 20 to 500 ms),
//               fetch the map again (but for TRYAGAIN), re-send; for at most Options::retry_for,
//               then an Unavailable Status naming the node and the last error.
// Guarantee: a command whose reply was received is answered exactly once. A command whose
// connection broke after it was sent may have been applied before the retry applies it again
// (at least once), so non-idempotent commands that must not repeat are made idempotent by their
// caller (as aggregation does by its position). Redis replicates asynchronously: an acknowledged
// write survives its master's failure only if it reached the replica first. With
// Options::replica_acks > 0 every per-node pipeline ends with WAIT, and a call succeeds only when
// that many replicas of each master it wrote to hold its writes: what it acknowledges survives the
// loss of the master (and, failing, it may have written: its caller replays it, idempotently).
//
// Transactions: MULTI ... EXEC inside a pipeline (or Transaction()) is sent whole to the owner of
// its keys, which must share one slot; a redirected transaction is re-sent whole (after ASKING when
// asked). While its slot migrates, a transaction or script over keys of which only some have moved
// is answered TRYAGAIN (Redis checks EXEC's keys as one request) and retried, each time asked
// again, until the migration ends or max_redirects passes.
//
// A ClusterConnection is used by one thread at a time, like Connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/redis/redis.h"

namespace hattama::redis {

class ClusterConnection final : public Client {
 public:
  struct Options {
    // Connect, read and write timeout of each node connection.
    std::chrono::milliseconds timeout{2000};
    // How long one call keeps retrying through failures (a failover takes the cluster's
    // cluster-node-timeout and an election, typically 2-3 node timeouts).
    std::chrono::milliseconds retry_for{10000};
    // Redirections (MOVED, ASK) one command follows before giving up: more means a loop.
    int max_redirects = 16;
    // Replicas of a master that must confirm the writes of a call (WAIT) before it succeeds; 0:
    // none, the call returns when the masters answered.
    int replica_acks = 0;
    // How long WAIT waits for them; past it the call fails Unavailable.
    std::chrono::milliseconds replica_ack_timeout{1000};
  };

  // What the client did to follow the cluster, for tests and metrics.
  struct Counters {
    int64_t moved = 0;        // MOVED replies followed
    int64_t ask = 0;          // ASK replies followed
    int64_t retries = 0;      // re-sends after TRYAGAIN, CLUSTERDOWN or a broken connection
    int64_t map_fetches = 0;  // times the slot map was fetched
  };

  // `seeds` are "host:port" of any nodes of the cluster; the slot map is fetched from the first
  // that answers. Fails when none does or when the map does not cover every slot.
  static Result<std::unique_ptr<ClusterConnection>> Connect(const std::vector<std::string>& seeds,
                                                            Options options);
  static Result<std::unique_ptr<ClusterConnection>> Connect(const std::vector<std::string>& seeds) {
    return Connect(seeds, Options{});
  }
  ~ClusterConnection();

  // As Connection::Run, on the node owning the command's slot (any master for keyless commands).
  Result<Reply> Run(const Command& command) override;
  // As Connection::Pipeline: one reply per command in the order given, one round trip per node
  // (more when redirected). MULTI ... EXEC groups go whole to one node.
  Result<std::vector<Reply>> Pipeline(const std::vector<Command>& commands) override;
  // MULTI, `commands`, EXEC on the owner of their one slot; the replies of EXEC (an error Reply
  // when Redis aborted the transaction).
  Result<Reply> Transaction(const std::vector<Command>& commands);
  // `command` on every master (SCRIPT LOAD, FLUSHALL, DBSIZE): one reply per master. Sent to every
  // master again when one is lost (within Options::retry_for), so only for commands that may
  // repeat.
  Result<std::vector<Reply>> RunOnEveryMaster(const Command& command);
  // As Script::RunPipelined: `calls` (from script.Call, keys of one slot each) pipelined; calls
  // answered NOSCRIPT (a new or promoted node) are run again after loading the script on every
  // master.
  Result<std::vector<Reply>> RunScript(const Script& script,
                                       const std::vector<Command>& calls) override;
  // SCRIPT LOAD on every master.
  Status LoadScript(const Script& script) override;
  // As Connection::RunGuarded, each guard on its own on the master owning its key's slot (a
  // transaction cannot span slots), then (with replica_acks) WAIT: an applied write whose replicas
  // did not confirm it is an Unavailable Status (it may be lost). Never retried here: after a
  // redirection or a lost node the slot map is fetched again and the Status returned.
  Result<std::vector<Guarded>> RunGuarded(std::vector<Guard> guards) override;
  // "redis cluster " and the seeds.
  std::string Describe() const override;

  // Fetches the slot map again from any known node.
  Status RefreshSlotMap();
  // "host:port" of the master the client believes owns `slot`.
  const std::string& MasterOf(uint16_t slot) const;
  std::vector<std::string> Masters() const { return masters_; }
  const Counters& counters() const { return counters_; }

  // A command, or a MULTI ... EXEC group, routed as one (cluster.cc).
  struct Unit;

 private:
  ClusterConnection(std::vector<std::string> seeds, Options options);
  // Sends `commands` to their slots' owners, following redirections and retrying failures until
  // every one has a reply or Options::retry_for passed.
  Result<std::vector<Reply>> Execute(const std::vector<Command>& commands);
  // One round: the pending units sent in one pipeline per node. Units that must go again (with
  // what to do first) stay in `pending`.
  struct RoundOutcome;
  RoundOutcome SendRound(const std::vector<Command>& commands, std::vector<Unit>& units,
                         std::vector<size_t>& pending, std::vector<Reply>& replies);
  // WAIT for Options::replica_acks replicas, at most Options::replica_ack_timeout.
  Command WaitCommand() const;
  // Ok when `acks`, WAIT's answer from `node`, counts Options::replica_acks replicas; otherwise
  // an Unavailable Status: the writes may be lost with the master.
  Status CheckReplicaAcks(const std::string& node, const Reply& acks) const;
  // The connection to `address`, opened when first needed.
  Result<Connection*> NodeConnection(const std::string& address);
  void DropConnection(const std::string& address);

  std::vector<std::string> seeds_;
  Options options_;
  Counters counters_;
  std::vector<std::string> masters_;  // addresses of the masters of the last map
  std::vector<int> slot_owner_;       // slot -> index into masters_
  std::map<std::string, std::unique_ptr<Connection>> connections_;
};

}  // namespace hattama::redis
