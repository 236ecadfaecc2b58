// Publication's read model: every read of what aggregation published in Redis (the key layout
// of common/redis/layout.h) goes through one PublishedStore, so that the gRPC services, the
// open-data export, the watch hub and the HTTP mirror (through the services) see the same
// figures, read the same way: pipelined in batches on a pooled connection, tried once more on a
// fresh connection after an I/O error, and answered kUnavailable when Redis cannot answer (a
// store that cannot answer is "retry later", never "no such thing").
//
// It never writes to Redis. Thread-safe: any number of request threads may read at once (the
// pool lends each its own connection); UseTotalsCache is called before serving.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/base/result.h"
#include "common/domain/registry.h"
#include "common/redis/layout.h"
#include "common/redis/redis.h"
#include "hattama/v1/publication.pb.h"
#include "services/publication/checkpoint_history.h"
#include "services/publication/connection_pool.h"
#include "services/publication/totals.h"
#include "services/publication/totals_cache.h"

namespace hattama::publication {

// A read of more stations than this at once is a bulk read (PublishedStore::LimitBulkReads): more
// than a ListStations page (at most 2,000), so paging is never bounded by it.
inline constexpr size_t kBulkReadStations = 2000;

// The deployment table's counters: DeploymentCountField(area, counter) -> count.
using DeploymentCounts = std::unordered_map<std::string, int64_t>;

class PublishedStore {
 public:
  PublishedStore(std::shared_ptr<const domain::Registry> registry,
                 std::shared_ptr<ConnectionPool> redis);

  // With a change feed (change_feed.h): ReadTotals answers from `cache` while it is enabled and
  // stores what it read there. Without (null, the default), every ReadTotals reads Redis.
  void UseTotalsCache(TotalsCache* cache) { cache_ = cache; }
  // With the transparency log's checkpoints (tlog_watcher.h), every AreaTotals answered states
  // the tree size of the first remembered checkpoint that covers its partition ends, resolved
  // when answered (a cached total gets a later checkpoint's). Without (null, the default), it
  // states 0. Call before serving.
  void UseCheckpoints(const CheckpointHistory* checkpoints) { checkpoints_ = checkpoints; }

  const domain::Registry& registry() const { return *registry_; }

  // Bounds the bulk reads (ReadStationResults of more than kBulkReadStations stations: a whole
  // contest or a large area, as red flags, discrepancies and exports read) running at
  // once to `max_bulk_reads`: each holds a pooled connection for its whole length, so that
  // without a bound a crowd asking for them took every connection and every other read waited
  // until it was refused. One more waits up to `wait` for a running one to end, then is refused
  // kResourceExhausted naming --max-bulk-reads. 0 (the default): no bound. Call before serving.
  void LimitBulkReads(size_t max_bulk_reads, std::chrono::milliseconds wait);

  // P, the number of partitions aggregation has keys for (hattama:partitions); 0 before anything
  // was applied. kInternal when the key holds something else than a count.
  Result<int32_t> ReadPartitionCount();

  // The totals `key` names, as GetAreaTotals (observers) or GetOfficialTotals (official) answer
  // them and Watch streams them: the area's totals hashes summed over every partition in one
  // round trip (after reading P), from the cache while the change feed vouches for it, with the
  // log position they were read at (log_position.partition_ends; its tree_size from `checkpoints`
  // as they stand now, see UseCheckpoints). kInvalidArgument / kNotFound for a bad key,
  // kInternal for data that cannot be read.
  Result<v1::AreaTotals> ReadTotals(const TotalsKey& key);
  // The same answer already encoded, shared with every reader of the same read and checkpoint:
  // the serialized AreaTotals (what GetAreaTotals sends) and its JSON (what /v1/GetAreaTotals
  // sends). A cached total costs no Redis read and no encoding.
  Result<std::shared_ptr<const CachedTotals::Encoding>> ReadSerializedTotals(const TotalsKey& key);
  Result<std::shared_ptr<const CachedTotals::Encoding>> ReadTotalsJson(const TotalsKey& key);

  // The totals of each of `areas` (one contest, one scope) summed over every partition, in one
  // round trip after reading P, in the order of `areas`, each with the log position they were all
  // read at; never from the cache.
  Result<std::vector<v1::AreaTotals>> ReadTotalsOfAreas(const v1::Contest& contest,
                                                        redis::layout::Scope scope,
                                                        const std::vector<const v1::Area*>& areas);

  // Every field of each of `areas`' totals hashes (one contest, one scope) summed over every
  // partition, those AreaTotals leaves out included (the PVT's sums of a region, layout.h), in one
  // round trip after reading P, in the order of `areas`; never from the cache.
  Result<std::vector<SummedFields>> ReadSummedFields(const v1::Contest& contest,
                                                     redis::layout::Scope scope,
                                                     const std::vector<const v1::Area*>& areas);

  // Every contest of `station`, in the station's order, with every version received (unbounded:
  // the caller bounds an answer, see BoundVersions). One round trip after reading P.
  Result<std::vector<v1::StationContestResult>> ReadStation(const domain::Station& station);

  // The results of many stations for one contest at once, in the order of `stations`: the
  // counted protocol, flags, confirmations, disputed and the official protocol, without the
  // versions. Two HGETALLs a station, pipelined a batch at a time on one pooled connection
  // (10,000 stations: about 50 round trips instead of 20,000 requests), then the versions of the
  // flagged stations only, whose flags are in the counted version's record.
  Result<std::vector<v1::StationContestResult>> ReadStationResults(
      const v1::Contest& contest, const std::vector<const domain::Station*>& stations);

  // The observer deployment table's counters (services/aggregation/deployment.lua writes them).
  Result<DeploymentCounts> ReadDeploymentCounts();
  // Every member of the deployment table's covered set ("<scope>|<station_id>", layout.h).
  Result<std::vector<std::string>> ReadDeploymentCovered();

 private:
  // Runs `commands` pipelined on a pooled connection, kPipelineBatch commands per round trip (so
  // that neither side buffers a whole election's replies); on an I/O error tries once more on a
  // fresh connection (an idle one may predate a Redis restart). kUnavailable naming `store` when
  // Redis cannot answer, kInternal when it answers an error.
  Result<std::vector<redis::Reply>> Read(const std::vector<redis::Command>& commands,
                                         std::string_view store = "totals store");
  // Totals summed over every partition, with the log position they were read at.
  struct SummedTotals {
    std::vector<SummedFields> sums;  // In the order of the areas asked for.
    // Index p: partition p's position (layout.h), read in one transaction with its totals.
    std::vector<int64_t> partition_ends;
  };
  // Each area's totals hash of `scope` summed over `partitions`, in one round trip: one
  // MULTI/EXEC a partition reads its totals hashes and its position at one instant, so the
  // position names exactly the records those hashes hold. (A partition's keys share its hash
  // tag: each transaction touches one Redis Cluster slot.)
  // Sets totals.log_position.tree_size for its partition ends, from the checkpoints as they are.
  void StateTreeSize(v1::AreaTotals& totals) const;
  // The tree size of the first remembered checkpoint covering `totals`' partition ends, now.
  int64_t CoveringTreeSize(const v1::AreaTotals& totals) const;
  // The totals `key` names as one read, from the cache while the change feed vouches for it,
  // else from Redis (and kept in the cache when the ticket allows).
  Result<std::shared_ptr<const CachedTotals>> ReadCachedTotals(const TotalsKey& key);
  Result<SummedTotals> SumTotals(const v1::Contest& contest, redis::layout::Scope scope,
                                 int32_t partitions, const std::vector<const v1::Area*>& areas);

  // Waits for a bulk read's turn (LimitBulkReads); the returned guard ends it.
  Result<std::shared_ptr<void>> StartBulkRead();

  const std::shared_ptr<const domain::Registry> registry_;
  const std::shared_ptr<ConnectionPool> redis_;
  size_t max_bulk_reads_ = 0;
  std::chrono::milliseconds bulk_wait_{0};
  std::mutex bulk_mutex_;
  std::condition_variable bulk_ended_;
  size_t bulk_running_ = 0;
  TotalsCache* cache_ = nullptr;
  const CheckpointHistory* checkpoints_ = nullptr;
};

}  // namespace hattama::publication
