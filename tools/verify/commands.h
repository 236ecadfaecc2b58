// hattama-verify's commands, one function each in a file of its own (main.cc parses the flags and
// calls one). Every command prints one line a finding on stdout and a summary line last, progress
// on stderr, and exits with one of the statuses below.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "common/base/result.h"
#include "tools/verify/log_client.h"

namespace hattama::verify {

// Exit statuses: 0 only when everything checked holds; 1 when something does not (a finding);
// 2 when the command could not check (bad usage, an unreadable file, a log it cannot reach or
// that answers beyond a limit).
inline constexpr int kHolds = 0;
inline constexpr int kDoesNotHold = 1;
inline constexpr int kCannotCheck = 2;

// The flags naming the log and bounding what is read from it, shared by the commands.
struct LogFlags {
  std::string url;
  std::string key;
  int connect_timeout_seconds = 10;
  int request_timeout_seconds = 30;
  std::size_t max_answer_bytes = std::size_t{1} << 20;
  std::int64_t max_tree_size = 20'000'000;
};

// Adds --log-url, --log-key and the limits to `command`.
void AddLogFlags(CLI::App& command, LogFlags& flags);
// The verifier key of --log-key (the key text, or @FILE); InvalidArgument naming what is wrong.
Result<tlog::NoteVerifier> LogKeyOf(const LogFlags& flags);
// A client of --log-url with --log-key and the limits.
Result<std::unique_ptr<LogClient>> ConnectLog(const LogFlags& flags);

// The exit status for a failure of the log client: kDoesNotHold for what does not verify
// (InvalidArgument) or is missing (NotFound), kCannotCheck for everything else.
int ExitStatusOf(const Status& status);
// Prints "hattama-verify <command>: <message>" on stderr and returns kCannotCheck.
int CannotCheck(const std::string& command, const std::string& message);

// Reports a failure to fetch or open the log's checkpoint: a signature or format that does not
// hold is a finding ("CHECKPOINT DOES NOT VERIFY: …", kDoesNotHold), anything else kCannotCheck.
int CheckpointFailure(const std::string& command, const Status& status);

// The log of --log-url and its latest checkpoint, verified (and said so on stderr).
struct OpenedLog {
  std::unique_ptr<LogClient> client;
  VerifiedCheckpoint checkpoint;
};
// The log and its checkpoint, or the exit status to end `command` with (having said why).
std::variant<OpenedLog, int> OpenLog(const std::string& command, const LogFlags& flags);

// The checkpoint's one-line description: "<origin> size <n> root <base64>".
std::string Describe(const tlog::Checkpoint& checkpoint);

struct InclusionArgs {
  LogFlags log;
  std::string answers_file;
};
int Inclusion(const InclusionArgs& args);

struct ConsistencyArgs {
  LogFlags log;
  std::string old_checkpoint;
  std::string new_checkpoint;  // empty: the log's latest (--log-url)
  std::string save;            // empty: nothing saved
};
int Consistency(const ConsistencyArgs& args);

struct SignaturesArgs {
  LogFlags log;
  std::string registry_dir;
};
int Signatures(const SignaturesArgs& args);

struct RecountArgs {
  LogFlags log;
  std::string publication_url;
  std::string registry_dir;
  int position_wait_seconds = 10;
};
// hattama-verify recount (recount_command.cc; the rule in recount.h).
int RecountTotals(const RecountArgs& args);

struct CosignedArgs {
  LogFlags log;
  // Verifier keys (cosignature/v1) of the witnesses to require, or @FILE of such keys.
  std::vector<std::string> witnesses;
};
int Cosigned(const CosignedArgs& args);

struct WitnessArgs {
  LogFlags log;
  std::string witness_key;
  std::string state;
  int interval_seconds = 60;
  bool once = false;
};
int Witness(const WitnessArgs& args);
// Writes a new cosignature/v1 key named `name`: `path` (0600, never over an existing file) and
// `path`.pub (the verifier key for the log's operator).
int WitnessKeygen(const std::string& name, const std::string& path);

}  // namespace hattama::verify
