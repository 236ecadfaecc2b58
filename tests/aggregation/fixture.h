// What the aggregation and publication tests share: a tiny election, submissions built from a few
// votes, and reading Redis back the way a person checking it would.
#pragma once

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <map>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "common/domain/dispute.h"
#include "common/domain/partition.h"
#include "common/domain/registry.h"
#include "common/redis/figures.h"
#include "common/redis/layout.h"
#include "common/redis/redis.h"
#include "hattama/v1/records.pb.h"
#include "services/aggregation/applier.h"

namespace hattama::testing {

inline constexpr int32_t kPartitions = 4;

// Nation "kz"; regions "kz-a" (district "kz-a-1": stations S1, S2, S3) and "kz-b" (district
// "kz-b-1": stations S4, S5, S6). Contest "mazhilis" (options nur, akzhol, adal) everywhere,
// "maslikhat" (options x, y) only in kz-a.
inline v1::Election TinyElection() {
  v1::Election election;
  election.set_election_id("test-2021");
  election.set_name("Test election");
  auto add_area = [&](const char* id, v1::AreaKind kind, const char* parent) {
    auto* area = election.add_areas();
    area->set_area_id(id);
    area->set_name(std::string("Area ") + id);
    area->set_kind(kind);
    area->set_parent_id(parent);
  };
  add_area("kz", v1::AREA_KIND_NATION, "");
  add_area("kz-a", v1::AREA_KIND_REGION, "kz");
  add_area("kz-b", v1::AREA_KIND_REGION, "kz");
  add_area("kz-a-1", v1::AREA_KIND_DISTRICT, "kz-a");
  add_area("kz-b-1", v1::AREA_KIND_DISTRICT, "kz-b");
  auto add_contest = [&](const char* id, v1::ContestLevel level, std::vector<std::string> options) {
    auto* contest = election.add_contests();
    contest->set_contest_id(id);
    contest->set_name(std::string("Contest ") + id);
    contest->set_level(level);
    for (const auto& option_id : options) {
      auto* option = contest->add_options();
      option->set_option_id(option_id);
      option->set_name("Party " + option_id);
    }
  };
  add_contest("mazhilis", v1::CONTEST_LEVEL_NATIONAL, {"nur", "akzhol", "adal"});
  add_contest("maslikhat", v1::CONTEST_LEVEL_REGIONAL, {"x", "y"});
  return election;
}

inline std::vector<v1::Station> TinyStations() {
  std::vector<v1::Station> stations;
  auto add = [&](const char* id, const char* district, int64_t voters, bool maslikhat) {
    v1::Station station;
    station.set_station_id(id);
    station.set_district_id(district);
    station.set_registered_voters(voters);
    station.add_contest_ids("mazhilis");
    if (maslikhat) station.add_contest_ids("maslikhat");
    stations.push_back(station);
  };
  add("S1", "kz-a-1", 1000, true);
  add("S2", "kz-a-1", 800, true);
  add("S3", "kz-a-1", 600, true);
  add("S4", "kz-b-1", 1200, false);
  add("S5", "kz-b-1", 900, false);
  add("S6", "kz-b-1", 700, false);
  return stations;
}

inline std::shared_ptr<const domain::Registry> TinyRegistry() {
  return domain::Registry::Build(TinyElection(), TinyStations()).value();
}

// Writes election.json and stations.csv into `dir`, for the binaries.
inline void WriteRegistryFiles(const std::string& dir) {
  std::string json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(TinyElection(), &json).ok());
  std::ofstream(dir + "/election.json") << json;
  std::ofstream csv(dir + "/stations.csv");
  csv << "station_id,district_id,registered_voters,contest_ids\n";
  for (const auto& station : TinyStations()) {
    csv << station.station_id() << ',' << station.district_id() << ','
        << station.registered_voters() << ',';
    for (int i = 0; i < station.contest_ids_size(); ++i) {
      csv << (i ? ";" : "") << station.contest_ids(i);
    }
    csv << '\n';
  }
}

// A consistent observer protocol: `votes` in ballot order, valid = their sum, in box = valid +
// spoiled = issued, 10 ballots cancelled, registered voters from the registry.
inline v1::SubmissionRecord ObserverRecord(const std::string& submission_id,
                                           const std::string& station_id,
                                           const std::string& contest_id,
                                           const std::vector<int64_t>& votes, int64_t spoiled = 0,
                                           const std::string& observer_id = "observer-1") {
  static const auto registry = TinyRegistry();
  v1::SubmissionRecord record;
  auto* submission = record.mutable_submission();
  submission->set_submission_id(submission_id);
  submission->set_observer_id(observer_id);
  submission->set_organisation_id("org-1");
  submission->set_hub_id("hub-1");
  submission->set_source(v1::SOURCE_OBSERVER);
  submission->set_revision(1);
  auto* protocol = submission->mutable_protocol();
  protocol->set_station_id(station_id);
  protocol->set_contest_id(contest_id);
  auto* figures = protocol->mutable_figures();
  const v1::Station* station = registry->FindStation(station_id);
  const v1::Contest* contest = registry->FindContest(contest_id);
  figures->set_registered_voters(station ? station->registered_voters() : 0);
  const int64_t valid = std::accumulate(votes.begin(), votes.end(), int64_t{0});
  figures->set_ballots_valid(valid);
  figures->set_ballots_spoiled(spoiled);
  figures->set_ballots_in_box(valid + spoiled);
  figures->set_ballots_issued(valid + spoiled);
  figures->set_ballots_cancelled(10);
  figures->set_ballots_received(valid + spoiled + 10);
  for (size_t i = 0; i < votes.size(); ++i) {
    auto* option = figures->add_option_votes();
    option->set_option_id(contest ? contest->options(static_cast<int>(i)).option_id()
                                  : "option-" + std::to_string(i));
    option->set_votes(votes[i]);
  }
  record.set_digest("sha256:" + submission->SerializeAsString());
  return record;
}

// Marks `record` as breaking a control relation, as ingestion would.
inline void Flag(v1::SubmissionRecord& record) {
  auto* reason = record.add_flags();
  reason->set_field("protocol.figures.ballots_valid");
  reason->set_code(v1::REASON_CODE_VALID_PLUS_SPOILED_NOT_IN_BOX);
  reason->set_message("valid + spoiled differs from ballots in the box");
}

inline int32_t PartitionOf(const v1::SubmissionRecord& record, int32_t partitions = kPartitions) {
  return domain::PartitionOf(record.submission().protocol().station_id(), partitions);
}

inline std::unique_ptr<redis::Connection> Connect(const std::string& address) {
  auto connection = redis::Connection::Connect(address, std::chrono::seconds(5));
  EXPECT_TRUE(connection.ok()) << connection.status().message();
  return connection.ok() ? std::move(connection).value() : nullptr;
}

// Applies `records` in one batch, each from its station's partition, as aggregation does.
inline std::vector<aggregation::Outcome> ApplyBatch(
    const aggregation::Applier& applier, redis::Connection& connection,
    const std::vector<v1::SubmissionRecord>& records, int32_t partitions = kPartitions) {
  std::vector<redis::Command> calls;
  for (const auto& record : records) {
    auto call = applier.Call(PartitionOf(record, partitions), record);
    EXPECT_TRUE(call.ok()) << call.status().message();
    if (call.ok()) calls.push_back(*call);
  }
  auto outcomes = applier.Apply(connection, calls);
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
