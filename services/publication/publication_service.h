// hattama.v1.PublicationService over Redis: read-only. It never writes to Redis; everything it
// serves was written by aggregation, under the key layout of common/redis/layout.h.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "common/base/result.h"
#include "common/domain/registry.h"
#include "common/redis/layout.h"
#include "hattama/v1/publication.grpc.pb.h"
#include "services/publication/connection_pool.h"
#include "services/publication/totals.h"
#include "services/publication/totals_cache.h"
#include "services/publication/watch.h"

namespace hattama::publication {

// Watch is a callback (reactor) method, so that an open stream holds no thread; the rest is
// synchronous.
// What one GetStationResults answer carries at most by default (LimitVersions), so that a station
// with very many or very large versions cannot make an answer exceed a client's 4 MB message
// limit.
inline constexpr int kMaxVersionsPerContest = 100;
inline constexpr size_t kMaxVersionBytes = 1 << 20;

class PublicationService final
    : public v1::PublicationService::WithCallbackMethod_Watch<v1::PublicationService::Service> {
 public:
  PublicationService(std::shared_ptr<const domain::Registry> registry,
                     std::shared_ptr<ConnectionPool> redis);

  // With a change feed (see change_feed.h): GetAreaTotals and GetOfficialTotals answer from
  // `cache` while it is enabled, and Watch streams from `watch`. Without (both null, the
  // default), every request reads Redis and Watch answers FAILED_PRECONDITION. Call before
  // serving.
  void UseChangeFeed(TotalsCache* cache, WatchHub* watch) {
    cache_ = cache;
    watch_ = watch;
  }
  // The totals of an area as they change (see publication.proto).
  grpc::ServerWriteReactor<v1::AreaTotals>* Watch(grpc::CallbackServerContext* context,
                                                  const v1::WatchRequest* request) override;

  grpc::Status GetElection(grpc::ServerContext* context, const v1::GetElectionRequest* request,
                           v1::Election* response) override;
  // Sums the area's totals over every partition in one Redis round trip (after reading P).
  grpc::Status GetAreaTotals(grpc::ServerContext* context, const v1::GetAreaTotalsRequest* request,
                             v1::AreaTotals* response) override;
  // The station's counted protocol and its versions, for each of its contests. One answer carries
  // at most `per_contest` versions per contest and `bytes` of versions in all (LimitVersions):
  // the counted version always, then the newest others that fit (see the README).
  grpc::Status GetStationResults(grpc::ServerContext* context,
                                 const v1::GetStationResultsRequest* request,
                                 v1::StationResults* response) override;
  // The official results' totals, kept apart from the observers'.
  grpc::Status GetOfficialTotals(grpc::ServerContext* context,
                                 const v1::GetOfficialTotalsRequest* request,
                                 v1::AreaTotals* response) override;
  // Official against observer figures for every area (of a kind) and station of a contest.
  grpc::Status ListDiscrepancies(grpc::ServerContext* context,
                                 const v1::ListDiscrepanciesRequest* request,
                                 v1::ListDiscrepanciesResponse* response) override;
  // The stations under an area with their counted and official figures, in registry order, a
  // page at a time; read with ReadStationResults.
  grpc::Status ListStations(grpc::ServerContext* context, const v1::ListStationsRequest* request,
                            v1::ListStationsResponse* response) override;

  // The bounds of a GetStationResults answer (default kMaxVersionsPerContest, kMaxVersionBytes).
  // Call before serving.
  void LimitVersions(int per_contest, size_t bytes) {
    max_versions_ = per_contest;
    max_version_bytes_ = bytes;
  }

  // The totals `key` names, as GetAreaTotals (observers) or GetOfficialTotals (official) answer
  // them: what Watch streams. kInvalidArgument / kNotFound for a bad key, kUnavailable when
  // Redis cannot answer, kInternal for data that cannot be read.
  Result<v1::AreaTotals> ReadTotals(const TotalsKey& key);

  // The results of many stations for one contest at once, in the order of `stations`: the
  // counted protocol, flags, confirmations, disputed and the official protocol, without the
  // versions. Two HGETALLs a station, pipelined a batch at a time on one pooled connection
  // (10,000 stations: about 50 round trips instead of 20,000 requests). kUnavailable when Redis
  // cannot answer.
  Result<std::vector<v1::StationContestResult>> ReadStationResults(
      const v1::Contest& contest, const std::vector<const v1::Station*>& stations);

 private:
  // Runs `commands` pipelined on a pooled connection, kPipelineBatch commands per round trip (so
  // that neither side buffers a whole election's replies); on an I/O error tries once more on a
  // fresh connection (an idle one may predate a Redis restart). kUnavailable when Redis cannot
  // answer.
  Result<std::vector<redis::Reply>> Read(const std::vector<redis::Command>& commands);
  // P, the number of partitions aggregation has keys for; 0 before anything was applied.
  Result<int32_t> ReadPartitionCount();
  Result<std::pair<const v1::Area*, const v1::Contest*>> FindAreaAndContest(
      const std::string& area_id, const std::string& contest_id);
  Result<v1::AreaTotals> ReadAreaTotals(const v1::Area& area, const v1::Contest& contest,
                                        redis::layout::Scope scope);
  // Sums each area's totals hash of `scope` over the partitions, in one round trip.
  Status SumTotals(const v1::Contest& contest, redis::layout::Scope scope, int32_t partitions,
                   std::vector<std::pair<const v1::Area*, SummedFields>>& areas);

  std::shared_ptr<const domain::Registry> registry_;
  std::shared_ptr<ConnectionPool> redis_;
  TotalsCache* cache_ = nullptr;
  WatchHub* watch_ = nullptr;
  int max_versions_ = kMaxVersionsPerContest;
  size_t max_version_bytes_ = kMaxVersionBytes;
};

// Builds and starts a gRPC server on `listen` ("host:port") serving `service` (and those in `also`,
// e.g. the DeploymentService and the AnalysisService) and the standard health service. An error
// when the address cannot be bound.
Result<std::unique_ptr<grpc::Server>> StartServer(const std::string& listen, grpc::Service* service,
                                                  std::vector<grpc::Service*> also = {});

}  // namespace hattama::publication
