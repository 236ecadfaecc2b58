// The totals cache alone, without Redis or Kafka: what it answers, what it refuses to keep, and
// what enabling and disabling it drop. The reads "from Redis" are totals the test makes up.
#include "services/publication/totals_cache.h"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>

#include "services/publication/http_request.h"

namespace hattama::publication {
namespace {

using namespace std::chrono_literals;

const TotalsKey kNation{"kz", "mazhilis", /*official=*/false};
const TotalsKey kNationOfficial{"kz", "mazhilis", /*official=*/true};
const TotalsKey kRegion{"kz-a", "mazhilis", /*official=*/false};

// Totals told apart by how many stations reported.
v1::AreaTotals Reporting(int64_t stations) {
  v1::AreaTotals totals;
  totals.set_stations_reporting(stations);
  return totals;
}

// What a reader does: Find, and on a miss "read Redis" (`read`) and Store with the ticket.
v1::AreaTotals Read(TotalsCache& cache, const TotalsKey& key, const v1::AreaTotals& read) {
  TotalsCache::Ticket ticket = 0;
  if (auto cached = cache.Find(key, ticket)) return cached->totals();
  return cache.Store(key, ticket, read)->totals();
}

// What the cache answers for `key` (the stations reporting of its totals), nullopt on a miss.
std::optional<int64_t> Cached(TotalsCache& cache, const TotalsKey& key) {
  TotalsCache::Ticket ignored = 0;
  auto cached = cache.Find(key, ignored);
  if (!cached) return std::nullopt;
  return cached->totals().stations_reporting();
}

TEST(TotalsCache, AStoredReadIsAnsweredUntilItsKeyChanges) {
  TotalsCache cache(1h);
  cache.Enable();
  EXPECT_EQ(Read(cache, kNation, Reporting(3)).stations_reporting(), 3);
  EXPECT_EQ(cache.misses(), 1u);

  // Redis moved on, but no change was announced: the cache answers, without a read.
  EXPECT_EQ(Read(cache, kNation, Reporting(4)).stations_reporting(), 3);
  EXPECT_EQ(Read(cache, kNation, Reporting(4)).stations_reporting(), 3);
  EXPECT_EQ(cache.hits(), 2u);
  EXPECT_EQ(cache.misses(), 1u);

  cache.Invalidate(kNation);
  EXPECT_EQ(Read(cache, kNation, Reporting(4)).stations_reporting(), 4);
  EXPECT_EQ(cache.misses(), 2u);
}

TEST(TotalsCache, KeysAreKeptApartByAreaContestAndScope) {
  TotalsCache cache(1h);
  cache.Enable();
  Read(cache, kNation, Reporting(1));
  Read(cache, kNationOfficial, Reporting(2));
  Read(cache, kRegion, Reporting(3));

  cache.Invalidate(kNationOfficial);

  EXPECT_EQ(Cached(cache, kNation), 1);
  EXPECT_FALSE(Cached(cache, kNationOfficial).has_value());
  EXPECT_EQ(Cached(cache, kRegion), 3);
}

TEST(TotalsCache, AReadOvertakenByAnInvalidationIsNotKept) {
  TotalsCache cache(1h);
  cache.Enable();
  TotalsCache::Ticket before_change = 0;
  ASSERT_EQ(cache.Find(kNation, before_change), nullptr);
  // The read of Redis is under way when the change arrives from the feed...
  cache.Invalidate(kNation);
  // ...so what it read may predate the change: refused.
  cache.Store(kNation, before_change, Reporting(1));

  TotalsCache::Ticket after_change = 0;
  EXPECT_EQ(cache.Find(kNation, after_change), nullptr);
  // A read that began after the change is kept.
  cache.Store(kNation, after_change, Reporting(2));
  EXPECT_EQ(Cached(cache, kNation), 2);
}

TEST(TotalsCache, AnInvalidationOfAnotherKeyDoesNotRefuseARead) {
  TotalsCache cache(1h);
  cache.Enable();
  TotalsCache::Ticket ticket = 0;
  ASSERT_EQ(cache.Find(kNation, ticket), nullptr);
  cache.Invalidate(kRegion);
  cache.Store(kNation, ticket, Reporting(1));

  EXPECT_EQ(Cached(cache, kNation), 1);
}

TEST(TotalsCache, DisabledItAnswersNothingAndKeepsNothing) {
  TotalsCache cache(1h);  // Disabled until Enable, as before the feed is read to its end.
  EXPECT_FALSE(cache.enabled());
  EXPECT_EQ(Read(cache, kNation, Reporting(1)).stations_reporting(), 1);
  EXPECT_EQ(Read(cache, kNation, Reporting(2)).stations_reporting(), 2);
  EXPECT_EQ(cache.hits(), 0u);
  EXPECT_EQ(cache.misses(), 2u);
}

TEST(TotalsCache, DisablingDropsEverythingAndRefusesReadsThatBeganBefore) {
  TotalsCache cache(1h);
  cache.Enable();
  Read(cache, kNation, Reporting(1));
  TotalsCache::Ticket before = 0;
  ASSERT_EQ(cache.Find(kRegion, before), nullptr);

  cache.Disable();  // The feed was lost.
  EXPECT_FALSE(cache.enabled());
  cache.Enable();  // And found again.

  EXPECT_FALSE(Cached(cache, kNation).has_value()) << "kept across a lost feed";
  // A read begun before the feed was lost may have missed a change: refused.
  cache.Store(kRegion, before, Reporting(3));
  EXPECT_FALSE(Cached(cache, kRegion).has_value());
}

TEST(TotalsCache, EnablingStartsEmpty) {
  TotalsCache cache(1h);
  cache.Enable();
  Read(cache, kNation, Reporting(1));

  cache.Enable();

  EXPECT_FALSE(Cached(cache, kNation).has_value());
}

TEST(TotalsCache, EntriesOlderThanMaxAgeAreReadAgain) {
  TotalsCache expiring(0ms);  // Every entry is too old as soon as it is kept.
  expiring.Enable();
  Read(expiring, kNation, Reporting(1));
  EXPECT_EQ(Read(expiring, kNation, Reporting(2)).stations_reporting(), 2);
  EXPECT_EQ(expiring.hits(), 0u);

  TotalsCache lasting(1h);
  lasting.Enable();
  Read(lasting, kNation, Reporting(1));
  EXPECT_EQ(Read(lasting, kNation, Reporting(2)).stations_reporting(), 1);
  EXPECT_EQ(lasting.hits(), 1u);
}

// Totals as a read gives them: an area, figures, and the log position they were read at.
v1::AreaTotals ReadAt(int64_t stations, int64_t tree_size) {
  v1::AreaTotals totals = Reporting(stations);
  totals.mutable_area()->set_area_id("kz");
  totals.set_contest_id("mazhilis");
  totals.mutable_figures()->set_ballots_valid(500);
  totals.mutable_log_position()->add_partition_ends(3);
  totals.mutable_log_position()->set_tree_size(tree_size);
  return totals;
}

TEST(CachedTotals, EachAnswerIsTheMessageStatingTheTreeSizeAskedFor) {
  const CachedTotals read(ReadAt(2, /*tree_size=*/0));

  auto serialized = read.Serialized(7);
  auto json = read.Json(7);

  v1::AreaTotals answered;
  ASSERT_TRUE(serialized->text.ok());
  ASSERT_TRUE(answered.ParseFromString(*serialized->text));
  EXPECT_EQ(answered.SerializeAsString(), ReadAt(2, 7).SerializeAsString());
  EXPECT_EQ(answered.log_position().tree_size(), 7);
  ASSERT_TRUE(json->text.ok());
  EXPECT_EQ(*json->text, *ToJson(ReadAt(2, 7)));
  EXPECT_EQ(read.At(7).SerializeAsString(), ReadAt(2, 7).SerializeAsString());
}

TEST(CachedTotals, AnAnswerIsEncodedOnceUntilAnotherCheckpointCoversTheRead) {
  const CachedTotals read(ReadAt(2, 0));

  auto first = read.Serialized(7);
  EXPECT_EQ(read.Serialized(7), first) << "encoded again for the same tree size";
  EXPECT_EQ(read.Json(7), read.Json(7));

  // A newer checkpoint covers the same read: the answer states it.
  auto later = read.Serialized(9);
  v1::AreaTotals answered;
  ASSERT_TRUE(answered.ParseFromString(*later->text));
  EXPECT_EQ(answered.log_position().tree_size(), 9);
  EXPECT_NE(*read.Json(9)->text, *read.Json(7)->text);
}

TEST(TotalsCache, AStoredReadIsTheAnswerLaterReadersShare) {
  TotalsCache cache(1h);
  cache.Enable();
  TotalsCache::Ticket ticket = 0;
  ASSERT_EQ(cache.Find(kNation, ticket), nullptr);
  auto stored = cache.Store(kNation, ticket, ReadAt(2, 0));
  auto encoded = stored->Serialized(5);

  auto found = cache.Find(kNation, ticket);

  ASSERT_EQ(found, stored);
  EXPECT_EQ(found->Serialized(5), encoded) << "a hit encoded the answer again";
}

TEST(TotalsCache, ARefusedReadIsStillAnsweredButNotShared) {
  TotalsCache cache(1h);
  cache.Enable();
  TotalsCache::Ticket ticket = 0;
  ASSERT_EQ(cache.Find(kNation, ticket), nullptr);
  cache.Invalidate(kNation);

  auto answered = cache.Store(kNation, ticket, ReadAt(2, 0));

  EXPECT_EQ(answered->totals().stations_reporting(), 2);
  EXPECT_FALSE(Cached(cache, kNation).has_value());
}

}  // namespace
}  // namespace hattama::publication
