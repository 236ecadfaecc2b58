// Redis as aggregation leaves it, for the tests of aggregation and of publication: records applied
// through aggregation's Applier (the one writer of the layout publication reads), and the totals
// and keys read back the way a person checking them would. Header-only; gtest assertions report
// a failed Redis call in the test that made it.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/domain/dispute.h"
#include "common/domain/partition.h"
#include "common/redis/figures.h"
#include "common/redis/layout.h"
#include "common/redis/redis.h"
#include "hattama/v1/records.pb.h"
#include "services/aggregation/applier.h"

namespace hattama::testing {

// The partition count the tests write Redis with unless they say otherwise.
inline constexpr int32_t kPartitions = 4;

// The partition aggregation writes `record` into: its station's.
inline int32_t PartitionOf(const v1::SubmissionRecord& record, int32_t partitions = kPartitions) {
  return domain::PartitionOf(record.submission().protocol().station_id(), partitions);
}

inline std::unique_ptr<redis::Connection> Connect(const std::string& address) {
  auto connection = redis::Connection::Connect(address, std::chrono::seconds(5));
  EXPECT_TRUE(connection.ok()) << connection.status().message();
  return connection.ok() ? std::move(connection).value() : nullptr;
}

// Applies `records` in one batch, each from its station's partition, as aggregation does. Each
// takes the next offset of its partition in `next_offsets` (which moves on), as if read from the
// log; without it, the records of each partition follow what Redis holds of it (its position), as
// new records of the log would.
inline std::vector<aggregation::Outcome> ApplyBatch(
    const aggregation::Applier& applier, redis::Client& connection,
    const std::vector<v1::SubmissionRecord>& records, int32_t partitions = kPartitions,
    std::map<int32_t, int64_t>* next_offsets = nullptr) {
  std::vector<aggregation::PreparedRecord> prepared;
  std::map<int32_t, int64_t> appended;
  if (next_offsets == nullptr) {
    next_offsets = &appended;
    for (int32_t p = 0; p < partitions; ++p) {
      auto position = connection.Run({"GET", redis::layout::PositionKey(p)});
      EXPECT_TRUE(position.ok());
      if (position.ok() && !position->str.empty()) appended[p] = std::stoll(position->str);
    }
  }
  for (const auto& record : records) {
    const int32_t partition = PartitionOf(record, partitions);
    auto ready = applier.Prepare(partition, (*next_offsets)[partition]++, record);
    EXPECT_TRUE(ready.ok()) << ready.status().message();
    if (ready.ok()) prepared.push_back(*ready);
  }
  auto outcomes = applier.Apply(connection, prepared);
  EXPECT_TRUE(outcomes.ok()) << outcomes.status().message();
  return outcomes.ok() ? *outcomes : std::vector<aggregation::Outcome>{};
}

// Every field of an area's totals hash summed over all partitions; fields that sum to zero are
// left out, so a figure taken back in full reads as absent.
inline std::map<std::string, int64_t> AreaTotals(
    redis::Connection& connection, const std::string& contest_id, const std::string& area_id,
    int32_t partitions = kPartitions,
    redis::layout::Scope scope = redis::layout::Scope::kObserver) {
  std::map<std::string, int64_t> sums;
  for (int32_t p = 0; p < partitions; ++p) {
    auto reply =
        connection.Run({"HGETALL", redis::layout::TotalsKey(p, contest_id, area_id, scope)});
    EXPECT_TRUE(reply.ok());
    if (!reply.ok()) return sums;
    for (size_t i = 0; i + 1 < reply->elements.size(); i += 2) {
      // The version counts changes, not figures: two ways to the same totals differ in it.
      if (reply->elements[i].str == redis::layout::kTotalsVersion) continue;
      sums[reply->elements[i].str] += std::stoll(reply->elements[i + 1].str);
    }
  }
  std::erase_if(sums, [](const auto& field) { return field.second == 0; });
  return sums;
}

// What the totals of an area should hold when exactly `counted` are its counted protocols.
inline std::map<std::string, int64_t> ExpectedTotals(
    const std::vector<v1::SubmissionRecord>& counted, int64_t flagged = 0) {
  std::map<std::string, int64_t> sums;
  for (const auto& record : counted) {
    for (const auto& [field, value] : redis::ToFields(record.submission().protocol().figures())) {
      sums[field] += value;
    }
  }
  if (!counted.empty()) sums[std::string(redis::layout::kStationsReporting)] = counted.size();
  if (flagged != 0) sums[std::string(redis::layout::kFlaggedCount)] = flagged;
  std::erase_if(sums, [](const auto& field) { return field.second == 0; });
  return sums;
}

// The PVT's sums a region's totals hold beside ExpectedTotals when exactly `counted` are its
// counted protocols (layout.h): Σx², and per option Σy² and Σxy, with x a protocol's votes of all
// its options and y one option's votes.
inline std::map<std::string, int64_t> ExpectedPvtSums(
    const std::vector<v1::SubmissionRecord>& counted) {
  std::map<std::string, int64_t> sums;
  for (const auto& record : counted) {
    const auto& lines = record.submission().protocol().figures().option_votes();
    int64_t x = 0;
    for (const auto& line : lines) x += line.votes();
    sums[std::string(redis::layout::kPvtSumXX)] += x * x;
    for (const auto& line : lines) {
      sums[std::string(redis::layout::kPvtSumYYPrefix) + line.option_id()] +=
          line.votes() * line.votes();
      sums[std::string(redis::layout::kPvtSumXYPrefix) + line.option_id()] += x * line.votes();
    }
  }
  std::erase_if(sums, [](const auto& field) { return field.second == 0; });
  return sums;
}

// ExpectedTotals of a region: with its PVT sums.
inline std::map<std::string, int64_t> ExpectedRegionTotals(
    const std::vector<v1::SubmissionRecord>& counted, int64_t flagged = 0) {
  std::map<std::string, int64_t> sums = ExpectedTotals(counted, flagged);
  sums.merge(ExpectedPvtSums(counted));
  return sums;
}

// The model of the dispute rule: of each station's `records` (every version received), the one
// domain::Decide chooses counts. The totals an area holding all those stations must show; the
// counted records go to `counted` when it is given.
inline std::map<std::string, int64_t> ExpectedByRule(
    const std::vector<v1::SubmissionRecord>& records,
    std::vector<v1::SubmissionRecord>* counted = nullptr) {
  std::map<std::string, std::vector<domain::DisputeVersion>> versions;
  for (const auto& record : records) {
    versions[record.submission().protocol().station_id()].push_back(
        domain::VersionOf(record.submission(), record.flags_size() > 0));
  }
  std::vector<v1::SubmissionRecord> chosen;
  int64_t flagged = 0, disputed = 0;
  for (const auto& [station, list] : versions) {
    const auto decision = domain::Decide(list);
    disputed += decision.disputed() ? 1 : 0;
    if (!decision.counted) continue;
    for (const auto& record : records) {
      if (record.submission().submission_id() == decision.submission_id) {
        chosen.push_back(record);
      }
    }
    flagged += decision.flagged ? 1 : 0;
  }
  auto expected = ExpectedTotals(chosen, flagged);
  if (disputed > 0) expected[std::string(redis::layout::kDisputedCount)] = disputed;
  if (counted != nullptr) *counted = std::move(chosen);
  return expected;
}

// Every Hattama key and its content, for comparing whole states of Redis.
inline std::map<std::string, std::string> Dump(redis::Connection& connection) {
  std::map<std::string, std::string> dump;
  auto keys = connection.Run({"KEYS", "hattama:*"});
  EXPECT_TRUE(keys.ok());
  if (!keys.ok()) return dump;
  for (const auto& key : keys->elements) {
    auto type = connection.Run({"TYPE", key.str});
    if (!type.ok()) return dump;
    std::string content;
    if (type->str == "hash") {
      auto all = connection.Run({"HGETALL", key.str});
      std::map<std::string, std::string> fields;
      for (size_t i = 0; all.ok() && i + 1 < all->elements.size(); i += 2) {
        fields[all->elements[i].str] = all->elements[i + 1].str;
      }
      for (const auto& [field, value] : fields) content += field + "=" + value + ";";
    } else if (type->str == "list") {
      auto all = connection.Run({"LRANGE", key.str, "0", "-1"});
      for (size_t i = 0; all.ok() && i < all->elements.size(); ++i) {
        content += all->elements[i].str + "\n";
      }
    } else {
      auto value = connection.Run({"GET", key.str});
      if (value.ok()) content = value->str;
    }
    dump[key.str] = content;
  }
  return dump;
}

}  // namespace hattama::testing
