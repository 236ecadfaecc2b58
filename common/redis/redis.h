// The one Redis client of Hattama: a thin RAII wrapper over a synchronous hiredis connection.
// A Connection is used by one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/base/result.h"

namespace hattama::redis {

struct Reply {
  enum class Type { kNil, kString, kInteger, kArray, kStatus, kError };
  Type type = Type::kNil;
  std::string str;  // kString, kStatus, kError
  int64_t integer = 0;
  std::vector<Reply> elements;  // kArray

  bool is_error() const { return type == Type::kError; }
};

using Command = std::vector<std::string>;

class Script;

// What a service needs of Redis, one server (Connection) or a cluster (ClusterConnection): see
// client.h for how a service gets one.
class Client {
 public:
  virtual ~Client() = default;

  // One command; a Redis error reply is a Reply of type kError, a failure to get any answer a
  // Status (connect again: ConnectClient).
  virtual Result<Reply> Run(const Command& command) = 0;
  // One reply per command, in the order given, in one round trip per node. MULTI ... EXEC groups
  // inside `commands` run whole on one node.
  virtual Result<std::vector<Reply>> Pipeline(const std::vector<Command>& commands) = 0;
  // Calls of `script` (from Script::Call) pipelined; calls answered NOSCRIPT (a restarted or newly
  // promoted node) are run again after the script is loaded.
  virtual Result<std::vector<Reply>> RunScript(const Script& script,
                                               const std::vector<Command>& calls) = 0;
  // SCRIPT LOAD on every node that may run it (up front, so NOSCRIPT stays rare).
  virtual Status LoadScript(const Script& script) = 0;
  // "redis host:port" or "redis cluster host:port,...": for logs and errors.
  virtual std::string Describe() const = 0;

  // One compare-and-set of RunGuarded: `commands`, to run only while `key` holds `expected`
  // (absent reads as "0"). Every key of `commands` shares `key`'s slot.
  struct Guard {
    std::string key;
    std::string expected;
    std::vector<Command> commands;
  };
  // What RunGuarded did with one guard.
  struct Guarded {
    bool applied = false;
    // Not applied: what `key` held when checked ("0" when absent), or "" when it held `expected`
    // but someone wrote one of the guarded keys before EXEC.
    std::string found;
    std::vector<Reply> replies;  // Applied: the reply of each command.
  };
  // Compare-and-set over transactions, without Lua (a script pays about 4 us of Redis's time per
  // command it calls, more than most commands take): WATCH every guard's key and read them, then
  // run the commands of the guards whose key holds what was expected in MULTI ... EXEC, which
  // Redis aborts (none applied) if anyone wrote a watched key since the WATCH. Two round trips for
  // all the guards of one server; on a cluster, each guard on its own on the master of its slot.
  // One outcome per guard, in order. Never re-sent on another connection (a WATCH is lost with
  // its connection): a broken connection, a redirection or an error reply is a Status, and the
  // caller decides what to do again.
  virtual Result<std::vector<Guarded>> RunGuarded(std::vector<Guard> guards) = 0;
};

class Connection final : public Client {
 public:
  // `address` is "host:port".
  static Result<std::unique_ptr<Connection>> Connect(const std::string& address,
                                                     std::chrono::milliseconds timeout);
  ~Connection();

  // One command; a Redis error reply is returned as a Reply of type kError, an I/O failure as a
  // Status (the connection is then unusable; connect again).
  Result<Reply> Run(const Command& command) override;
  // Sends every command in one write and reads the replies in order: one round trip.
  Result<std::vector<Reply>> Pipeline(const std::vector<Command>& commands) override;
  Result<std::vector<Reply>> RunScript(const Script& script,
                                       const std::vector<Command>& calls) override;
  Status LoadScript(const Script& script) override;
  std::string Describe() const override;
  Result<std::vector<Guarded>> RunGuarded(std::vector<Guard> guards) override;

  class Impl;

 private:
  explicit Connection(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Connects to `address` and sends PING: Ok when Redis answers PONG (a readiness check).
Status Ping(const std::string& address, std::chrono::milliseconds timeout);

// A Lua script loaded once and called by SHA; reloaded when Redis answers NOSCRIPT (after a
// restart or SCRIPT FLUSH).
class Script {
 public:
  explicit Script(std::string source);
  const std::string& sha() const { return sha_; }
  const std::string& source() const { return source_; }
  // EVALSHA sha numkeys keys... args...
  Command Call(const std::vector<std::string>& keys, const std::vector<std::string>& args) const;
  // Loads the script into the connected Redis (SCRIPT LOAD).
  Status Load(Connection& connection) const;
  // Runs `calls` (from Call) pipelined; when any answers NOSCRIPT, loads the script and runs those
  // again. Returns one reply per call.
  Result<std::vector<Reply>> RunPipelined(Connection& connection,
                                          const std::vector<Command>& calls) const;

 private:
  std::string source_;
  std::string sha_;
};

}  // namespace hattama::redis
