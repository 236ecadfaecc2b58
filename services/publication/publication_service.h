// hattama.v1.PublicationService: answers the published totals and station results from the read
// model (PublishedStore), read-only. Everything it serves was written by aggregation, under the
// key layout of common/redis/layout.h.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "hattama/v1/publication.grpc.pb.h"
#include "services/publication/checkpoint_history.h"
#include "services/publication/night_progress.h"
#include "services/publication/published_store.h"
#include "services/publication/station_reads.h"
#include "services/publication/watch.h"

namespace hattama::publication {

// What one GetStationResults answer carries at most by default (LimitVersions), so that a station
// with very many or very large versions cannot make an answer exceed a client's 4 MB message
// limit.
inline constexpr int kMaxVersionsPerContest = 100;
inline constexpr size_t kMaxVersionBytes = 1 << 20;

// GetAreaTotals and GetOfficialTotals are raw callback methods: a cached total is answered with
// the bytes it was serialized to once (PublishedStore::ReadSerializedTotals), on the thread that
// read the request, without a message built, copied or serialized per request. Watch is a
// callback (reactor) method, so that an open stream holds no thread. GetStationResults is a
// callback method too: gRPC 1.51's callback threads ("nexting" threads), after a second without a
// callback call, sleep 100 ms, and while they sleep nothing reads the sockets, so a client asking
// only synchronous methods saw one answer in about every 1.1 s come 100 ms late (README "What
// limits it"). It reads Redis on StationReads' workers, not on those few threads. The rest is
// synchronous.
using PublicationServiceBase = v1::PublicationService::WithCallbackMethod_Watch<
    v1::PublicationService::WithRawCallbackMethod_GetAreaTotals<
        v1::PublicationService::WithRawCallbackMethod_GetOfficialTotals<
            v1::PublicationService::WithCallbackMethod_GetStationResults<
                v1::PublicationService::Service>>>>;

// Thread-safe once serving; the Use/Limit calls come before.
class PublicationService final : public PublicationServiceBase {
 public:
  explicit PublicationService(std::shared_ptr<PublishedStore> store);

  // With a change feed (see change_feed.h), Watch streams from `watch`; without (null, the
  // default), Watch answers FAILED_PRECONDITION. Call before serving.
  void UseWatchHub(WatchHub* watch) { watch_ = watch; }
  // With the transparency log followed (tlog_watcher.h), GetLogCheckpoint answers the newest of
  // `checkpoints` with the log's public URL and verifier key as configured; without (null, the
  // default), it answers UNAVAILABLE. Call before serving.
  void UseTransparencyLog(const CheckpointHistory* checkpoints, std::string log_url,
                          std::string verifier_key) {
    checkpoints_ = checkpoints;
    log_url_ = std::move(log_url);
    verifier_key_ = std::move(verifier_key);
  }
  // GetNightProgress answers from `progress`; without (null, the default), it answers
  // FAILED_PRECONDITION. Call before serving.
  void UseNightProgress(const NightProgress* progress) { night_progress_ = progress; }
  // GetStationResults reads on `reads`' workers, within its bounds; without (null, the default),
  // on the gRPC thread that read the request. Call before serving.
  void UseStationReads(StationReads* reads) { station_reads_ = reads; }
  // The bounds of a GetStationResults answer (default kMaxVersionsPerContest, kMaxVersionBytes).
  // Call before serving.
  void LimitVersions(int per_contest, size_t bytes) {
    max_versions_ = per_contest;
    max_version_bytes_ = bytes;
  }

  // The totals of an area as they change (see publication.proto).
  grpc::ServerWriteReactor<v1::AreaTotals>* Watch(grpc::CallbackServerContext* context,
                                                  const v1::WatchRequest* request) override;

  grpc::Status GetElection(grpc::ServerContext* context, const v1::GetElectionRequest* request,
                           v1::Election* response) override;
  // The area's totals summed over every partition (PublishedStore::ReadTotals), as a serialized
  // AreaTotals for a serialized GetAreaTotalsRequest.
  grpc::ServerUnaryReactor* GetAreaTotals(grpc::CallbackServerContext* context,
                                          const grpc::ByteBuffer* request,
                                          grpc::ByteBuffer* response) override;
  // The station's counted protocol and its versions, for each of its contests. One answer carries
  // at most `per_contest` versions per contest and `bytes` of versions in all (LimitVersions):
  // the counted version always, then the newest others that fit (see the README).
  grpc::ServerUnaryReactor* GetStationResults(grpc::CallbackServerContext* context,
                                              const v1::GetStationResultsRequest* request,
                                              v1::StationResults* response) override;
  // What GetStationResults answers for `station`, read from Redis on the calling thread.
  grpc::Status StationResults(const domain::Station& station, v1::StationResults& response);
  // The transparency log the totals' log positions refer to: its newest checkpoint as polled,
  // UNAVAILABLE before the first or without a log to follow.
  grpc::Status GetLogCheckpoint(grpc::ServerContext* context,
                                const v1::GetLogCheckpointRequest* request,
                                v1::LogCheckpoint* response) override;
  // The official results' totals, kept apart from the observers' (as GetAreaTotals, serialized).
  grpc::ServerUnaryReactor* GetOfficialTotals(grpc::CallbackServerContext* context,
                                              const grpc::ByteBuffer* request,
                                              grpc::ByteBuffer* response) override;
  // Official against observer figures for every area (of a kind) and station of a contest.
  grpc::Status ListDiscrepancies(grpc::ServerContext* context,
                                 const v1::ListDiscrepanciesRequest* request,
                                 v1::ListDiscrepanciesResponse* response) override;
  // The stations under an area with their counted and official figures, in registry order, a
  // page at a time (PublishedStore::ReadStationResults).
  grpc::Status ListStations(grpc::ServerContext* context, const v1::ListStationsRequest* request,
                            v1::ListStationsResponse* response) override;
  // Reporting stations and the PVT estimate over the night (night_progress.h): INVALID_ARGUMENT
  // without a contest_id, NOT_FOUND for a contest the registry does not hold.
  grpc::Status GetNightProgress(grpc::ServerContext* context,
                                const v1::GetNightProgressRequest* request,
                                v1::NightProgress* response) override;

 private:
  // The registry's station that `request` names: INVALID_ARGUMENT without a station_id, NOT_FOUND
  // for one the registry does not hold. Answered before a read is queued: costs no worker.
  grpc::Status RequestedStation(const v1::GetStationResultsRequest& request,
                                const domain::Station*& station) const;
  // The serialized totals of the area and contest that `request` (a serialized Request, one of
  // GetAreaTotals' or GetOfficialTotals', which have the same fields) names, into `response`.
  template <typename Request>
  grpc::Status SerializedTotals(const grpc::ByteBuffer& request, bool official,
                                grpc::ByteBuffer& response);
  // Official against observer totals of the areas (of `kind`, or all) holding the contest.
  Status AreaDiscrepancies(const v1::Contest& contest, v1::AreaKind kind,
                           std::vector<v1::Discrepancy>& found);
  // The counted observer protocol against the counted official one, where a station has both.
  Status StationDiscrepancies(const v1::Contest& contest, std::vector<v1::Discrepancy>& found);

  const std::shared_ptr<PublishedStore> store_;
  const domain::Registry& registry_;
  WatchHub* watch_ = nullptr;
  StationReads* station_reads_ = nullptr;
  const CheckpointHistory* checkpoints_ = nullptr;
  const NightProgress* night_progress_ = nullptr;
  std::string log_url_;
  std::string verifier_key_;
  int max_versions_ = kMaxVersionsPerContest;
  size_t max_version_bytes_ = kMaxVersionBytes;
};

}  // namespace hattama::publication
