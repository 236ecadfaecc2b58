#include "common/redis/redis.h"

#include <hiredis/hiredis.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <utility>

#include "common/base/digest.h"

namespace hattama::redis {
// Not in the anonymous namespace: Connection::Impl, which has external linkage, holds one, and
// GCC warns of that where this file is not the translation unit's main file (a unity build).
struct ContextDeleter {
  void operator()(redisContext* context) const { redisFree(context); }
};
using ContextPtr = std::unique_ptr<redisContext, ContextDeleter>;

namespace {

struct ReplyDeleter {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

timeval ToTimeval(std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  return tv;
}

Reply Convert(const redisReply& raw) {
  Reply reply;
  switch (raw.type) {
    case REDIS_REPLY_STRING:
      reply.type = Reply::Type::kString;
      reply.str.assign(raw.str, raw.len);
      break;
    case REDIS_REPLY_STATUS:
      reply.type = Reply::Type::kStatus;
      reply.str.assign(raw.str, raw.len);
      break;
    case REDIS_REPLY_ERROR:
      reply.type = Reply::Type::kError;
      reply.str.assign(raw.str, raw.len);
      break;
    case REDIS_REPLY_INTEGER:
      reply.type = Reply::Type::kInteger;
      reply.integer = raw.integer;
      break;
    case REDIS_REPLY_ARRAY:
      reply.type = Reply::Type::kArray;
      reply.elements.reserve(raw.elements);
      for (size_t i = 0; i < raw.elements; ++i) reply.elements.push_back(Convert(*raw.element[i]));
      break;
    default:
      reply.type = Reply::Type::kNil;
  }
  return reply;
}

std::string Sha1Hex(const std::string& text) { return Hex(Sha1(text)); }

// Commands queued past this many bytes are sent before more are formatted, so that a pipeline of
// any size costs one pass over its bytes and this much memory.
constexpr size_t kSendChunkBytes = 256 * 1024;

// Appends `number` in decimal.
void AppendNumber(std::string& out, size_t number) {
  char digits[24];
  auto [end, error] = std::to_chars(digits, digits + sizeof digits, number);
  out.append(digits, end);
}

bool IsNoScript(const Reply& reply) {
  return reply.is_error() && reply.str.rfind("NOSCRIPT", 0) == 0;
}

}  // namespace

class Connection::Impl {
 public:
  Impl(ContextPtr context, std::string address)
      : context_(std::move(context)), address_(std::move(address)) {}

  // Queues `command`, in Redis's protocol (RESP), in our own buffer, sent a chunk at a time as
  // it fills and whatever is left before a reply is read. Not hiredis' redisAppendCommandArgv:
  // that formats each command into a string of its own, then copies it onto an output buffer
  // that grows by 1 MiB at a time past its first MiB, so a rebuild's pipeline of tens of MB was
  // copied again at every MiB; in a profile of a rebuild, formatting and those copies were a
  // quarter of the process's CPU (with the page faults of the growing buffer).
  void Append(const Command& command) {
    pending_ += '*';
    AppendNumber(pending_, command.size());
    pending_ += "\r\n";
    for (const auto& arg : command) {
      pending_ += '$';
      AppendNumber(pending_, arg.size());
      pending_ += "\r\n";
      pending_ += arg;
      pending_ += "\r\n";
    }
    if (pending_.size() >= kSendChunkBytes) Send();
  }

  // Reads the next reply, sending what is queued first. An I/O error leaves the context
  // unusable, so every later call fails too: the caller must connect again.
  Result<Reply> Next() {
    if (!broken_) Send();
    if (broken_) {
      return Status::Error("redis " + address_ + ": " +
                           (error_.empty() ? "connection lost earlier" : error_));
    }
    void* raw = nullptr;
    if (redisGetReply(context_.get(), &raw) != REDIS_OK || raw == nullptr) {
      broken_ = true;
      return Status::Error("redis " + address_ + ": " +
                           (context_->err ? std::string(context_->errstr) : "no reply"));
    }
    ReplyPtr reply(static_cast<redisReply*>(raw));
    return Convert(*reply);
  }

  const std::string& address() const { return address_; }

 private:
  // Writes the queued commands on hiredis' socket (its output buffer stays empty, so its reads
  // find nothing of ours to send first); the socket's send timeout (redisSetTimeout) bounds each
  // write. A failure breaks the connection.
  void Send() {
    size_t sent = 0;
    while (!broken_ && sent < pending_.size()) {
      const ssize_t written =
          ::send(context_->fd, pending_.data() + sent, pending_.size() - sent, MSG_NOSIGNAL);
      if (written > 0) {
        sent += static_cast<size_t>(written);
      } else if (written < 0 && errno == EINTR) {
        continue;
      } else {
        broken_ = true;
        error_ = written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)
                     ? "timed out sending"
                     : std::string("sending: ") + std::strerror(written < 0 ? errno : EPIPE);
      }
    }
    pending_.clear();
    if (pending_.capacity() > 4 * kSendChunkBytes) pending_.shrink_to_fit();
  }

  ContextPtr context_;
  std::string address_;
  bool broken_ = false;
  std::string error_;    // Why the connection broke, when we noticed it sending.
  std::string pending_;  // Commands queued and not sent yet, in RESP.
};

Connection::Connection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Connection::~Connection() = default;

Result<std::unique_ptr<Connection>> Connection::Connect(const std::string& address,
                                                        std::chrono::milliseconds timeout) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos) {
    return Status::Error("redis address \"" + address + "\" is not host:port");
  }
  std::string host = address.substr(0, colon);
  int port = 0;
  auto port_text = std::string_view(address).substr(colon + 1);
  auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (error != std::errc() || end != port_text.data() + port_text.size() || port <= 0 ||
      port > 65535) {
    return Status::Error("redis address \"" + address + "\" has no valid port");
  }
  ContextPtr context(redisConnectWithTimeout(host.c_str(), port, ToTimeval(timeout)));
  if (context == nullptr) return Status::Error("redis " + address + ": cannot allocate context");
  if (context->err) {
    return Status::Error("redis " + address + ": " + std::string(context->errstr));
  }
  // The same bound on every read and write: a Redis that stops answering is treated as lost.
  if (redisSetTimeout(context.get(), ToTimeval(timeout)) != REDIS_OK) {
    return Status::Error("redis " + address + ": cannot set timeout");
  }
  redisEnableKeepAlive(context.get());
  return std::unique_ptr<Connection>(
      new Connection(std::make_unique<Impl>(std::move(context), address)));
}

Result<Reply> Connection::Run(const Command& command) {
  impl_->Append(command);
  return impl_->Next();
}

Status Ping(const std::string& address, std::chrono::milliseconds timeout) {
  auto connection = Connection::Connect(address, timeout);
  if (!connection.ok()) return connection.status();
  auto pong = (*connection)->Run({"PING"});
  if (!pong.ok()) return pong.status();
  if (pong->type == Reply::Type::kError)
    return Status::Error("redis " + address + ": " + pong->str);
  return Status::Ok();
}

Result<std::vector<Reply>> Connection::Pipeline(const std::vector<Command>& commands) {
  for (const auto& command : commands) impl_->Append(command);
  std::vector<Reply> replies;
  replies.reserve(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    auto reply = impl_->Next();
    if (!reply.ok()) return reply.status();
    replies.push_back(std::move(reply).value());
  }
  return replies;
}

Result<std::vector<Reply>> Connection::RunScript(const Script& script,
                                                 const std::vector<Command>& calls) {
  return script.RunPipelined(*this, calls);
}

Status Connection::LoadScript(const Script& script) { return script.Load(*this); }

Result<std::vector<Client::Guarded>> Connection::RunGuarded(std::vector<Guard> guards) {
  std::vector<Guarded> outcomes(guards.size());
  if (guards.empty()) return outcomes;
  Command watch = {"WATCH"};
  Command read = {"MGET"};
  for (const Guard& guard : guards) {
    watch.push_back(guard.key);
    read.push_back(guard.key);
  }
  auto checked = Pipeline({watch, read});
  if (!checked.ok()) return checked.status();
  for (const Reply& reply : *checked) {
    if (reply.is_error()) {
      (void)Run({"UNWATCH"});
      return Status::Error("checking " + guards.front().key + " ...: " + reply.str);
    }
  }
  const Reply& held = (*checked)[1];
  if (held.elements.size() != guards.size()) {
    (void)Run({"UNWATCH"});
    return Status::Error("MGET of the guarded keys answered " +
                         std::to_string(held.elements.size()) + " values for " +
                         std::to_string(guards.size()) + " keys");
  }
  std::vector<Command> transaction = {{"MULTI"}};
  std::vector<size_t> running;  // The guards whose commands are in the transaction.
  for (size_t g = 0; g < guards.size(); ++g) {
    const Reply& value = held.elements[g];
    std::string found = value.type == Reply::Type::kNil ? "0" : value.str;
    if (found != guards[g].expected) {
      outcomes[g].found = std::move(found);
      continue;
    }
    running.push_back(g);
    for (Command& command : guards[g].commands) transaction.push_back(std::move(command));
  }
  if (running.empty()) {
    auto unwatched = Run({"UNWATCH"});
    if (!unwatched.ok()) return unwatched.status();
    return outcomes;
  }
  transaction.push_back({"EXEC"});
  auto replies = Pipeline(transaction);
  if (!replies.ok()) return replies.status();
  Reply& exec = replies->back();
  // A command Redis refused to queue makes EXEC answer EXECABORT: nothing ran.
  if (exec.is_error())
    return Status::Error("writing under " + guards.front().key + ": " + exec.str);
  if (exec.type == Reply::Type::kNil) return outcomes;  // Aborted: a watched key was written.
  size_t at = 0;
  for (size_t g : running) {
    const size_t count = guards[g].commands.size();
    if (at + count > exec.elements.size()) {
      return Status::Error("EXEC answered " + std::to_string(exec.elements.size()) +
                           " replies for more commands");
    }
    outcomes[g].applied = true;
    outcomes[g].found = guards[g].expected;
    outcomes[g].replies.assign(std::make_move_iterator(exec.elements.begin() + at),
                               std::make_move_iterator(exec.elements.begin() + at + count));
    at += count;
  }
  return outcomes;
}

std::string Connection::Describe() const { return "redis " + impl_->address(); }

Script::Script(std::string source) : source_(std::move(source)), sha_(Sha1Hex(source_)) {}

Command Script::Call(const std::vector<std::string>& keys,
                     const std::vector<std::string>& args) const {
  Command command;
  command.reserve(3 + keys.size() + args.size());
  command.push_back("EVALSHA");
  command.push_back(sha_);
  command.push_back(std::to_string(keys.size()));
  command.insert(command.end(), keys.begin(), keys.end());
  command.insert(command.end(), args.begin(), args.end());
  return command;
}

Status Script::Load(Connection& connection) const {
  auto reply = connection.Run({"SCRIPT", "LOAD", source_});
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) return Status::Error("SCRIPT LOAD failed: " + reply->str);
  if (reply->str != sha_) {
    return Status::Error("SCRIPT LOAD returned sha " + reply->str + ", expected " + sha_);
  }
  return Status::Ok();
}

Result<std::vector<Reply>> Script::RunPipelined(Connection& connection,
                                                const std::vector<Command>& calls) const {
  auto replies = connection.Pipeline(calls);
  if (!replies.ok()) return replies;
  std::vector<size_t> missing;
  for (size_t i = 0; i < replies->size(); ++i) {
    if (IsNoScript((*replies)[i])) missing.push_back(i);
  }
  if (missing.empty()) return replies;
  // Redis lost its script cache (restart, failover, SCRIPT FLUSH). A call answered NOSCRIPT did
  // nothing, so running exactly those again after loading is safe whatever the script does. They
  // keep their relative order; they are a suffix of `calls` (so the overall order holds too)
  // unless another client reloaded the script in the middle of this pipeline.
  auto loaded = Load(connection);
  if (!loaded.ok()) return loaded;
  std::vector<Command> again;
  again.reserve(missing.size());
  for (size_t i : missing) again.push_back(calls[i]);
  auto retried = connection.Pipeline(again);
  if (!retried.ok()) return retried;
  for (size_t j = 0; j < missing.size(); ++j) {
    (*replies)[missing[j]] = std::move((*retried)[j]);
  }
  return replies;
}

}  // namespace hattama::redis
