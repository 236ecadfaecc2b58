// hattama.v1.AnalysisService: seats, the PVT estimate and red flags, computed from what
// publication publishes (it reads through the read model, PublishedStore, so it sees exactly the
// figures GetAreaTotals and ListStations answer).
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <vector>

#include "common/domain/registry.h"
#include "hattama/v1/analysis.grpc.pb.h"
#include "services/publication/published_store.h"
#include "services/publication/pvt_sample.h"

namespace hattama::publication {

class AnalysisService final : public v1::AnalysisService::Service {
 public:
  // With `pvt_sample` (--pvt-sample), GetPvtEstimate also answers the estimate from the sample
  // (pvt_sample.h) beside the "reported so far" one.
  explicit AnalysisService(std::shared_ptr<PublishedStore> store,
                           std::shared_ptr<const PvtSample> pvt_sample = nullptr);

  grpc::Status GetSeats(grpc::ServerContext* context, const v1::GetSeatsRequest* request,
                        v1::SeatAllocation* response) override;
  grpc::Status GetPvtEstimate(grpc::ServerContext* context,
                              const v1::GetPvtEstimateRequest* request,
                              v1::PvtEstimate* response) override;
  grpc::Status GetRedFlags(grpc::ServerContext* context, const v1::GetRedFlagsRequest* request,
                           v1::RedFlags* response) override;
  // Computed by ComputeReforms (reforms.h).
  grpc::Status GetReforms(grpc::ServerContext* context, const v1::GetReformsRequest* request,
                          v1::Reforms* response) override;
  // Computed by ObserverEffectOf (observer_effect.h) over the counted stations of the contest and
  // those an independent organisation covered (deployment_service.h).
  grpc::Status GetObserverEffect(grpc::ServerContext* context,
                                 const v1::GetObserverEffectRequest* request,
                                 v1::ObserverEffect* response) override;

  // What GetPvtEstimate answers for the contest: NOT_FOUND for an unknown one, UNAVAILABLE when
  // the store cannot be read. Thread-safe; also sampled by NightProgress. Reads the regions'
  // totals (their PVT sums, layout.h), and the sampled stations with a PVT sample: never every
  // station of the contest.
  Result<v1::PvtEstimate> EstimatePvt(const std::string& contest_id);

 private:
  struct Counted {
    const domain::Station* station;
    v1::Figures figures;
  };
  // The counted protocols of `stations` for `contest` (stations without one are left out), read
  // in bulk (PublishedStore::ReadStationResults).
  Result<std::vector<Counted>> ReadCounted(const std::vector<const domain::Station*>& stations,
                                           const v1::Contest& contest);
  // The estimate from the PVT sample's stations that reported (pvt_sample_ is set).
  Result<v1::PvtSampleEstimate> EstimateSample(const v1::Contest& contest);
  // Stations of an area (nation, region, district) that vote in the contest.
  std::vector<const domain::Station*> StationsOf(const v1::Area& area,
                                                 const std::string& contest_id) const;

  const std::shared_ptr<PublishedStore> store_;
  const domain::Registry* const registry_;
  const std::shared_ptr<const PvtSample> pvt_sample_;
};

}  // namespace hattama::publication
