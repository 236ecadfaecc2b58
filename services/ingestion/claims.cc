#include "services/ingestion/claims.h"

#include <spdlog/spdlog.h>

#include <utility>
#include <vector>

#include "common/base/digest.h"
#include "common/redis/layout.h"

namespace hattama::ingestion {
namespace {

// The key (hattama:claim:<submission_id> or hattama:claim-event:<event_id>) holds 'pending
// <digest>' or 'durable <digest>' (the hex digest of the content), and is never deleted.
// A claim is one command, SET <key> 'pending <digest>' NX GET (Redis 7.0 on): it sets the key only
// when absent and answers what it held, so it answers (ClaimAnswer)
//   'new'      absent: now 'pending <digest>'
//   'pending'  'pending <digest>' already
//   'durable'  'durable <digest>' already
//   'reused'   held by another digest; unchanged
// A confirm needs a compare-and-set, which Redis 7.0 has only as a script:
// KEYS[1] the key, ARGV[1] the hex digest; it answers
//   'made'     'pending <digest>' is now 'durable <digest>'; also when the key is absent (Redis
//              lost it): the content is in the log, so it owns the id
//   'durable'  'durable <digest>' already: another copy made it
//   'reused'   held by another digest; unchanged
// The claim was a script too: a script call cost Redis 11 us where the SET costs 2 (INFO
// commandstats, a million-station benchmark), and claims were a quarter of Redis's time.
constexpr char kConfirmScript[] = R"lua(
local held = redis.call('GET', KEYS[1])
local durable = 'durable ' .. ARGV[1]
if not held or held == 'pending ' .. ARGV[1] then
  redis.call('SET', KEYS[1], durable)
  return 'made'
end
if held == durable then return 'durable' end
return 'reused'
)lua";

// What a claim's SET ... NX GET answered, as the word of the table above.
std::string ClaimAnswer(const redis::Reply& reply, const std::string& digest) {
  if (reply.type == redis::Reply::Type::kNil) return "new";
  if (reply.str == "pending " + digest) return "pending";
  if (reply.str == "durable " + digest) return "durable";
  return "reused";
}

Result<ClaimState> ParseClaim(const Result<std::string>& answer) {
  if (!answer.ok()) return answer.status();
  if (*answer == "new") return ClaimState::kNew;
  if (*answer == "pending") return ClaimState::kPendingSame;
  if (*answer == "durable") return ClaimState::kDurableSame;
  if (*answer == "reused") return ClaimState::kReused;
  return Status::Internal("the claim answered '" + *answer + "'");
}

Result<bool> ParseConfirm(const Result<std::string>& answer) {
  if (!answer.ok()) return answer.status();
  if (*answer == "made") return true;
  if (*answer == "durable") return false;
  if (*answer == "reused") {
    return Status::FailedPrecondition("the id is claimed by other content");
  }
  return Status::Internal("the claim script answered '" + *answer + "'");
}

}  // namespace

std::string ClaimKey(IdKind kind, const std::string& id) {
  return kind == IdKind::kSubmission ? redis::layout::ClaimKey(id)
                                     : redis::layout::EventClaimKey(id);
}

Claims::Claims(Options options)
    : options_(std::move(options)), script_(kConfirmScript), worker_([this] { Run(); }) {}

Claims::~Claims() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  worker_.join();
}

void Claims::Claim(IdKind kind, const std::string& id, const std::string& digest, ClaimDone done) {
  Enqueue(
      {.key = ClaimKey(kind, id),
       .confirm = false,
       .digest = Hex(digest),
       .done = [done = std::move(done)](Result<std::string> answer) { done(ParseClaim(answer)); }});
}

void Claims::Confirm(IdKind kind, const std::string& id, const std::string& digest,
                     ConfirmDone done) {
  Enqueue({.key = ClaimKey(kind, id),
           .confirm = true,
           .digest = Hex(digest),
           .done = [done = std::move(done)](Result<std::string> answer) {
             done(ParseConfirm(answer));
           }});
}

void Claims::Enqueue(Call call) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(call));
  }
  wake_.notify_one();
}

void Claims::WaitIdle() {
  std::unique_lock lock(mu_);
  idle_.wait(lock, [&] { return queue_.empty() && !busy_; });
}

void Claims::Run() {
  for (;;) {
    std::deque<Call> batch;
    {
      std::unique_lock lock(mu_);
      busy_ = false;
      if (queue_.empty()) idle_.notify_all();
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      // Stopping still runs what is queued: a confirm queued by a late Kafka delivery is made,
      // so the resend after a restart is answered DUPLICATE rather than written again.
      if (queue_.empty()) return;
      busy_ = true;
      while (!queue_.empty() && batch.size() < options_.max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    std::vector<Result<std::string>> answers = RoundTrip(batch);
    for (size_t i = 0; i < batch.size(); ++i) batch[i].done(std::move(answers[i]));
  }
}

std::vector<Result<std::string>> Claims::RoundTrip(const std::deque<Call>& batch) {
  auto fail_all = [&](const std::string& why) {
    spdlog::warn("id claims: {} ({} calls fail UNAVAILABLE)", why, batch.size());
    return std::vector<Result<std::string>>(batch.size(), Status::Unavailable(why));
  };
  if (!connection_) {
    auto connected = redis::ConnectClient(options_.redis);
    if (!connected.ok()) return fail_all(connected.status().message());
    connection_ = std::move(connected).value();
  }
  std::vector<redis::Command> calls;
  calls.reserve(batch.size());
  for (const Call& call : batch) {
    calls.push_back(call.confirm
                        ? script_.Call({call.key}, {call.digest})
                        : redis::Command{"SET", call.key, "pending " + call.digest, "NX", "GET"});
  }
  // Should Redis have lost its scripts, only the confirms are sent again, after the claims of
  // the batch: a resend's claim may then find its first copy still pending instead of durable, and
  // is written to the log again (harmless: aggregation ignores an id+digest it applied) to be
  // answered DUPLICATE once its confirm finds the first copy's.
  auto replies = connection_->RunScript(script_, calls);
  if (!replies.ok()) {
    connection_.reset();  // Unusable after an I/O failure: the next round trip connects again.
    return fail_all(replies.status().message());
  }
  std::vector<Result<std::string>> answers;
  answers.reserve(batch.size());
  for (size_t i = 0; i < replies->size(); ++i) {
    const redis::Reply& reply = (*replies)[i];
    if (!batch[i].confirm && !reply.is_error()) {
      answers.emplace_back(ClaimAnswer(reply, batch[i].digest));
    } else if (reply.type == redis::Reply::Type::kString ||
               reply.type == redis::Reply::Type::kStatus) {
      answers.emplace_back(reply.str);
    } else {
      // E.g. OOM or a replica that is read-only: Redis is there but cannot take the claim now.
      // A Redis older than 7.0 refuses SET with both NX and GET as a syntax error.
      const bool too_old = !batch[i].confirm && reply.str.find("syntax") != std::string::npos;
      answers.emplace_back(Status::Unavailable(
          connection_->Describe() + " refused an id claim: " + reply.str +
          (too_old ? " (a claim is SET ... NX GET, which needs Redis 7.0 or later)" : "")));
    }
  }
  return answers;
}

}  // namespace hattama::ingestion
