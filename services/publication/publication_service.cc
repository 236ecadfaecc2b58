#include "services/publication/publication_service.h"

#include <algorithm>
#include <charconv>
#include <set>
#include <utility>

#include "common/base/status_grpc.h"
#include "services/publication/totals.h"

namespace hattama::publication {
namespace {

// ListStations' page size when the request gives none, and the largest it allows.
constexpr int32_t kDefaultStationsPage = 500;
constexpr int32_t kMaxStationsPage = 2000;

// The stations under `area` that vote in `contest_id`, in registry order.
std::vector<const domain::Station*> StationsUnder(const domain::Registry& registry,
                                                  const v1::Area& area,
                                                  const std::string& contest_id) {
  std::set<std::string> districts;
  std::vector<const v1::Area*> pending = {&area};
  while (!pending.empty()) {
    const v1::Area* next = pending.back();
    pending.pop_back();
    if (next->kind() == v1::AREA_KIND_DISTRICT) districts.insert(next->area_id());
    for (const v1::Area* child : registry.Children(next->area_id())) pending.push_back(child);
  }
  std::vector<const domain::Station*> under;
  for (const auto& station : registry.stations()) {
    if (!districts.contains(station.district_id())) continue;
    if (!domain::Registry::HoldsContest(station, contest_id)) continue;
    under.push_back(&station);
  }
  return under;
}

// The index of a page's first station, from a page token this service gave.
Result<size_t> PageOffset(const std::string& token) {
  size_t offset = 0;
  if (token.empty()) return offset;
  auto [end, error] = std::from_chars(token.data(), token.data() + token.size(), offset);
  if (error != std::errc() || end != token.data() + token.size()) {
    return Status::InvalidArgument("page_token \"" + token + "\" is not one this service gave");
  }
  return offset;
}

// A callback method's reactor, finished with the answer computed on the thread that read the
// request.
grpc::ServerUnaryReactor* Answered(grpc::CallbackServerContext* context, grpc::Status status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(std::move(status));
  return reactor;
}

v1::StationSummary Summary(const domain::Station& station, v1::StationContestResult& result) {
  v1::StationSummary summary;
  *summary.mutable_station() = station.ToProto();
  if (result.has_counted()) {
    summary.mutable_counted()->Swap(result.mutable_counted()->mutable_figures());
  }
  if (result.has_official()) {
    summary.mutable_official()->Swap(result.mutable_official()->mutable_figures());
  }
  summary.mutable_flags()->Swap(result.mutable_flags());
  summary.set_confirmations(result.confirmations());
  summary.set_disputed(result.disputed());
  return summary;
}

}  // namespace

PublicationService::PublicationService(std::shared_ptr<PublishedStore> store)
    : store_(std::move(store)), registry_(store_->registry()) {}

grpc::Status PublicationService::GetElection(grpc::ServerContext*, const v1::GetElectionRequest*,
                                             v1::Election* response) {
  *response = registry_.election();
  return grpc::Status::OK;
}

template <typename Request>
grpc::Status PublicationService::SerializedTotals(const grpc::ByteBuffer& request, bool official,
                                                  grpc::ByteBuffer& response) {
  Request parsed;
  grpc::ByteBuffer bytes(request);  // Shares the request's slices: no copy.
  if (!grpc::SerializationTraits<Request>::Deserialize(&bytes, &parsed).ok()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "the request is not a " + Request::descriptor()->full_name());
  }
  auto totals = store_->ReadSerializedTotals({parsed.area_id(), parsed.contest_id(), official});
  if (!totals.ok()) return ToGrpc(totals.status());
  const Result<std::string>& serialized = (*totals)->text;
  if (!serialized.ok()) return ToGrpc(serialized.status());
  grpc::Slice slice(serialized->data(), serialized->size());
  grpc::ByteBuffer answer(&slice, 1);
  response.Swap(&answer);
  return grpc::Status::OK;
}

grpc::ServerUnaryReactor* PublicationService::GetAreaTotals(grpc::CallbackServerContext* context,
                                                            const grpc::ByteBuffer* request,
                                                            grpc::ByteBuffer* response) {
  return Answered(context, SerializedTotals<v1::GetAreaTotalsRequest>(*request, false, *response));
}

grpc::ServerUnaryReactor* PublicationService::GetOfficialTotals(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return Answered(context,
                  SerializedTotals<v1::GetOfficialTotalsRequest>(*request, true, *response));
}

grpc::Status PublicationService::GetLogCheckpoint(grpc::ServerContext*,
                                                  const v1::GetLogCheckpointRequest*,
                                                  v1::LogCheckpoint* response) {
  if (checkpoints_ == nullptr) {
    return ToGrpc(Status::Unavailable(
        "publication follows no transparency log (--tlog-address): no log positions to check"));
  }
  auto newest = checkpoints_->Newest();
  if (!newest.has_value()) {
    return ToGrpc(
        Status::Unavailable("no checkpoint from the transparency log yet; retry in a moment"));
  }
  *response->mutable_checkpoint() = std::move(*newest);
  response->set_log_url(log_url_);
  response->set_verifier_key(verifier_key_);
  return grpc::Status::OK;
}

grpc::Status PublicationService::GetNightProgress(grpc::ServerContext*,
                                                  const v1::GetNightProgressRequest* request,
                                                  v1::NightProgress* response) {
  if (request->contest_id().empty()) {
    return ToGrpc(Status::InvalidArgument("contest_id is required"));
  }
  if (night_progress_ == nullptr) {
    return ToGrpc(Status::FailedPrecondition("this publication samples no night progress"));
  }
  auto progress = night_progress_->Progress(request->contest_id());
  if (!progress.ok()) return ToGrpc(progress.status());
  *response = std::move(progress).value();
  return grpc::Status::OK;
}

grpc::Status PublicationService::ListDiscrepancies(grpc::ServerContext*,
                                                   const v1::ListDiscrepanciesRequest* request,
                                                   v1::ListDiscrepanciesResponse* response) {
  const v1::Contest* contest = registry_.FindContest(request->contest_id());
  if (contest == nullptr) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        "no contest \"" + request->contest_id() + "\" in the election");
  }
  const size_t limit = request->limit() > 0 ? static_cast<size_t>(request->limit()) : 100;
  std::vector<v1::Discrepancy> found;
  if (request->kind() != v1::AREA_KIND_STATION) {
    if (Status status = AreaDiscrepancies(*contest, request->kind(), found); !status.ok()) {
      return ToGrpc(status);
    }
  }
  if (request->kind() == v1::AREA_KIND_STATION || request->kind() == v1::AREA_KIND_UNSPECIFIED) {
    if (Status status = StationDiscrepancies(*contest, found); !status.ok()) return ToGrpc(status);
  }
  response->set_total_count(static_cast<int64_t>(found.size()));
  SortDiscrepancies(found, limit);
  for (auto& d : found) *response->add_discrepancies() = std::move(d);
  return grpc::Status::OK;
}

Status PublicationService::AreaDiscrepancies(const v1::Contest& contest, v1::AreaKind kind,
                                             std::vector<v1::Discrepancy>& found) {
  std::vector<const v1::Area*> areas;
  for (const auto& area : registry_.election().areas()) {
    if (kind != v1::AREA_KIND_UNSPECIFIED && area.kind() != kind) continue;
    if (registry_.StationsRegistered(area.area_id(), contest.contest_id()) == 0) continue;
    areas.push_back(&area);
  }
  auto observed = store_->ReadTotalsOfAreas(contest, redis::layout::Scope::kObserver, areas);
  if (!observed.ok()) return observed.status();
  auto announced = store_->ReadTotalsOfAreas(contest, redis::layout::Scope::kOfficial, areas);
  if (!announced.ok()) return announced.status();
  for (size_t i = 0; i < areas.size(); ++i) {
    const v1::AreaTotals& official = (*announced)[i];
    const v1::AreaTotals& observer = (*observed)[i];
    // An area without any official result yet has nothing to compare.
    if (official.stations_reporting() == 0) continue;
    if (auto d = Compare(areas[i]->area_id(), areas[i]->kind(), contest, official.figures(),
                         observer.figures(), official.stations_reporting(),
                         observer.stations_reporting())) {
      found.push_back(std::move(*d));
    }
  }
  return Status::Ok();
}

Status PublicationService::StationDiscrepancies(const v1::Contest& contest,
                                                std::vector<v1::Discrepancy>& found) {
  std::vector<const domain::Station*> stations;
  for (const auto& station : registry_.stations()) {
    if (domain::Registry::HoldsContest(station, contest.contest_id())) stations.push_back(&station);
  }
  auto results = store_->ReadStationResults(contest, stations);
  if (!results.ok()) return results.status();
  for (size_t i = 0; i < stations.size(); ++i) {
    const v1::StationContestResult& result = (*results)[i];
    if (!result.has_counted() || !result.has_official()) continue;
    if (auto d = Compare(stations[i]->station_id(), v1::AREA_KIND_STATION, contest,
                         result.official().figures(), result.counted().figures(), 1, 1)) {
      found.push_back(std::move(*d));
    }
  }
  return Status::Ok();
}

grpc::ServerUnaryReactor* PublicationService::GetStationResults(
    grpc::CallbackServerContext* context, const v1::GetStationResultsRequest* request,
    v1::StationResults* response) {
  const domain::Station* station = nullptr;
  if (grpc::Status found = RequestedStation(*request, station); !found.ok()) {
    return Answered(context, std::move(found));
  }
  if (station_reads_ == nullptr) return Answered(context, StationResults(*station, *response));
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  Status queued = station_reads_->Submit(
      ClientAddress(context->peer()), [this, context, station, response, reactor] {
        // A client that gave up while its read waited costs no Redis round trip.
        reactor->Finish(context->IsCancelled()
                            ? grpc::Status(grpc::StatusCode::CANCELLED, "the client gave up")
                            : StationResults(*station, *response));
      });
  if (!queued.ok()) reactor->Finish(ToGrpc(queued));
  return reactor;
}

grpc::Status PublicationService::RequestedStation(const v1::GetStationResultsRequest& request,
                                                  const domain::Station*& station) const {
  if (request.station_id().empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "station_id is required");
  }
  station = registry_.FindStation(request.station_id());
  if (station == nullptr) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        "no station \"" + request.station_id() + "\" in the registry");
  }
  return grpc::Status::OK;
}

grpc::Status PublicationService::StationResults(const domain::Station& station,
                                                v1::StationResults& response) {
  auto contests = store_->ReadStation(station);
  if (!contests.ok()) return ToGrpc(contests.status());
  *response.mutable_station() = station.ToProto();
  size_t budget = max_version_bytes_;
  for (auto& result : *contests) {
    BoundVersions(result, max_versions_, budget);
    *response.add_contests() = std::move(result);
  }
  return grpc::Status::OK;
}

grpc::Status PublicationService::ListStations(grpc::ServerContext*,
                                              const v1::ListStationsRequest* request,
                                              v1::ListStationsResponse* response) {
  auto found = FindAreaAndContest(registry_, request->area_id(), request->contest_id());
  if (!found.ok()) return ToGrpc(found.status());
  const auto [area, contest] = *found;
  if (request->page_size() < 0 || request->page_size() > kMaxStationsPage) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "page_size must be between 0 and " + std::to_string(kMaxStationsPage));
  }
  const size_t page_size =
      static_cast<size_t>(request->page_size() > 0 ? request->page_size() : kDefaultStationsPage);
  // The token is the index of the page's first station among the area's stations.
  auto offset = PageOffset(request->page_token());
  if (!offset.ok()) return ToGrpc(offset.status());

  const std::vector<const domain::Station*> under =
      StationsUnder(registry_, *area, contest->contest_id());
  response->set_total_count(static_cast<int64_t>(under.size()));
  if (*offset >= under.size()) return grpc::Status::OK;
  const size_t end = std::min(under.size(), *offset + page_size);
  const std::vector<const domain::Station*> page(under.begin() + *offset, under.begin() + end);
  auto results = store_->ReadStationResults(*contest, page);
  if (!results.ok()) return ToGrpc(results.status());
  for (size_t i = 0; i < page.size(); ++i) {
    *response->add_stations() = Summary(*page[i], (*results)[i]);
  }
  if (end < under.size()) response->set_next_page_token(std::to_string(end));
  return grpc::Status::OK;
}

grpc::ServerWriteReactor<v1::AreaTotals>* PublicationService::Watch(
    grpc::CallbackServerContext* context, const v1::WatchRequest* request) {
  if (watch_ == nullptr) {
    return RefuseWatch(grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                                    "publication runs without a change feed (--kafka-bootstrap): "
                                    "nothing to watch; poll GetAreaTotals instead"));
  }
  return watch_->Start(context, *request);
}

}  // namespace hattama::publication
