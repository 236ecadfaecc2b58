// The id claims, the one authority every ingestion replica asks, against a real redis-server.
#include "services/ingestion/claims.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/base/digest.h"
#include "common/redis/redis.h"
#include "tools/stack/stack.h"

namespace hattama::ingestion {
namespace {

using namespace std::chrono_literals;

// Synchronous calls over the asynchronous Claims, for the test's readability.
Result<ClaimState> ClaimNow(Claims& claims, IdKind kind, const std::string& id,
                            const std::string& digest) {
  std::promise<Result<ClaimState>> answer;
  auto future = answer.get_future();
  claims.Claim(kind, id, digest, [&](Result<ClaimState> state) { answer.set_value(state); });
  return future.get();
}

Result<bool> ConfirmNow(Claims& claims, IdKind kind, const std::string& id,
                        const std::string& digest) {
  std::promise<Result<bool>> answer;
  auto future = answer.get_future();
  claims.Confirm(kind, id, digest, [&](Result<bool> made) { answer.set_value(made); });
  return future.get();
}

class ClaimsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto redis = stack::RedisServer::Start();
    ASSERT_TRUE(redis.ok()) << redis.status().message();
    redis_ = std::move(redis).value().release();
  }
  static void TearDownTestSuite() {
    delete redis_;
    redis_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(redis_, nullptr);
    claims_ = std::make_unique<Claims>(Claims::Options{.redis = {.address = redis_->address()}});
  }

  // What the claim key holds, as any replica would read it.
  std::string Held(IdKind kind, const std::string& id) {
    auto connection = redis::Connection::Connect(redis_->address(), 2s);
    EXPECT_TRUE(connection.ok());
    auto reply = (*connection)->Run({"GET", ClaimKey(kind, id)});
    EXPECT_TRUE(reply.ok());
    return reply->str;
  }

  static stack::RedisServer* redis_;
  std::unique_ptr<Claims> claims_;
};
stack::RedisServer* ClaimsTest::redis_ = nullptr;

const std::string kFirst = Sha256("first content");
const std::string kOther = Sha256("other content");

TEST_F(ClaimsTest, FirstClaimOwnsTheIdUntilItsWriteIsConfirmedThenResendsAreDuplicates) {
  const std::string id = "lifecycle";
  EXPECT_EQ(*ClaimNow(*claims_, IdKind::kSubmission, id, kFirst), ClaimState::kNew);
  EXPECT_EQ(Held(IdKind::kSubmission, id), "pending " + Hex(kFirst));
  // A copy arriving while the first is being written: written too, not yet a duplicate.
  EXPECT_EQ(*ClaimNow(*claims_, IdKind::kSubmission, id, kFirst), ClaimState::kPendingSame);
  // Other content under the id, while pending: refused.
  EXPECT_EQ(*ClaimNow(*claims_, IdKind::kSubmission, id, kOther), ClaimState::kReused);

  // The first confirm makes it durable (ACCEPTED); the second copy's confirm does not.
  EXPECT_TRUE(*ConfirmNow(*claims_, IdKind::kSubmission, id, kFirst));
  EXPECT_EQ(Held(IdKind::kSubmission, id), "durable " + Hex(kFirst));
  EXPECT_FALSE(*ConfirmNow(*claims_, IdKind::kSubmission, id, kFirst));

  EXPECT_EQ(*ClaimNow(*claims_, IdKind::kSubmission, id, kFirst), ClaimState::kDurableSame);
  EXPECT_EQ(*ClaimNow(*claims_, IdKind::kSubmission, id, kOther), ClaimState::kReused);
  EXPECT_EQ(Held(IdKind::kSubmission, id), "durable " + Hex(kFirst));
}

TEST_F(ClaimsTest, AnotherInstanceSharingTheRedisSeesTheSameClaims) {
  const std::string id = "across-replicas";
  ASSERT_EQ(*ClaimNow(*claims_, IdKind::kSubmission, id, kFirst), ClaimState::kNew);
  ASSERT_TRUE(*ConfirmNow(*claims_, IdKind::kSubmission, id, kFirst));
  claims_.reset();  // A restart.
  Claims replica(Claims::Options{.redis = {.address = redis_->address()}});
  EXPECT_EQ(*ClaimNow(replica, IdKind::kSubmission, id, kFirst), ClaimState::kDurableSame);
  EXPECT_EQ(*ClaimNow(replica, IdKind::kSubmission, id, kOther), ClaimState::kReused);
}

TEST_F(ClaimsTest, SubmissionAndEventIdsAreSeparateKeySpaces) {
  const std::string id = "same-name";
  EXPECT_EQ(*ClaimNow(*claims_, IdKind::kSubmission, id, kFirst), ClaimState::kNew);
  EXPECT_EQ(*ClaimNow(*claims_, IdKind::kEvent, id, kOther), ClaimState::kNew);
  EXPECT_EQ(ClaimKey(IdKind::kSubmission, id), "hattama:claim:same-name");
  EXPECT_EQ(ClaimKey(IdKind::kEvent, id), "hattama:claim-event:same-name");
}

TEST_F(ClaimsTest, ConfirmOfAClaimRedisLostRestoresItAndOtherContentStaysRefused) {
  const std::string lost = "lost";
  EXPECT_TRUE(*ConfirmNow(*claims_, IdKind::kSubmission, lost, kFirst));
  EXPECT_EQ(Held(IdKind::kSubmission, lost), "durable " + Hex(kFirst));

  const std::string taken = "taken";
  ASSERT_EQ(*ClaimNow(*claims_, IdKind::kSubmission, taken, kOther), ClaimState::kNew);
  auto refused = ConfirmNow(*claims_, IdKind::kSubmission, taken, kFirst);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(Held(IdKind::kSubmission, taken), "pending " + Hex(kOther));
}

// A restart or failover empties Redis's script cache: the confirm (a script) is loaded again and
// a claim (a plain SET ... NX GET) does not need it; the answers are those of a Redis that kept it.
TEST_F(ClaimsTest, AfterRedisForgetsItsScriptsClaimsAndConfirmsAnswerAsBefore) {
  const std::string id = "scripts-flushed";
  ASSERT_EQ(*ClaimNow(*claims_, IdKind::kSubmission, id, kFirst), ClaimState::kNew);
  auto connection = redis::Connection::Connect(redis_->address(), 2s);
  ASSERT_TRUE(connection.ok());
  ASSERT_TRUE((*connection)->Run({"SCRIPT", "FLUSH"}).ok());
  EXPECT_EQ(*ClaimNow(*claims_, IdKind::kSubmission, id, kFirst), ClaimState::kPendingSame);
  EXPECT_TRUE(*ConfirmNow(*claims_, IdKind::kSubmission, id, kFirst));
  ASSERT_TRUE((*connection)->Run({"SCRIPT", "FLUSH"}).ok());
  EXPECT_FALSE(*ConfirmNow(*claims_, IdKind::kSubmission, id, kFirst));
  EXPECT_EQ(*ClaimNow(*claims_, IdKind::kSubmission, id, kFirst), ClaimState::kDurableSame);
  EXPECT_EQ(Held(IdKind::kSubmission, id), "durable " + Hex(kFirst));
}

// A claim key someone wrote as another type (not a string): each call fails UNAVAILABLE, naming
// Redis's refusal, and takes no one's id.
TEST_F(ClaimsTest, AKeyOfAnotherTypeFailsTheCallsInsteadOfAnsweringThem) {
  const std::string id = "not-a-string";
  auto connection = redis::Connection::Connect(redis_->address(), 2s);
  ASSERT_TRUE(connection.ok());
  ASSERT_TRUE((*connection)->Run({"HSET", ClaimKey(IdKind::kSubmission, id), "a", "b"}).ok());
  auto claimed = ClaimNow(*claims_, IdKind::kSubmission, id, kFirst);
  ASSERT_FALSE(claimed.ok());
  EXPECT_EQ(claimed.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(claimed.status().message().find("WRONGTYPE"), std::string::npos)
      << claimed.status().message();
  auto confirmed = ConfirmNow(*claims_, IdKind::kSubmission, id, kFirst);
  ASSERT_FALSE(confirmed.ok());
  EXPECT_EQ(confirmed.status().code(), StatusCode::kUnavailable);
}

TEST_F(ClaimsTest, ConcurrentClaimsFromManyThreadsGiveOneOwnerAndOneAcceptancePerId) {
  // Eight "streams" race over the same 200 ids: half send the same content, half another.
  constexpr int kIds = 200;
  constexpr int kThreads = 8;
  std::atomic<int> news{0}, pending{0}, reused{0}, made{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string digest = t % 2 == 0 ? kFirst : kOther;
      std::vector<std::future<void>> confirms;
      for (int i = 0; i < kIds; ++i) {
        const std::string id = "race-" + std::to_string(i);
        auto claim = ClaimNow(*claims_, IdKind::kSubmission, id, digest);
        if (!claim.ok()) {
          ++failed;
          continue;
        }
        switch (*claim) {
          case ClaimState::kNew:
            ++news;
            break;
          case ClaimState::kPendingSame:
            ++pending;
            break;
          case ClaimState::kReused:
            ++reused;
            continue;
          case ClaimState::kDurableSame:
            continue;
        }
        // "Kafka confirmed the write": confirm, as a delivery callback would.
        auto confirmed = ConfirmNow(*claims_, IdKind::kSubmission, id, digest);
        if (!confirmed.ok()) {
          ++failed;
        } else if (*confirmed) {
          ++made;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(news, kIds) << "one owner per id";
  EXPECT_EQ(made, kIds) << "one acceptance per id";
  // Each id is owned by one of the two contents; the four threads of the other are all refused.
  EXPECT_EQ(reused, kIds * kThreads / 2);
  for (int i = 0; i < kIds; ++i) {
    const std::string held = Held(IdKind::kSubmission, "race-" + std::to_string(i));
    EXPECT_TRUE(held == "durable " + Hex(kFirst) || held == "durable " + Hex(kOther)) << held;
  }
}

TEST_F(ClaimsTest, WaitIdleReturnsOnceEveryEarlierCallbackRan) {
  std::atomic<int> answered{0};
  for (int i = 0; i < 2000; ++i) {
    claims_->Claim(IdKind::kEvent, "idle-" + std::to_string(i), kFirst,
                   [&](Result<ClaimState> state) { answered += state.ok(); });
  }
  claims_->WaitIdle();
  EXPECT_EQ(answered, 2000);
}

TEST_F(ClaimsTest, UnreachableRedisFailsTheCallsUnavailableAndTheNextCallsConnectAgain) {
  auto redis = stack::RedisServer::Start();
  ASSERT_TRUE(redis.ok()) << redis.status().message();
  Claims claims(Claims::Options{.redis = {.address = (*redis)->address(), .timeout = 500ms}});
  ASSERT_EQ(*ClaimNow(claims, IdKind::kSubmission, "before", kFirst), ClaimState::kNew);

  (*redis)->process().Stop();
  auto down = ClaimNow(claims, IdKind::kSubmission, "during", kFirst);
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.status().code(), StatusCode::kUnavailable) << down.status().message();

  ASSERT_TRUE((*redis)->Restart().ok());
  // The script cache is empty after the restart: the claim reloads the script.
  EXPECT_EQ(*ClaimNow(claims, IdKind::kSubmission, "after", kFirst), ClaimState::kNew);
}

}  // namespace
}  // namespace hattama::ingestion
