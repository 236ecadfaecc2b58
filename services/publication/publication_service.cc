#include "services/publication/publication_service.h"

#include <grpcpp/health_check_service_interface.h>
#include <spdlog/spdlog.h>

#include <charconv>

#include "common/domain/partition.h"
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

grpc::Status Internal(const std::string& message) {
  spdlog::error("{}", message);
  return grpc::Status(grpc::StatusCode::INTERNAL, message);
}

}  // namespace

PublicationService::PublicationService(std::shared_ptr<const domain::Registry> registry,
                                       std::shared_ptr<ConnectionPool> redis)
    : registry_(std::move(registry)), redis_(std::move(redis)) {}

grpc::Status PublicationService::Read(const std::vector<redis::Command>& commands,
                                      std::vector<redis::Reply>& replies) {
  std::string failure;
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto lease = redis_->Acquire();
    if (!lease.ok()) {
      failure = lease.status().message();
      break;  // A fresh connection was just refused: trying again at once would not help.
    }
    auto result = (*lease)->Pipeline(commands);
    if (result.ok()) {
      for (const auto& reply : *result) {
        if (reply.is_error()) return Internal("redis answered: " + reply.str);
      }
      replies = std::move(result).value();
      return grpc::Status::OK;
    }
    lease->MarkBroken();
    failure = result.status().message();
  }
  spdlog::warn("redis unavailable: {}", failure);
  return grpc::Status(grpc::StatusCode::UNAVAILABLE, "totals store unavailable: " + failure);
}

grpc::Status PublicationService::ReadPartitionCount(int32_t& partitions) {
  std::vector<redis::Reply> replies;
  auto status = Read({{"GET", redis::layout::PartitionsKey()}}, replies);
  if (!status.ok()) return status;
  partitions = 0;
  if (replies[0].type == redis::Reply::Type::kNil) return grpc::Status::OK;
  const std::string& text = replies[0].str;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), partitions);
  if (error != std::errc() || end != text.data() + text.size() || partitions < 0) {
    return Internal(redis::layout::PartitionsKey() + " holds \"" + text + "\", not a count");
  }
  return grpc::Status::OK;
}

grpc::Status PublicationService::GetElection(grpc::ServerContext*, const v1::GetElectionRequest*,
                                             v1::Election* response) {
  *response = registry_->election();
  return grpc::Status::OK;
}

grpc::Status PublicationService::GetAreaTotals(grpc::ServerContext*,
                                               const v1::GetAreaTotalsRequest* request,
                                               v1::AreaTotals* response) {
  if (request->area_id().empty() || request->contest_id().empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "area_id and contest_id are required");
  }
  const v1::Area* area = registry_->FindArea(request->area_id());
  if (area == nullptr) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "no area \"" + request->area_id() +
                                                         "\" in election " +
                                                         registry_->election().election_id());
  }
  const v1::Contest* contest = registry_->FindContest(request->contest_id());
  if (contest == nullptr) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "no contest \"" + request->contest_id() +
                                                         "\" in election " +
                                                         registry_->election().election_id());
  }

  int32_t partitions = 0;
  auto status = ReadPartitionCount(partitions);
  if (!status.ok()) return status;
  std::vector<redis::Command> commands;
  commands.reserve(partitions);
  for (int32_t p = 0; p < partitions; ++p) {
    commands.push_back(
        {"HGETALL", redis::layout::TotalsKey(p, contest->contest_id(), area->area_id())});
  }
  std::vector<redis::Reply> replies;
  if (!commands.empty()) {
    status = Read(commands, replies);
    if (!status.ok()) return status;
  }
  SummedFields sums;
  for (const auto& reply : replies) {
    auto added = AddTotals(Strings(reply), sums);
    if (!added.ok()) return Internal(added.message());
  }
  *response = BuildAreaTotals(*registry_, *area, *contest, sums);
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
  int32_t partitions = 0;
  auto status = ReadPartitionCount(partitions);
  if (!status.ok()) return status;

  std::vector<redis::Reply> replies;
  if (partitions > 0) {
    // Every submission of a station goes to this partition (ingestion produces it there).
    int32_t partition = domain::PartitionOf(station->station_id(), partitions);
    std::vector<redis::Command> commands;
    for (const auto& contest_id : station->contest_ids()) {
      commands.push_back(
          {"HGETALL", redis::layout::StationKey(partition, contest_id, station->station_id())});
      commands.push_back({"LRANGE",
                          redis::layout::VersionsKey(partition, contest_id, station->station_id()),
                          "0", "-1"});
    }
    status = Read(commands, replies);
    if (!status.ok()) return status;
  }

  *response->mutable_station() = *station;
  for (int i = 0; i < station->contest_ids_size(); ++i) {
    const v1::Contest* contest = registry_->FindContest(station->contest_ids(i));
    std::vector<std::string> hash, versions;
    if (!replies.empty()) {
      hash = Strings(replies[2 * i]);
      versions = Strings(replies[2 * i + 1]);
    }
    auto result = BuildStationContestResult(*station, *contest, hash, versions);
    if (!result.ok()) return Internal(result.status().message());
    *response->add_contests() = std::move(result).value();
  }
  return grpc::Status::OK;
}

Result<std::unique_ptr<grpc::Server>> StartServer(const std::string& listen,
                                                  grpc::Service* service) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) return Status::Error("cannot listen on " + listen);
  return server;
}

}  // namespace hattama::publication
