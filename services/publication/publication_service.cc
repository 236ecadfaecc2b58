#include "services/publication/publication_service.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <set>

#include "common/base/status_grpc.h"
#include "common/domain/partition.h"
#include "common/metrics/grpc_metrics.h"
#include "common/metrics/service_metrics.h"
#include "common/redis/layout.h"
#include "services/publication/totals.h"

namespace hattama::publication {
namespace {

std::vector<std::string> Strings(const redis::Reply& reply) {
  std::vector<std::string> strings;
  strings.reserve(reply.elements.size());
  for (const auto& element : reply.elements) strings.push_back(element.str);
  return strings;
}

// Commands per round trip: a few hundred HGETALLs of station hashes are some tens of kilobytes.
constexpr size_t kPipelineBatch = 400;
// ListStations' page size when the request gives none, and the largest it allows.
constexpr int32_t kDefaultStationsPage = 500;
constexpr int32_t kMaxStationsPage = 2000;

Status Internal(const std::string& message) {
  spdlog::error("{}", message);
  return Status::Internal(message);
}

// The versions one answer carries: the counted one always, then the newest others while there
// are fewer than `max_versions` and they fit in `budget`, in the order applied.
void BoundVersions(v1::StationContestResult& result, int max_versions, size_t& budget) {
  auto* versions = result.mutable_versions();
  std::vector<bool> keep(versions->size(), false);
  int kept = 0;
  for (int i = 0; i < versions->size(); ++i) {
    if (versions->Get(i).submission().submission_id() == result.counted_submission_id() &&
        !result.counted_submission_id().empty()) {
      keep[i] = true;
      ++kept;
      const size_t size = versions->Get(i).ByteSizeLong();
      budget = size >= budget ? 0 : budget - size;
    }
  }
  for (int i = versions->size() - 1; i >= 0; --i) {
    if (keep[i]) continue;
    const size_t size = versions->Get(i).ByteSizeLong();
    if (kept >= max_versions || size > budget) continue;
    keep[i] = true;
    ++kept;
    budget -= size;
  }
  int to = 0;
  for (int i = 0; i < versions->size(); ++i) {
    if (keep[i]) versions->SwapElements(to++, i);
  }
  while (versions->size() > to) versions->RemoveLast();
}

}  // namespace

PublicationService::PublicationService(std::shared_ptr<const domain::Registry> registry,
                                       std::shared_ptr<ConnectionPool> redis)
    : registry_(std::move(registry)), redis_(std::move(redis)) {}

Result<std::vector<redis::Reply>> PublicationService::Read(
    const std::vector<redis::Command>& commands) {
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
  // A store that cannot answer is "retry later" (503 / UNAVAILABLE), never "no such thing".
  return Status::Unavailable("totals store unavailable: " + failure);
}

Result<int32_t> PublicationService::ReadPartitionCount() {
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

grpc::Status PublicationService::GetElection(grpc::ServerContext*, const v1::GetElectionRequest*,
                                             v1::Election* response) {
  *response = registry_->election();
  return grpc::Status::OK;
}

grpc::Status PublicationService::GetAreaTotals(grpc::ServerContext*,
                                               const v1::GetAreaTotalsRequest* request,
                                               v1::AreaTotals* response) {
  auto totals = ReadTotals({request->area_id(), request->contest_id(), /*official=*/false});
  if (!totals.ok()) return ToGrpc(totals.status());
  *response = std::move(totals).value();
  return grpc::Status::OK;
}

Result<v1::AreaTotals> PublicationService::ReadTotals(const TotalsKey& key) {
  auto found = FindAreaAndContest(key.area_id, key.contest_id);
  if (!found.ok()) return found.status();
  return ReadAreaTotals(
      *found->first, *found->second,
      key.official ? redis::layout::Scope::kOfficial : redis::layout::Scope::kObserver);
}

Result<v1::AreaTotals> PublicationService::ReadAreaTotals(const v1::Area& area,
                                                          const v1::Contest& contest,
                                                          redis::layout::Scope scope) {
  // From memory while the change feed vouches for it; the ticket keeps a read that an
  // invalidation overtook from being stored (totals_cache.h).
  const TotalsKey key{area.area_id(), contest.contest_id(),
                      scope == redis::layout::Scope::kOfficial};
  TotalsCache::Ticket ticket = 0;
  if (cache_ != nullptr) {
    if (auto cached = cache_->Find(key, ticket)) return std::move(*cached);
  }
  auto partitions = ReadPartitionCount();
  if (!partitions.ok()) return partitions.status();
  std::vector<std::pair<const v1::Area*, SummedFields>> one = {{&area, {}}};
  auto status = SumTotals(contest, scope, *partitions, one);
  if (!status.ok()) return status;
  v1::AreaTotals response = BuildAreaTotals(*registry_, area, contest, one[0].second);
  response.set_official(scope == redis::layout::Scope::kOfficial);
  if (cache_ != nullptr) cache_->Store(key, ticket, response);
  return response;
}

Status PublicationService::SumTotals(const v1::Contest& contest, redis::layout::Scope scope,
                                     int32_t partitions,
                                     std::vector<std::pair<const v1::Area*, SummedFields>>& areas) {
  std::vector<redis::Command> commands;
  commands.reserve(areas.size() * partitions);
  for (const auto& [area, sums] : areas) {
    for (int32_t p = 0; p < partitions; ++p) {
      commands.push_back(
          {"HGETALL", redis::layout::TotalsKey(p, contest.contest_id(), area->area_id(), scope)});
    }
  }
  if (commands.empty()) return Status::Ok();
  auto replies = Read(commands);
  if (!replies.ok()) return replies.status();
  for (size_t i = 0; i < replies->size(); ++i) {
    auto added = AddTotals(Strings((*replies)[i]), areas[i / partitions].second);
    if (!added.ok()) return Internal(added.message());
  }
  return Status::Ok();
}

grpc::Status PublicationService::GetOfficialTotals(grpc::ServerContext*,
                                                   const v1::GetOfficialTotalsRequest* request,
                                                   v1::AreaTotals* response) {
  auto totals = ReadTotals({request->area_id(), request->contest_id(), /*official=*/true});
  if (!totals.ok()) return ToGrpc(totals.status());
  *response = std::move(totals).value();
  return grpc::Status::OK;
}

Result<std::pair<const v1::Area*, const v1::Contest*>> PublicationService::FindAreaAndContest(
    const std::string& area_id, const std::string& contest_id) {
  if (area_id.empty() || contest_id.empty()) {
    return Status::InvalidArgument("area_id and contest_id are required");
  }
  const v1::Area* area = registry_->FindArea(area_id);
  if (area == nullptr) {
    return Status::NotFound("no area \"" + area_id + "\" in election " +
                            registry_->election().election_id());
  }
  const v1::Contest* contest = registry_->FindContest(contest_id);
  if (contest == nullptr) {
    return Status::NotFound("no contest \"" + contest_id + "\" in election " +
                            registry_->election().election_id());
  }
  return std::make_pair(area, contest);
}

grpc::Status PublicationService::ListDiscrepancies(grpc::ServerContext*,
                                                   const v1::ListDiscrepanciesRequest* request,
                                                   v1::ListDiscrepanciesResponse* response) {
  const v1::Contest* contest = registry_->FindContest(request->contest_id());
  if (contest == nullptr) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        "no contest \"" + request->contest_id() + "\" in the election");
  }
  const size_t limit = request->limit() > 0 ? static_cast<size_t>(request->limit()) : 100;
  auto partition_count = ReadPartitionCount();
  if (!partition_count.ok()) return ToGrpc(partition_count.status());
  const int32_t partitions = *partition_count;
  std::vector<v1::Discrepancy> found;
  if (partitions == 0) return grpc::Status::OK;

  // Areas: official and observer totals summed over every partition.
  if (request->kind() != v1::AREA_KIND_STATION) {
    std::vector<std::pair<const v1::Area*, SummedFields>> observer, official;
    for (const auto& area : registry_->election().areas()) {
      if (request->kind() != v1::AREA_KIND_UNSPECIFIED && area.kind() != request->kind()) continue;
      if (registry_->StationsRegistered(area.area_id(), contest->contest_id()) == 0) continue;
      observer.push_back({&area, {}});
      official.push_back({&area, {}});
    }
    auto status = SumTotals(*contest, redis::layout::Scope::kObserver, partitions, observer);
    if (!status.ok()) return ToGrpc(status);
    status = SumTotals(*contest, redis::layout::Scope::kOfficial, partitions, official);
    if (!status.ok()) return ToGrpc(status);
    for (size_t i = 0; i < observer.size(); ++i) {
      const v1::Area& area = *observer[i].first;
      auto observed = BuildAreaTotals(*registry_, area, *contest, observer[i].second);
      auto announced = BuildAreaTotals(*registry_, area, *contest, official[i].second);
      // An area without any official result yet has nothing to compare.
      if (announced.stations_reporting() == 0) continue;
      if (auto d = Compare(area.area_id(), area.kind(), *contest, announced.figures(),
                           observed.figures(), announced.stations_reporting(),
                           observed.stations_reporting())) {
        found.push_back(std::move(*d));
      }
    }
  }
  // Stations: the counted observer protocol against the counted official one, where both exist.
  if (request->kind() == v1::AREA_KIND_STATION || request->kind() == v1::AREA_KIND_UNSPECIFIED) {
    std::vector<const v1::Station*> stations;
    std::vector<redis::Command> commands;
    for (const auto& station : registry_->stations()) {
      if (!domain::Registry::HoldsContest(station, contest->contest_id())) continue;
      const int32_t p = domain::PartitionOf(station.station_id(), partitions);
      stations.push_back(&station);
      commands.push_back(
          {"HGETALL", redis::layout::StationKey(p, contest->contest_id(), station.station_id())});
      commands.push_back(
          {"HGETALL", redis::layout::StationKey(p, contest->contest_id(), station.station_id(),
                                                redis::layout::Scope::kOfficial)});
    }
    std::vector<redis::Reply> replies;
    if (!commands.empty()) {
      auto read = Read(commands);
      if (!read.ok()) return ToGrpc(read.status());
      replies = std::move(read).value();
    }
    for (size_t i = 0; i < stations.size(); ++i) {
      auto observer = Strings(replies[2 * i]);
      auto official = Strings(replies[2 * i + 1]);
      if (observer.empty() || official.empty()) continue;
      auto result = BuildStationContestResult(*stations[i], *contest, observer, {}, official);
      if (!result.ok()) return ToGrpc(Internal(result.status().message()));
      if (auto d = Compare(stations[i]->station_id(), v1::AREA_KIND_STATION, *contest,
                           result->official().figures(), result->counted().figures(), 1, 1)) {
        found.push_back(std::move(*d));
      }
    }
  }
  response->set_total_count(static_cast<int64_t>(found.size()));
  SortDiscrepancies(found, limit);
  for (auto& d : found) *response->add_discrepancies() = std::move(d);
  return grpc::Status::OK;
}

grpc::Status PublicationService::GetStationResults(grpc::ServerContext*,
                                                   const v1::GetStationResultsRequest* request,
                                                   v1::StationResults* response) {
  if (request->station_id().empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "station_id is required");
  }
  const v1::Station* station = registry_->FindStation(request->station_id());
  if (station == nullptr) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        "no station \"" + request->station_id() + "\" in the registry");
  }
  auto partitions = ReadPartitionCount();
  if (!partitions.ok()) return ToGrpc(partitions.status());

  std::vector<redis::Reply> replies;
  if (*partitions > 0) {
    // Every submission of a station goes to this partition (ingestion produces it there).
    int32_t partition = domain::PartitionOf(station->station_id(), *partitions);
    std::vector<redis::Command> commands;
    for (const auto& contest_id : station->contest_ids()) {
      commands.push_back(
          {"HGETALL", redis::layout::StationKey(partition, contest_id, station->station_id())});
      commands.push_back({"LRANGE",
                          redis::layout::VersionsKey(partition, contest_id, station->station_id()),
                          "0", "-1"});
      commands.push_back(
          {"HGETALL", redis::layout::StationKey(partition, contest_id, station->station_id(),
                                                redis::layout::Scope::kOfficial)});
    }
    auto read = Read(commands);
    if (!read.ok()) return ToGrpc(read.status());
    replies = std::move(read).value();
  }

  *response->mutable_station() = *station;
  size_t budget = max_version_bytes_;
  for (int i = 0; i < station->contest_ids_size(); ++i) {
    const v1::Contest* contest = registry_->FindContest(station->contest_ids(i));
    std::vector<std::string> hash, versions, official;
    if (!replies.empty()) {
      hash = Strings(replies[3 * i]);
      versions = Strings(replies[3 * i + 1]);
      official = Strings(replies[3 * i + 2]);
    }
    auto result = BuildStationContestResult(*station, *contest, hash, versions, official);
    if (!result.ok()) return ToGrpc(Internal(result.status().message()));
    BoundVersions(*result, max_versions_, budget);
    *response->add_contests() = std::move(result).value();
  }
  return grpc::Status::OK;
}

Result<std::vector<v1::StationContestResult>> PublicationService::ReadStationResults(
    const v1::Contest& contest, const std::vector<const v1::Station*>& stations) {
  auto partition_count = ReadPartitionCount();
  if (!partition_count.ok()) return partition_count.status();
  const int32_t partitions = *partition_count;
  std::vector<redis::Reply> replies;
  if (partitions > 0 && !stations.empty()) {
    std::vector<redis::Command> commands;
    commands.reserve(2 * stations.size());
    for (const v1::Station* station : stations) {
      const int32_t p = domain::PartitionOf(station->station_id(), partitions);
      commands.push_back(
          {"HGETALL", redis::layout::StationKey(p, contest.contest_id(), station->station_id())});
      commands.push_back(
          {"HGETALL", redis::layout::StationKey(p, contest.contest_id(), station->station_id(),
                                                redis::layout::Scope::kOfficial)});
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
      if (fields[f].str == redis::layout::kFlagged && fields[f + 1].str != "0")
        flagged.push_back(i);
    }
  }
  std::vector<redis::Reply> versions;
  if (!flagged.empty()) {
    std::vector<redis::Command> commands;
    commands.reserve(flagged.size());
    for (size_t i : flagged) {
      const int32_t p = domain::PartitionOf(stations[i]->station_id(), partitions);
      commands.push_back(
          {"LRANGE", redis::layout::VersionsKey(p, contest.contest_id(), stations[i]->station_id()),
           "0", "-1"});
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

grpc::Status PublicationService::ListStations(grpc::ServerContext*,
                                              const v1::ListStationsRequest* request,
                                              v1::ListStationsResponse* response) {
  auto found = FindAreaAndContest(request->area_id(), request->contest_id());
  if (!found.ok()) return ToGrpc(found.status());
  const auto [area, contest] = *found;
  if (request->page_size() < 0 || request->page_size() > kMaxStationsPage) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "page_size must be between 0 and " + std::to_string(kMaxStationsPage));
  }
  const size_t page_size =
      static_cast<size_t>(request->page_size() > 0 ? request->page_size() : kDefaultStationsPage);
  // The token is the index of the page's first station among the area's stations.
  size_t offset = 0;
  if (!request->page_token().empty()) {
    const std::string& token = request->page_token();
    auto [end, error] = std::from_chars(token.data(), token.data() + token.size(), offset);
    if (error != std::errc() || end != token.data() + token.size()) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "page_token \"" + token + "\" is not one this service gave");
    }
  }

  // The districts under the area, then their stations that vote in the contest, in registry
  // order.
  std::set<std::string> districts;
  std::vector<const v1::Area*> pending = {area};
  while (!pending.empty()) {
    const v1::Area* next = pending.back();
    pending.pop_back();
    if (next->kind() == v1::AREA_KIND_DISTRICT) districts.insert(next->area_id());
    for (const v1::Area* child : registry_->Children(next->area_id())) pending.push_back(child);
  }
  std::vector<const v1::Station*> under;
  for (const auto& station : registry_->stations()) {
    if (!districts.contains(station.district_id())) continue;
    if (!domain::Registry::HoldsContest(station, contest->contest_id())) continue;
    under.push_back(&station);
  }
  response->set_total_count(static_cast<int64_t>(under.size()));
  if (offset >= under.size()) return grpc::Status::OK;
  const size_t end = std::min(under.size(), offset + page_size);
  const std::vector<const v1::Station*> page(under.begin() + offset, under.begin() + end);
  auto read = ReadStationResults(*contest, page);
  if (!read.ok()) return ToGrpc(read.status());
  std::vector<v1::StationContestResult>& results = *read;
  for (size_t i = 0; i < page.size(); ++i) {
    auto* summary = response->add_stations();
    *summary->mutable_station() = *page[i];
    v1::StationContestResult& result = results[i];
    if (result.has_counted())
      summary->mutable_counted()->Swap(result.mutable_counted()->mutable_figures());
    if (result.has_official()) {
      summary->mutable_official()->Swap(result.mutable_official()->mutable_figures());
    }
    summary->mutable_flags()->Swap(result.mutable_flags());
    summary->set_confirmations(result.confirmations());
    summary->set_disputed(result.disputed());
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

Result<std::unique_ptr<grpc::Server>> StartServer(const std::string& listen, grpc::Service* service,
                                                  std::vector<grpc::Service*> also) {
  grpc::EnableDefaultHealthCheckService(true);
  // Server reflection, so that grpcurl and other generic clients work without the .proto files.
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(service);
  for (grpc::Service* other : also) builder.RegisterService(other);
  metrics::AddGrpcMetrics(builder);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) return Status::Error("cannot listen on " + listen);
  return server;
}

}  // namespace hattama::publication
