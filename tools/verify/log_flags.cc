// The flags every command shares (commands.h): where the log is, its key, and the bounds on what
// is read from it.
#include <fmt/format.h>

#include "common/config/config.h"
#include "common/tlog/hash.h"
#include "common/tlog/note_key.h"
#include "tools/verify/commands.h"

namespace hattama::verify {

void AddLogFlags(CLI::App& command, LogFlags& flags) {
  config::AddFlag(command, "log-url", flags.url,
                  "HTTP address of the log (hattama-tlog's --http-listen), e.g. "
                  "http://127.0.0.1:8084; its files are under URL/tlog/, its API under URL/v1/");
  config::AddFlag(command, "log-key", flags.key,
                  "The log's verifier key <name>+<hash>+<base64>, or @FILE holding it (take it "
                  "from the operator, never from the log itself)");
  config::AddFlag(command, "connect-timeout", flags.connect_timeout_seconds,
                  "Seconds to connect to the log");
  config::AddFlag(command, "request-timeout", flags.request_timeout_seconds,
                  "Seconds for one request, its whole answer included");
  config::AddFlag(command, "max-answer-bytes", flags.max_answer_bytes,
                  "Bytes of one JSON answer or checkpoint (an entry bundle is bounded by its "
                  "format: 16,777,472 bytes)");
  config::AddFlag(command, "max-tree-size", flags.max_tree_size,
                  "Leaves to download at most (entries are streamed: memory stays small)");
}

Result<tlog::NoteVerifier> LogKeyOf(const LogFlags& flags) {
  if (flags.key.empty()) return Status::InvalidArgument("--log-key is required");
  return tlog::ReadLogVerifierKey(flags.key);
}

Result<std::unique_ptr<LogClient>> ConnectLog(const LogFlags& flags) {
  if (flags.url.empty()) return Status::InvalidArgument("--log-url is required");
  auto key = LogKeyOf(flags);
  if (!key.ok()) return key.status();
  if (flags.connect_timeout_seconds <= 0 || flags.request_timeout_seconds <= 0 ||
      flags.max_answer_bytes == 0 || flags.max_tree_size < 0) {
    return Status::InvalidArgument("the timeouts and --max-answer-bytes are positive");
  }
  LogLimits limits{.http = {.connect_timeout = std::chrono::seconds(flags.connect_timeout_seconds),
                            .request_timeout = std::chrono::seconds(flags.request_timeout_seconds)},
                   .max_answer_bytes = flags.max_answer_bytes,
                   .max_tree_size = flags.max_tree_size};
  return LogClient::Create(flags.url, std::move(key).value(), limits);
}

int ExitStatusOf(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return kHolds;
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotFound:
      return kDoesNotHold;
    default:
      return kCannotCheck;
  }
}

int CannotCheck(const std::string& command, const std::string& message) {
  std::fprintf(stderr, "hattama-verify %s: %s\n", command.c_str(), message.c_str());
  return kCannotCheck;
}

int CheckpointFailure(const std::string& command, const Status& status) {
  if (ExitStatusOf(status) == kCannotCheck) return CannotCheck(command, status.message());
  std::printf("CHECKPOINT DOES NOT VERIFY: %s\n", status.message().c_str());
  return kDoesNotHold;
}

std::variant<OpenedLog, int> OpenLog(const std::string& command, const LogFlags& flags) {
  auto client = ConnectLog(flags);
  if (!client.ok()) return CannotCheck(command, client.status().message());
  auto checkpoint = (*client)->FetchCheckpoint();
  if (!checkpoint.ok()) return CheckpointFailure(command, checkpoint.status());
  std::fprintf(stderr, "checkpoint verified: %s\n", Describe(checkpoint->checkpoint).c_str());
  return OpenedLog{.client = std::move(client).value(),
                   .checkpoint = std::move(checkpoint).value()};
}

std::string Describe(const tlog::Checkpoint& checkpoint) {
  return fmt::format("{} size {} root {}", checkpoint.origin, checkpoint.size,
                     tlog::HashToBase64(checkpoint.root));
}

}  // namespace hattama::verify
