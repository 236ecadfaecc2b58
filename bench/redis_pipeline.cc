#include "bench/redis_pipeline.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <thread>
#include <vector>

namespace hattama::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct ContextDeleter {
  void operator()(redisContext* context) const { redisFree(context); }
};
using Context = std::unique_ptr<redisContext, ContextDeleter>;

Result<Context> Connect(int port) {
  Context context(redisConnect("127.0.0.1", port));
  if (!context) return Status::Error("cannot allocate a hiredis context");
  if (context->err != 0) {
    return Status::Unavailable(std::string("cannot connect to redis: ") + context->errstr);
  }
  return context;
}

// Writes `commands` (`count` of them, in RESP) and reads every reply; the first error reply as an
// error, after all replies were read.
Status RoundTrip(redisContext* context, const std::string& commands, int count) {
  if (redisAppendFormattedCommand(context, commands.data(), commands.size()) != REDIS_OK) {
    return Status::Unavailable(std::string("redis: ") + context->errstr);
  }
  std::string first_error;
  for (int i = 0; i < count; ++i) {
    void* raw = nullptr;
    if (redisGetReply(context, &raw) != REDIS_OK) {
      return Status::Unavailable(std::string("redis: ") + context->errstr);
    }
    auto* reply = static_cast<redisReply*>(raw);
    if (reply->type == REDIS_REPLY_ERROR && first_error.empty()) {
      first_error.assign(reply->str, reply->len);
    }
    freeReplyObject(reply);
  }
  if (!first_error.empty()) return Status::Error("redis answered an error: " + first_error);
  return Status::Ok();
}

// Connections made before any clock starts.
Result<std::vector<Context>> ConnectAll(int port, int n) {
  std::vector<Context> contexts;
  for (int i = 0; i < n; ++i) {
    auto context = Connect(port);
    if (!context.ok()) return context.status();
    contexts.push_back(std::move(context).value());
  }
  return contexts;
}

Status FirstError(const std::vector<Status>& statuses) {
  for (const Status& status : statuses) {
    if (!status.ok()) return status;
  }
  return Status::Ok();
}

}  // namespace

void AppendCommand(std::string& out, std::span<const std::string_view> args) {
  out += '*';
  out += std::to_string(args.size());
  out += "\r\n";
  for (std::string_view arg : args) {
    out += '$';
    out += std::to_string(arg.size());
    out += "\r\n";
    out += arg;
    out += "\r\n";
  }
}

Result<double> PipelinedRate(const PipelineOptions& options, const UnitWriter& write) {
  auto contexts = ConnectAll(options.port, options.connections);
  if (!contexts.ok()) return contexts.status();
  std::atomic<int64_t> next{0};
  std::vector<Status> statuses(contexts->size(), Status::Ok());
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  for (size_t c = 0; c < contexts->size(); ++c) {
    threads.emplace_back([&, c] {
      std::string commands;
      for (;;) {
        const int64_t first = next.fetch_add(options.depth);
        if (first >= options.units) return;
        const int64_t end = std::min(first + options.depth, options.units);
        commands.clear();
        int count = 0;
        for (int64_t unit = first; unit < end; ++unit) count += write(unit, commands);
        statuses[c] = RoundTrip((*contexts)[c].get(), commands, count);
        if (!statuses[c].ok()) return;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (Status failed = FirstError(statuses); !failed.ok()) return failed;
  return static_cast<double>(options.units) / seconds;
}

Result<double> UnpipelinedRate(int port, int clients, std::chrono::milliseconds duration,
                               const std::function<void(int64_t n, std::string& out)>& write) {
  auto contexts = ConnectAll(port, clients);
  if (!contexts.ok()) return contexts.status();
  std::atomic<int64_t> done{0};
  std::vector<Status> statuses(contexts->size(), Status::Ok());
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  const auto end = start + duration;
  for (size_t c = 0; c < contexts->size(); ++c) {
    threads.emplace_back([&, c] {
      std::string command;
      int64_t mine = 0;
      while (Clock::now() < end) {
        command.clear();
        write(static_cast<int64_t>(c) + mine * clients, command);
        statuses[c] = RoundTrip((*contexts)[c].get(), command, 1);
        if (!statuses[c].ok()) break;
        ++mine;
      }
      done += mine;
    });
  }
  for (auto& thread : threads) thread.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (Status failed = FirstError(statuses); !failed.ok()) return failed;
  return static_cast<double>(done.load()) / seconds;
}

}  // namespace hattama::bench
