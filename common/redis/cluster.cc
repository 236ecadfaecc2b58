#include "common/redis/cluster.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <span>
#include <thread>
#include <utility>

#include "common/redis/slots.h"

namespace hattama::redis {

// A command, or MULTI ... EXEC sent whole: commands[first, first + count).
struct ClusterConnection::Unit {
  size_t first = 0;
  size_t count = 1;
  std::optional<uint16_t> slot;  // nullopt: no keys, any master answers
  std::string ask_target;        // non-empty: send ASKING and the unit there, once
  int redirects = 0;
};

struct ClusterConnection::RoundOutcome {
  bool refresh_map = false;  // a MOVED, CLUSTERDOWN or a lost node: the map may be stale
  bool back_off = false;     // the cluster is busy (failover, migration): wait before re-sending
  std::string last_error;    // for the message when retrying ends
  Status fatal = Status::Ok();
};

namespace {

using Clock = std::chrono::steady_clock;

bool IsNamed(const Command& command, std::string_view name) {
  if (command.empty() || command[0].size() != name.size()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(command[0][i])) != name[i]) return false;
  }
  return true;
}

bool StartsWith(const std::string& text, std::string_view prefix) {
  return text.rfind(prefix, 0) == 0;
}

std::string HostOf(const std::string& address) { return address.substr(0, address.rfind(':')); }

// Splits `commands` into units: MULTI ... EXEC (or DISCARD) together, every other command alone.
Result<std::vector<ClusterConnection::Unit>> SplitUnits(const std::vector<Command>& commands) {
  std::vector<ClusterConnection::Unit> units;
  for (size_t i = 0; i < commands.size();) {
    ClusterConnection::Unit unit{.first = i};
    if (IsNamed(commands[i], "MULTI")) {
      size_t end = i + 1;
      while (end < commands.size() && !IsNamed(commands[end], "EXEC") &&
             !IsNamed(commands[end], "DISCARD")) {
        ++end;
      }
      if (end == commands.size()) return Status::InvalidArgument("MULTI without EXEC");
      unit.count = end - i + 1;
    }
    for (size_t j = i; j < i + unit.count; ++j) {
      auto slot = CommandSlot(commands[j]);
      if (!slot.ok()) return slot.status();
      if (!slot->has_value()) continue;
      if (unit.slot.has_value() && *unit.slot != **slot) {
        return Status::InvalidArgument(
            "a MULTI ... EXEC over keys of several Redis Cluster slots (" +
            std::to_string(*unit.slot) + " and " + std::to_string(**slot) +
            "); give its keys one hash tag");
      }
      unit.slot = *slot;
    }
    units.push_back(std::move(unit));
    i += units.back().count;
  }
  return units;
}

// What a unit's replies ask of the client.
struct Redirect {
  enum class Kind { kNone, kMoved, kAsk, kTryAgain, kClusterDown } kind = Kind::kNone;
  std::string address;  // kMoved, kAsk
  std::string error;
};

// The first redirection among a unit's replies: a transaction whose queued command was redirected
// was aborted by Redis (EXECABORT) and goes again whole. `node` is where they came from, for a
// redirection naming no host.
Redirect Classify(std::span<const Reply> replies, const std::string& node) {
  for (const Reply& reply : replies) {
    if (!reply.is_error()) continue;
    const std::string& error = reply.str;
    const bool moved = StartsWith(error, "MOVED ");
    if (moved || StartsWith(error, "ASK ")) {
      // "MOVED <slot> <host>:<port>"
      std::string address = error.substr(error.rfind(' ') + 1);
      if (StartsWith(address, ":")) address = HostOf(node) + address;
      return {moved ? Redirect::Kind::kMoved : Redirect::Kind::kAsk, address, error};
    }
    if (StartsWith(error, "TRYAGAIN")) return {Redirect::Kind::kTryAgain, "", error};
    if (StartsWith(error, "CLUSTERDOWN")) return {Redirect::Kind::kClusterDown, "", error};
  }
  return {};
}

// CLUSTER SLOTS: [[start, end, [host, port, id, ...], replicas...], ...]. A master with an empty
// host is reachable at the host of the node that answered.
Status ParseSlotMap(const Reply& reply, const std::string& node, std::vector<std::string>& masters,
                    std::vector<int>& owner) {
  if (reply.type != Reply::Type::kArray) {
    return Status::Unavailable("redis " + node + " answered CLUSTER SLOTS with " +
                               (reply.is_error() ? reply.str : std::string("no array")));
  }
  masters.clear();
  owner.assign(kSlotCount, -1);
  for (const Reply& range : reply.elements) {
    if (range.elements.size() < 3 || range.elements[2].elements.size() < 2) {
      return Status::Unavailable("redis " + node + ": a malformed CLUSTER SLOTS entry");
    }
    const int64_t start = range.elements[0].integer;
    const int64_t end = range.elements[1].integer;
    const auto& master = range.elements[2].elements;
    if (start < 0 || end >= kSlotCount || start > end) {
      return Status::Unavailable("redis " + node + ": CLUSTER SLOTS names slots " +
                                 std::to_string(start) + "-" + std::to_string(end));
    }
    const std::string host = master[0].str.empty() ? HostOf(node) : master[0].str;
    const std::string address = host + ":" + std::to_string(master[1].integer);
    auto at = std::find(masters.begin(), masters.end(), address);
    if (at == masters.end()) at = masters.insert(masters.end(), address);
    std::fill(owner.begin() + start, owner.begin() + end + 1,
              static_cast<int>(at - masters.begin()));
  }
  return Status::Ok();
}

}  // namespace

ClusterConnection::ClusterConnection(std::vector<std::string> seeds, Options options)
    : seeds_(std::move(seeds)), options_(options), slot_owner_(kSlotCount, -1) {}

ClusterConnection::~ClusterConnection() = default;

Result<std::unique_ptr<ClusterConnection>> ClusterConnection::Connect(
    const std::vector<std::string>& seeds, Options options) {
  if (seeds.empty()) return Status::InvalidArgument("no Redis Cluster node address given");
  std::unique_ptr<ClusterConnection> cluster(new ClusterConnection(seeds, options));
  auto fetched = cluster->RefreshSlotMap();
  if (!fetched.ok()) return fetched;
  const auto uncovered = std::find(cluster->slot_owner_.begin(), cluster->slot_owner_.end(), -1);
  if (uncovered != cluster->slot_owner_.end()) {
    return Status::Unavailable("Redis Cluster slot " +
                               std::to_string(uncovered - cluster->slot_owner_.begin()) +
                               " has no master (is the cluster created?)");
  }
  return cluster;
}

Result<Connection*> ClusterConnection::NodeConnection(const std::string& address) {
  auto found = connections_.find(address);
  if (found != connections_.end()) return found->second.get();
  auto connection = Connection::Connect(address, options_.timeout);
  if (!connection.ok()) return connection.status();
  return (connections_[address] = std::move(connection).value()).get();
}

void ClusterConnection::DropConnection(const std::string& address) { connections_.erase(address); }

Status ClusterConnection::RefreshSlotMap() {
  ++counters_.map_fetches;
  // Known masters first (the likeliest to be alive and current), then the seeds.
  std::vector<std::string> candidates = masters_;
  for (const auto& seed : seeds_) {
    if (std::find(candidates.begin(), candidates.end(), seed) == candidates.end()) {
      candidates.push_back(seed);
    }
  }
  std::string errors;
  for (const auto& address : candidates) {
    auto connection = NodeConnection(address);
    if (!connection.ok()) {
      errors += "; " + connection.status().message();
      continue;
    }
    auto reply = (*connection)->Run({"CLUSTER", "SLOTS"});
    if (!reply.ok()) {
      DropConnection(address);
      errors += "; " + reply.status().message();
      continue;
    }
    std::vector<std::string> masters;
    std::vector<int> owner;
    auto parsed = ParseSlotMap(*reply, address, masters, owner);
    if (!parsed.ok()) {
      errors += "; " + parsed.message();
      continue;
    }
    masters_ = std::move(masters);
    slot_owner_ = std::move(owner);
    return Status::Ok();
  }
  return Status::Unavailable("no Redis Cluster node gave its slot map" + errors);
}

const std::string& ClusterConnection::MasterOf(uint16_t slot) const {
  static const std::string kNone;
  const int owner = slot < kSlotCount ? slot_owner_[slot] : -1;
  return owner < 0 ? kNone : masters_[static_cast<size_t>(owner)];
}

ClusterConnection::RoundOutcome ClusterConnection::SendRound(const std::vector<Command>& commands,
                                                             std::vector<Unit>& units,
                                                             std::vector<size_t>& pending,
                                                             std::vector<Reply>& replies) {
  RoundOutcome outcome;
  std::map<std::string, std::vector<size_t>> by_node;
  for (size_t u : pending) {
    const Unit& unit = units[u];
    std::string node = !unit.ask_target.empty() ? unit.ask_target
                       : unit.slot.has_value()  ? MasterOf(*unit.slot)
                       : masters_.empty()       ? std::string()
                                                : masters_.front();
    by_node[node].push_back(u);
  }
  std::vector<size_t> again;
  for (auto& [node, node_units] : by_node) {
    std::vector<Command> batch;
    for (size_t u : node_units) {
      if (!units[u].ask_target.empty()) batch.push_back({"ASKING"});
      for (size_t i = 0; i < units[u].count; ++i) batch.push_back(commands[units[u].first + i]);
    }
    if (options_.replica_acks > 0) batch.push_back(WaitCommand());
    Result<std::vector<Reply>> answered = Status::Unavailable("no master owns the slot");
    if (!node.empty()) {
      auto connection = NodeConnection(node);
      answered = connection.ok() ? (*connection)->Pipeline(batch)
                                 : Result<std::vector<Reply>>(connection.status());
    }
    if (!answered.ok()) {
      // A node lost mid-pipeline may have applied any prefix of the batch: all of it goes again.
      DropConnection(node);
      outcome.refresh_map = outcome.back_off = true;
      outcome.last_error = answered.status().message();
      again.insert(again.end(), node_units.begin(), node_units.end());
      continue;
    }
    if (options_.replica_acks > 0) {
      const Reply acks = std::move(answered->back());
      answered->pop_back();
      if (Status confirmed = CheckReplicaAcks(node, acks); !confirmed.ok()) {
        outcome.fatal = confirmed;
      }
    }
    size_t at = 0;
    for (size_t u : node_units) {
      Unit& unit = units[u];
      if (!unit.ask_target.empty()) ++at;  // ASKING's +OK
      std::move(answered->begin() + static_cast<ptrdiff_t>(at),
                answered->begin() + static_cast<ptrdiff_t>(at + unit.count),
                replies.begin() + static_cast<ptrdiff_t>(unit.first));
      at += unit.count;
      unit.ask_target.clear();
      const Redirect redirect = Classify(
          std::span<const Reply>(replies.begin() + static_cast<ptrdiff_t>(unit.first), unit.count),
          node);
      switch (redirect.kind) {
        case Redirect::Kind::kNone:
          continue;
        case Redirect::Kind::kMoved:
          ++counters_.moved;
          outcome.refresh_map = true;
          break;
        case Redirect::Kind::kAsk:
          ++counters_.ask;
          unit.ask_target = redirect.address;
          break;
        case Redirect::Kind::kClusterDown:
          outcome.refresh_map = true;
          [[fallthrough]];
        case Redirect::Kind::kTryAgain:
          outcome.back_off = true;
          break;
      }
      outcome.last_error = "redis " + node + ": " + redirect.error;
      const bool is_redirect =
          redirect.kind == Redirect::Kind::kMoved || redirect.kind == Redirect::Kind::kAsk;
      if (is_redirect && ++unit.redirects > options_.max_redirects) {
        outcome.fatal =
            Status::Unavailable("Redis Cluster redirected a command " +
                                std::to_string(unit.redirects) + " times, last: " + redirect.error);
      }
      again.push_back(u);
    }
  }
  std::sort(again.begin(), again.end());  // units of one slot keep their order on re-sending
  pending = std::move(again);
  return outcome;
}

Result<std::vector<Reply>> ClusterConnection::Execute(const std::vector<Command>& commands) {
  auto units = SplitUnits(commands);
  if (!units.ok()) return units.status();
  std::vector<Reply> replies(commands.size());
  std::vector<size_t> pending(units->size());
  for (size_t u = 0; u < pending.size(); ++u) pending[u] = u;
  const auto deadline = Clock::now() + options_.retry_for;
  auto pause = std::chrono::milliseconds(20);
  while (true) {
    RoundOutcome outcome = SendRound(commands, *units, pending, replies);
    if (!outcome.fatal.ok()) return outcome.fatal;
    if (pending.empty()) return replies;
    if (Clock::now() >= deadline) {
      return Status::Unavailable("Redis Cluster did not answer within " +
                                 std::to_string(options_.retry_for.count()) +
                                 " ms of retrying: " + outcome.last_error);
    }
    if (outcome.back_off) {
      counters_.retries += static_cast<int64_t>(pending.size());
      // Bounded exponential back-off: a failover takes about a second or more; no reason to
      // hammer the survivors meanwhile, nor to sleep past the deadline.
      std::this_thread::sleep_for(std::min<Clock::duration>(
          pause, std::max<Clock::duration>(deadline - Clock::now(), Clock::duration::zero())));
      pause = std::min(pause * 2, std::chrono::milliseconds(500));
    }
    if (outcome.refresh_map) {
      // Failing here is not final: the next round's send fails and retries until the deadline.
      (void)RefreshSlotMap();
    }
  }
}

Command ClusterConnection::WaitCommand() const {
  return {"WAIT", std::to_string(options_.replica_acks),
          std::to_string(options_.replica_ack_timeout.count())};
}

Status ClusterConnection::CheckReplicaAcks(const std::string& node, const Reply& acks) const {
  if (acks.type == Reply::Type::kInteger && acks.integer >= options_.replica_acks) {
    return Status::Ok();
  }
  return Status::Unavailable("redis " + node + " confirmed the writes on " +
                             (acks.is_error() ? acks.str : std::to_string(acks.integer)) + " of " +
                             std::to_string(options_.replica_acks) + " replicas within " +
                             std::to_string(options_.replica_ack_timeout.count()) +
                             " ms; they may be lost");
}

Result<Reply> ClusterConnection::Run(const Command& command) {
  auto replies = Execute({command});
  if (!replies.ok()) return replies.status();
  return std::move(replies->front());
}

Result<std::vector<Reply>> ClusterConnection::Pipeline(const std::vector<Command>& commands) {
  return Execute(commands);
}

Result<Reply> ClusterConnection::Transaction(const std::vector<Command>& commands) {
  std::vector<Command> wrapped;
  wrapped.reserve(commands.size() + 2);
  wrapped.push_back({"MULTI"});
  wrapped.insert(wrapped.end(), commands.begin(), commands.end());
  wrapped.push_back({"EXEC"});
  auto replies = Execute(wrapped);
  if (!replies.ok()) return replies.status();
  return std::move(replies->back());
}

Result<std::vector<Reply>> ClusterConnection::RunOnEveryMaster(const Command& command) {
  const auto deadline = Clock::now() + options_.retry_for;
  while (true) {
    std::vector<Reply> replies;
    Status failed = Status::Ok();
    for (const auto& master : masters_) {
      auto connection = NodeConnection(master);
      auto reply =
          connection.ok() ? (*connection)->Run(command) : Result<Reply>(connection.status());
      if (!reply.ok()) {
        DropConnection(master);
        failed = reply.status();
        break;
      }
      replies.push_back(std::move(reply).value());
    }
    if (failed.ok()) return replies;
    // A master lost: the command goes again to every master of the new map (it is one that may
    // be repeated: SCRIPT LOAD, FLUSHALL, a read).
    if (Clock::now() >= deadline) {
      return Status::Unavailable("Redis Cluster: " + command[0] +
                                 " did not reach every master: " + failed.message());
    }
    ++counters_.retries;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    (void)RefreshSlotMap();
  }
}

Result<std::vector<Client::Guarded>> ClusterConnection::RunGuarded(std::vector<Guard> guards) {
  std::vector<Guarded> outcomes;
  outcomes.reserve(guards.size());
  for (Guard& guard : guards) {
    const std::string node = MasterOf(KeySlot(guard.key));
    if (node.empty()) {
      (void)RefreshSlotMap();
      return Status::Unavailable("Redis Cluster: no master owns the slot of " + guard.key);
    }
    auto connection = NodeConnection(node);
    std::vector<Guard> one;
    one.push_back(std::move(guard));
    auto guarded = connection.ok() ? (*connection)->RunGuarded(std::move(one))
                                   : Result<std::vector<Guarded>>(connection.status());
    if (!guarded.ok()) {
      // A redirection (the slot moved), a lost master or an error reply: the caller writes again
      // from a fresh check, against a fresh map.
      DropConnection(node);
      (void)RefreshSlotMap();
      return Status::Unavailable("redis " + node + ": " + guarded.status().message());
    }
    if (guarded->front().applied && options_.replica_acks > 0) {
      auto acks = (*connection)->Run(WaitCommand());
      if (!acks.ok()) {
        DropConnection(node);
        return Status::Unavailable("redis " + node + ": " + acks.status().message() +
                                   " while waiting for replicas; the writes may be lost");
      }
      if (Status confirmed = CheckReplicaAcks(node, *acks); !confirmed.ok()) return confirmed;
    }
    outcomes.push_back(std::move(guarded->front()));
  }
  return outcomes;
}

Status ClusterConnection::LoadScript(const Script& script) {
  auto replies = RunOnEveryMaster({"SCRIPT", "LOAD", script.source()});
  if (!replies.ok()) return replies.status();
  for (const auto& reply : *replies) {
    if (reply.is_error()) return Status::Error("SCRIPT LOAD failed: " + reply.str);
  }
  return Status::Ok();
}

std::string ClusterConnection::Describe() const {
  std::string seeds;
  for (const auto& seed : seeds_) seeds += (seeds.empty() ? "" : ",") + seed;
  return "redis cluster " + seeds;
}

Result<std::vector<Reply>> ClusterConnection::RunScript(const Script& script,
                                                        const std::vector<Command>& calls) {
  auto replies = Execute(calls);
  if (!replies.ok()) return replies;
  std::vector<size_t> missing;
  for (size_t i = 0; i < replies->size(); ++i) {
    const Reply& reply = (*replies)[i];
    if (reply.is_error() && StartsWith(reply.str, "NOSCRIPT")) missing.push_back(i);
  }
  if (missing.empty()) return replies;
  // A call answered NOSCRIPT did nothing, so running exactly those again is safe (as in
  // Script::RunPipelined). Every master gets the script: slots move between them.
  auto loaded = RunOnEveryMaster({"SCRIPT", "LOAD", script.source()});
  if (!loaded.ok()) return loaded.status();
  for (const Reply& reply : *loaded) {
    if (reply.is_error()) return Status::Error("SCRIPT LOAD failed: " + reply.str);
  }
  std::vector<Command> again;
  again.reserve(missing.size());
  for (size_t i : missing) again.push_back(calls[i]);
  auto retried = Execute(again);
  if (!retried.ok()) return retried;
  for (size_t j = 0; j < missing.size(); ++j) (*replies)[missing[j]] = std::move((*retried)[j]);
  return replies;
}

}  // namespace hattama::redis
