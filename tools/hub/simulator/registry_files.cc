#include "tools/hub/simulator/registry_files.h"

#include <google/protobuf/util/json_util.h>

#include <filesystem>

namespace hattama::hub {
namespace {

template <typename Stations>
Status WriteBoth(const v1::Election& election, const Stations& stations, const std::string& dir) {
  if (auto prepared = PrepareRegistryDir(dir); !prepared.ok()) return prepared;
  if (auto written = WriteElectionJson(election, dir); !written.ok()) return written;
  StationsCsvWriter writer(dir);
  for (const auto& station : stations) writer.Add(station);
  return writer.Finish();
}

}  // namespace

std::string ElectionJsonPath(const std::string& dir) {
  return (std::filesystem::path(dir) / "election.json").string();
}

std::string StationsCsvPath(const std::string& dir) {
  return (std::filesystem::path(dir) / "stations.csv").string();
}

Status PrepareRegistryDir(const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return Status::Error("cannot create " + dir + ": " + error.message());
  // An observer registry left beside them belonged to the registry these files replace.
  for (std::string_view name : {domain::kOrganisationsFileName, domain::kObserversFileName}) {
    std::filesystem::remove(std::filesystem::path(dir) / name, error);
    if (error) return Status::Error("cannot remove the old " + std::string(name) + " in " + dir);
  }
  return Status::Ok();
}

Status WriteElectionJson(const v1::Election& election, const std::string& dir) {
  google::protobuf::util::JsonPrintOptions json_options;
  json_options.add_whitespace = true;
  json_options.preserve_proto_field_names = true;
  std::string json;
  auto printed = google::protobuf::util::MessageToJsonString(election, &json, json_options);
  if (!printed.ok()) return Status::Error("election to JSON: " + std::string(printed.message()));
  std::ofstream out(ElectionJsonPath(dir), std::ios::binary | std::ios::trunc);
  out << json;
  if (!out.flush()) return Status::Error("cannot write " + ElectionJsonPath(dir));
  return Status::Ok();
}

StationsCsvWriter::StationsCsvWriter(const std::string& dir)
    : path_(StationsCsvPath(dir)), out_(path_, std::ios::binary | std::ios::trunc) {
  out_ << "station_id,district_id,registered_voters,contest_ids\n";
}

Status StationsCsvWriter::Finish() {
  if (!out_.flush()) return Status::Error("cannot write " + path_);
  return Status::Ok();
}

Status WriteRegistryFiles(const v1::Election& election, const std::vector<v1::Station>& stations,
                          const std::string& dir) {
  return WriteBoth(election, stations, dir);
}

Status WriteRegistryFiles(const v1::Election& election,
                          const std::vector<domain::Station>& stations, const std::string& dir) {
  return WriteBoth(election, stations, dir);
}

bool RegistryFilesExist(const std::string& dir) {
  return std::filesystem::exists(ElectionJsonPath(dir)) &&
         std::filesystem::exists(StationsCsvPath(dir));
}

Result<std::shared_ptr<const domain::Registry>> LoadRegistryFiles(const std::string& dir) {
  return domain::Registry::Load(ElectionJsonPath(dir), StationsCsvPath(dir));
}

}  // namespace hattama::hub
