// The recount held to aggregation itself: random logs — reused ids, resends, revisions,
// retractions, disputes, flags, official results, unknown stations, records without an id and
// values that are no record, a station's versions in several partitions — applied through
// aggregation's Applier into a real redis-server as aggregation applies them, and
// recounted from the same records as log entries. Every area total of every contest and scope is
// the same, half way through and at the end, the PVT's sums of the regions included.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "services/aggregation/applier.h"
#include "tests/testing/election.h"
#include "tests/testing/redis_server_test.h"
#include "tests/testing/redis_state.h"
#include "tools/verify/recount.h"

namespace hattama::verify {
namespace {

constexpr int32_t kPartitions = 4;
// Not a SubmissionRecord: a length-delimited field 1 longer than the value.
const std::string kNotARecord("\x0a\xff\x01 not a record");

struct LoggedRecord {
  int32_t partition = 0;
  int64_t offset = 0;
  std::string value;
};

// A random record over the tiny election: few ids, so that ids are reused and resent; figures
// from three sets, so that observers confirm and dispute each other.
std::string RandomValue(std::mt19937& random) {
  auto pick = [&](int n) { return static_cast<int>(random() % n); };
  if (pick(50) == 0) return kNotARecord;
  static const std::vector<std::string> kStations = {"S1", "S2", "S3", "S4", "S5", "S6"};
  const std::string station = pick(30) == 0 ? "S99" : kStations[pick(6)];
  const bool maslikhat = pick(4) == 0;
  static const std::vector<std::vector<int64_t>> kMazhilis = {
      {300, 200, 70}, {310, 190, 70}, {100, 400, 70}};
  static const std::vector<std::vector<int64_t>> kMaslikhat = {{300, 270}, {280, 290}, {5, 7}};
  const std::vector<int64_t>& votes = maslikhat ? kMaslikhat[pick(3)] : kMazhilis[pick(3)];
  const bool official = pick(6) == 0;
  const std::string id = pick(40) == 0 ? "" : "id-" + std::to_string(pick(60));
  v1::SubmissionRecord record =
      testing::ObserverRecord(id, station, maslikhat ? "maslikhat" : "mazhilis", votes, pick(3) * 5,
                              official ? "cec" : "observer-" + std::to_string(pick(3)));
  v1::Submission& submission = *record.mutable_submission();
  submission.set_revision(pick(3));
  if (official) submission.set_source(v1::SOURCE_OFFICIAL);
  if (pick(7) == 0) {
    submission.set_retraction(true);
    submission.mutable_protocol()->clear_figures();
  }
  if (pick(10) == 0) testing::Flag(record);
  record.set_digest("sha256:" + submission.SerializeAsString());
  return record.SerializeAsString();
}

class RecountAgainstApply : public testing::RedisServerTest {
 protected:
  // Applies `records` in order as aggregation does: a value that is no SubmissionRecord, or that
  // the applier refuses (no id, an unknown station), is skipped.
  void Apply(std::span<const LoggedRecord> records) {
    std::vector<aggregation::PreparedRecord> calls;
    for (const LoggedRecord& logged : records) {
      v1::SubmissionRecord record;
      if (!record.ParseFromString(logged.value)) continue;
      auto call = applier_.Prepare(logged.partition, logged.offset, record);
      if (call.ok()) calls.push_back(*call);
    }
    auto applied = applier_.Apply(*redis_, calls);
    ASSERT_TRUE(applied.ok()) << applied.status().message();
  }

  // Every area × contest × scope: Redis's totals against the recount's, as "field=value" lines
  // without zeros (a figure taken back in full is absent from Redis's hash, or zero).
  void ExpectEqual(const Recounted& recounted, const std::string& when) {
    for (const auto& area : registry_->election().areas()) {
      for (const auto& contest : registry_->election().contests()) {
        for (bool official : {false, true}) {
          auto applied = testing::AreaTotals(
              *redis_, contest.contest_id(), area.area_id(), kPartitions,
              official ? redis::layout::Scope::kOfficial : redis::layout::Scope::kObserver);
          std::map<std::string, int64_t> mine;
          auto it = recounted.totals.find({area.area_id(), contest.contest_id(), official});
          if (it != recounted.totals.end()) {
            mine = it->second.figures;
            mine["stations_reporting"] = it->second.stations_reporting;
            mine["flagged_count"] = it->second.flagged_count;
            mine["disputed_count"] = it->second.disputed_count;
            mine.insert(it->second.pvt_sums.begin(), it->second.pvt_sums.end());
          }
          std::erase_if(mine, [](const auto& field) { return field.second == 0; });
          EXPECT_EQ(mine, applied) << when << ": area " << area.area_id() << ", contest "
                                   << contest.contest_id() << ", " << ScopeName(official);
        }
      }
    }
  }

  std::shared_ptr<const domain::Registry> registry_ = testing::TinyRegistry();
  aggregation::Applier applier_{registry_};
};

TEST_F(RecountAgainstApply, EveryTotalOfARandomLogIsWhatAggregationMakesOfIt) {
  ASSERT_FALSE(v1::SubmissionRecord().ParseFromString(kNotARecord));
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    ASSERT_TRUE(redis_->Run({"FLUSHALL"}).ok());
    std::mt19937 random(seed);
    std::vector<LoggedRecord> log;
    std::map<int32_t, int64_t> next;
    for (int i = 0; i < 300; ++i) {
      std::string value = RandomValue(random);
      v1::SubmissionRecord record;
      // Mostly the station's partition, as ingestion writes it; now and then another one.
      int32_t partition = static_cast<int32_t>(random() % kPartitions);
      if (record.ParseFromString(value) && random() % 8 != 0) {
        partition = testing::PartitionOf(record, kPartitions);
      }
      log.push_back({partition, next[partition]++, std::move(value)});
    }
    Recount recount(registry_);
    for (const LoggedRecord& logged : log) {
      tlog::LeafEntry entry;
      entry.source = {logged.partition, logged.offset};
      entry.record = logged.value;
      recount.AddLeaf(entry);
    }

    // Half the log applied: the position of the first 150 leaves.
    const size_t half = log.size() / 2;
    Apply(std::span(log).first(half));
    v1::LogPosition position;
    for (int32_t p = 0; p < kPartitions; ++p) {
      int64_t end = 0;
      for (size_t i = 0; i < half; ++i) end += log[i].partition == p ? 1 : 0;
      position.add_partition_ends(end);
    }
    position.set_tree_size(static_cast<int64_t>(half));
    auto at_half = recount.At(position);
    ASSERT_TRUE(at_half.ok()) << at_half.status().message();
    ExpectEqual(*at_half, "seed " + std::to_string(seed) + ", half");

    Apply(std::span(log).subspan(half));
    for (int32_t p = 0; p < kPartitions; ++p) position.set_partition_ends(p, next[p]);
    position.set_tree_size(static_cast<int64_t>(log.size()));
    auto at_end = recount.At(position);
    ASSERT_TRUE(at_end.ok()) << at_end.status().message();
    ExpectEqual(*at_end, "seed " + std::to_string(seed) + ", end");
    if (HasFailure()) return;  // one seed's differences are enough to read
  }
}

}  // namespace
}  // namespace hattama::verify
