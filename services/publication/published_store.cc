#include "services/publication/published_store.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <span>

#include "common/domain/partition.h"
#include "common/metrics/service_metrics.h"

namespace hattama::publication {
namespace {

using redis::layout::Scope;

// Commands per round trip: a few hundred HGETALLs of station hashes are some tens of kilobytes.
constexpr size_t kPipelineBatch = 400;

std::vector<std::string> Strings(const redis::Reply& reply) {
  std::vector<std::string> strings;
  strings.reserve(reply.elements.size());
  for (const auto& element : reply.elements) strings.push_back(element.str);
  return strings;
}

// Data that cannot be read is a bug or a corrupted store: logged where it is found.
Status Internal(const std::string& message) {
  spdlog::error("{}", message);
  return Status::Internal(message);
}

// The HGETALL of a station's counted (observer) hash and of its official one.
void AddStationHashes(std::vector<redis::Command>& commands, int32_t partition,
                      const std::string& contest_id, const std::string& station_id) {
  commands.push_back({"HGETALL", redis::layout::StationKey(partition, contest_id, station_id)});
  commands.push_back(
      {"HGETALL", redis::layout::StationKey(partition, contest_id, station_id, Scope::kOfficial)});
}

redis::Command ReadVersions(int32_t partition, const std::string& contest_id,
                            const std::string& station_id) {
  return {"LRANGE", redis::layout::VersionsKey(partition, contest_id, station_id), "0", "-1"};
}

}  // namespace

PublishedStore::PublishedStore(std::shared_ptr<const domain::Registry> registry,
                               std::shared_ptr<ConnectionPool> redis)
    : registry_(std::move(registry)), redis_(std::move(redis)) {}

Result<std::vector<redis::Reply>> PublishedStore::Read(const std::vector<redis::Command>& commands,
                                                       std::string_view store) {
  std::string failure;
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto lease = redis_->Acquire();
    if (!lease.ok()) {
      failure = lease.status().message();
      break;  // A fresh connection was just refused: trying again at once would not help.
    }
    std::vector<redis::Reply> all;
    all.reserve(commands.size());
    Status sent = Status::Ok();
    for (size_t from = 0; from < commands.size() && sent.ok(); from += kPipelineBatch) {
      const std::vector<redis::Command> batch(
          commands.begin() + from,
          commands.begin() + std::min(commands.size(), from + kPipelineBatch));
      auto started = std::chrono::steady_clock::now();
      auto result = (*lease)->Pipeline(batch);
      metrics::RecordRedisRoundTrip("publication", std::chrono::steady_clock::now() - started);
      if (!result.ok()) {
        sent = result.status();
        break;
      }
      for (auto& reply : *result) {
        if (reply.is_error()) return Internal("redis answered: " + reply.str);
        all.push_back(std::move(reply));
      }
    }
    if (sent.ok()) return all;
    lease->MarkBroken();
    failure = sent.message();
  }
  spdlog::warn("redis unavailable: {}", failure);
  return Status::Unavailable(std::string(store) + " unavailable: " + failure);
}

Result<int32_t> PublishedStore::ReadPartitionCount() {
  auto replies = Read({{"GET", redis::layout::PartitionsKey()}});
  if (!replies.ok()) return replies.status();
  int32_t partitions = 0;
  const redis::Reply& reply = (*replies)[0];
  if (reply.type == redis::Reply::Type::kNil) return partitions;
  const std::string& text = reply.str;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), partitions);
  if (error != std::errc() || end != text.data() + text.size() || partitions < 0) {
    return Internal(redis::layout::PartitionsKey() + " holds \"" + text + "\", not a count");
  }
  return partitions;
}

Result<std::shared_ptr<const CachedTotals>> PublishedStore::ReadCachedTotals(const TotalsKey& key) {
  auto found = FindAreaAndContest(*registry_, key.area_id, key.contest_id);
  if (!found.ok()) return found.status();
  const auto [area, contest] = *found;
  // From memory while the change feed vouches for it; the ticket keeps a read that an
  // invalidation overtook from being stored (totals_cache.h).
  TotalsCache::Ticket ticket = 0;
  if (cache_ != nullptr) {
    if (auto cached = cache_->Find(key, ticket)) return cached;
  }
  auto read =
      ReadTotalsOfAreas(*contest, key.official ? Scope::kOfficial : Scope::kObserver, {area});
  if (!read.ok()) return read.status();
  v1::AreaTotals totals = std::move((*read)[0]);
  // Read before aggregation applied anything (no partitions yet, or every partition's position
  // still 0), it states no log position past the empty log, whose tree of size 0 a recount takes
  // as "not yet logged"; and no change of a total that no record moves will ever come to replace
  // it. So it is answered but not kept: a later read states the log position of its time.
  const auto& ends = totals.log_position().partition_ends();
  if (cache_ != nullptr &&
      std::any_of(ends.begin(), ends.end(), [](int64_t end) { return end > 0; })) {
    return cache_->Store(key, ticket, std::move(totals));
  }
  return std::make_shared<const CachedTotals>(std::move(totals));
}

Result<v1::AreaTotals> PublishedStore::ReadTotals(const TotalsKey& key) {
  auto read = ReadCachedTotals(key);
  if (!read.ok()) return read.status();
  return (*read)->At(CoveringTreeSize((*read)->totals()));
}

Result<std::shared_ptr<const CachedTotals::Encoding>> PublishedStore::ReadSerializedTotals(
    const TotalsKey& key) {
  auto read = ReadCachedTotals(key);
  if (!read.ok()) return read.status();
  return (*read)->Serialized(CoveringTreeSize((*read)->totals()));
}

Result<std::shared_ptr<const CachedTotals::Encoding>> PublishedStore::ReadTotalsJson(
    const TotalsKey& key) {
  auto read = ReadCachedTotals(key);
  if (!read.ok()) return read.status();
  return (*read)->Json(CoveringTreeSize((*read)->totals()));
}

Result<std::vector<v1::AreaTotals>> PublishedStore::ReadTotalsOfAreas(
    const v1::Contest& contest, Scope scope, const std::vector<const v1::Area*>& areas) {
  auto partitions = ReadPartitionCount();
  if (!partitions.ok()) return partitions.status();
  auto summed = SumTotals(contest, scope, *partitions, areas);
  if (!summed.ok()) return summed.status();
  std::vector<v1::AreaTotals> totals;
  totals.reserve(areas.size());
  for (size_t i = 0; i < areas.size(); ++i) {
    totals.push_back(BuildAreaTotals(*registry_, *areas[i], contest, summed->sums[i]));
    totals.back().set_official(scope == Scope::kOfficial);
    totals.back().mutable_log_position()->mutable_partition_ends()->Assign(
        summed->partition_ends.begin(), summed->partition_ends.end());
    StateTreeSize(totals.back());
  }
  return totals;
}

Result<std::vector<SummedFields>> PublishedStore::ReadSummedFields(
    const v1::Contest& contest, Scope scope, const std::vector<const v1::Area*>& areas) {
  auto partitions = ReadPartitionCount();
  if (!partitions.ok()) return partitions.status();
  auto summed = SumTotals(contest, scope, *partitions, areas);
  if (!summed.ok()) return summed.status();
  return std::move(summed->sums);
}

void PublishedStore::StateTreeSize(v1::AreaTotals& totals) const {
  totals.mutable_log_position()->set_tree_size(CoveringTreeSize(totals));
}

int64_t PublishedStore::CoveringTreeSize(const v1::AreaTotals& totals) const {
  if (checkpoints_ == nullptr) return 0;
  const auto& ends = totals.log_position().partition_ends();
  return checkpoints_->CoveringTreeSize(
      std::span<const int64_t>(ends.data(), static_cast<size_t>(ends.size())));
}

Result<PublishedStore::SummedTotals> PublishedStore::SumTotals(
    const v1::Contest& contest, Scope scope, int32_t partitions,
    const std::vector<const v1::Area*>& areas) {
  SummedTotals summed{std::vector<SummedFields>(areas.size()),
                      std::vector<int64_t>(static_cast<size_t>(std::max(0, partitions)), 0)};
  if (areas.empty() || partitions <= 0) return summed;
  // Per partition: MULTI, an HGETALL an area, GET of the position, EXEC.
  const size_t per_partition = areas.size() + 3;
  std::vector<redis::Command> commands;
  commands.reserve(per_partition * partitions);
  for (int32_t p = 0; p < partitions; ++p) {
    commands.push_back({"MULTI"});
    for (const v1::Area* area : areas) {
      commands.push_back(
          {"HGETALL", redis::layout::TotalsKey(p, contest.contest_id(), area->area_id(), scope)});
    }
    commands.push_back({"GET", redis::layout::PositionKey(p)});
    commands.push_back({"EXEC"});
  }
  auto replies = Read(commands);
  if (!replies.ok()) return replies.status();
  for (int32_t p = 0; p < partitions; ++p) {
    const redis::Reply& exec = (*replies)[(p + 1) * per_partition - 1];
    if (exec.type != redis::Reply::Type::kArray || exec.elements.size() != areas.size() + 1) {
      return Internal("the read of partition " + std::to_string(p) + "'s totals was not executed");
    }
    for (size_t i = 0; i < areas.size(); ++i) {
      if (exec.elements[i].is_error()) return Internal("redis answered: " + exec.elements[i].str);
      auto added = AddTotals(Strings(exec.elements[i]), summed.sums[i]);
      if (!added.ok()) return Internal(added.message());
    }
    const redis::Reply& position = exec.elements[areas.size()];
    if (position.type == redis::Reply::Type::kNil) continue;
    const std::string& text = position.str;
    int64_t& end = summed.partition_ends[static_cast<size_t>(p)];
    auto [at, error] = std::from_chars(text.data(), text.data() + text.size(), end);
    if (error != std::errc() || at != text.data() + text.size() || end < 0) {
      return Internal(redis::layout::PositionKey(p) + " holds \"" + text + "\", not an offset");
    }
  }
  return summed;
}

Result<std::vector<v1::StationContestResult>> PublishedStore::ReadStation(
    const domain::Station& station) {
  auto partitions = ReadPartitionCount();
  if (!partitions.ok()) return partitions.status();
  std::vector<redis::Reply> replies;
  if (*partitions > 0) {
    // Every submission of a station goes to this partition (ingestion produces it there).
    const int32_t partition = domain::PartitionOf(station.station_id(), *partitions);
    std::vector<redis::Command> commands;
    for (const auto& contest_id : station.contest_ids()) {
      AddStationHashes(commands, partition, contest_id, station.station_id());
      commands.push_back(ReadVersions(partition, contest_id, station.station_id()));
    }
    auto read = Read(commands);
    if (!read.ok()) return read.status();
    replies = std::move(read).value();
  }
  std::vector<v1::StationContestResult> results;
  for (int i = 0; i < station.contest_ids_size(); ++i) {
    const v1::Contest* contest = registry_->FindContest(station.contest_ids(i));
    std::vector<std::string> hash, official, versions;
    if (!replies.empty()) {
      hash = Strings(replies[3 * i]);
      official = Strings(replies[3 * i + 1]);
      versions = Strings(replies[3 * i + 2]);
    }
    auto result = BuildStationContestResult(station, *contest, hash, versions, official);
    if (!result.ok()) return Internal(result.status().message());
    results.push_back(std::move(result).value());
  }
  return results;
}

void PublishedStore::LimitBulkReads(size_t max_bulk_reads, std::chrono::milliseconds wait) {
  std::lock_guard lock(bulk_mutex_);
  max_bulk_reads_ = max_bulk_reads;
  bulk_wait_ = wait;
}

Result<std::shared_ptr<void>> PublishedStore::StartBulkRead() {
  std::unique_lock lock(bulk_mutex_);
  if (max_bulk_reads_ == 0) return std::shared_ptr<void>();
  if (!bulk_ended_.wait_for(lock, bulk_wait_, [this] { return bulk_running_ < max_bulk_reads_; })) {
    return Status::ResourceExhausted(
        fmt::format("{} reads of a whole contest or area are running, the most at once "
                    "(--max-bulk-reads); try again in a moment",
                    max_bulk_reads_));
  }
  ++bulk_running_;
  return std::shared_ptr<void>(nullptr, [this](void*) {
    {
      std::lock_guard lock(bulk_mutex_);
      --bulk_running_;
    }
    bulk_ended_.notify_one();
  });
}

Result<std::vector<v1::StationContestResult>> PublishedStore::ReadStationResults(
    const v1::Contest& contest, const std::vector<const domain::Station*>& stations) {
  std::shared_ptr<void> bulk;
  if (stations.size() > kBulkReadStations) {
    auto started = StartBulkRead();
    if (!started.ok()) return started.status();
    bulk = std::move(started).value();
  }
  auto partition_count = ReadPartitionCount();
  if (!partition_count.ok()) return partition_count.status();
  const int32_t partitions = *partition_count;
  std::vector<redis::Reply> replies;
  if (partitions > 0 && !stations.empty()) {
    std::vector<redis::Command> commands;
    commands.reserve(2 * stations.size());
    for (const domain::Station* station : stations) {
      AddStationHashes(commands, domain::PartitionOf(station->station_id(), partitions),
                       contest.contest_id(), station->station_id());
    }
    auto read = Read(commands);
    if (!read.ok()) return read.status();
    replies = std::move(read).value();
  }
  // A counted protocol's flags are in its version record: read the versions of the flagged
  // stations only (a few in a hundred), in a second pipelined pass.
  std::vector<size_t> flagged;
  for (size_t i = 0; 2 * i < replies.size(); ++i) {
    const auto& fields = replies[2 * i].elements;
    for (size_t f = 0; f + 1 < fields.size(); f += 2) {
      if (fields[f].str == redis::layout::kFlagged && fields[f + 1].str != "0") {
        flagged.push_back(i);
      }
    }
  }
  std::vector<redis::Reply> versions;
  if (!flagged.empty()) {
    std::vector<redis::Command> commands;
    commands.reserve(flagged.size());
    for (size_t i : flagged) {
      const std::string& station_id = stations[i]->station_id();
      commands.push_back(ReadVersions(domain::PartitionOf(station_id, partitions),
                                      contest.contest_id(), station_id));
    }
    auto read = Read(commands);
    if (!read.ok()) return read.status();
    versions = std::move(read).value();
  }
  std::vector<v1::StationContestResult> results;
  results.reserve(stations.size());
  size_t next_flagged = 0;
  for (size_t i = 0; i < stations.size(); ++i) {
    std::vector<std::string> hash, official, records;
    if (!replies.empty()) {
      hash = Strings(replies[2 * i]);
      official = Strings(replies[2 * i + 1]);
    }
    if (next_flagged < flagged.size() && flagged[next_flagged] == i) {
      records = Strings(versions[next_flagged++]);
    }
    auto result = BuildStationContestResult(*stations[i], contest, hash, records, official);
    if (!result.ok()) return Internal(result.status().message());
    result->clear_versions();
    results.push_back(std::move(result).value());
  }
  return results;
}

Result<DeploymentCounts> PublishedStore::ReadDeploymentCounts() {
  auto replies = Read({{"HGETALL", redis::layout::DeploymentCountsKey()}}, "deployment store");
  if (!replies.ok()) return replies.status();
  const redis::Reply& reply = (*replies)[0];
  DeploymentCounts counts;
  for (size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
    const std::string& value = reply.elements[i + 1].str;
    int64_t count = 0;
    std::from_chars(value.data(), value.data() + value.size(), count);
    counts[reply.elements[i].str] = count;
  }
  return counts;
}

Result<std::vector<std::string>> PublishedStore::ReadDeploymentCovered() {
  auto replies = Read({{"SMEMBERS", redis::layout::DeploymentCoveredKey()}}, "deployment store");
  if (!replies.ok()) return replies.status();
  std::vector<std::string> members;
  for (auto& element : (*replies)[0].elements) members.push_back(std::move(element.str));
  return members;
}

}  // namespace hattama::publication
