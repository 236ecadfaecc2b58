#include "services/publication/snapshot_publisher.h"

#include <google/protobuf/util/json_util.h>
#include <spdlog/spdlog.h>

#include <functional>

#include "common/base/status_grpc.h"
#include "services/publication/http_request.h"

namespace hattama::publication {
namespace {

// The largest page ListStations gives; a station list file holds every page.
constexpr const char* kStationsPage = "2000";

QueryParams Query(const std::map<std::string, std::string>& params) {
  return QueryParams(params.begin(), params.end());
}

bool WorthRetrying(grpc::StatusCode code) {
  return code == grpc::StatusCode::UNAVAILABLE || code == grpc::StatusCode::DEADLINE_EXCEEDED ||
         code == grpc::StatusCode::RESOURCE_EXHAUSTED;
}

Result<v1::ListStationsResponse> ParseStationList(const std::string& json) {
  v1::ListStationsResponse list;
  auto parsed = google::protobuf::util::JsonStringToMessage(json, &list);
  if (!parsed.ok()) return Status::Internal("unreadable station list: " + parsed.ToString());
  return list;
}

}  // namespace

SnapshotPublisher::SnapshotPublisher(std::shared_ptr<const domain::Registry> registry,
                                     SnapshotOptions options)
    : registry_(std::move(registry)), options_(std::move(options)), plan_(*registry_) {
  lanes_[1].contests = true;
  for (Lane& lane : lanes_) lane.due.assign(plan_.files().size(), 0);
  uncovered_.assign(plan_.files().size(), 1);
}

SnapshotPublisher::~SnapshotPublisher() { Stop(); }

Status SnapshotPublisher::Start(std::shared_ptr<grpc::Channel> channel,
                                TotalsJsonFunction totals_json) {
  auto directory = SnapshotDirectory::Open(options_.dir, options_.keep, options_.buckets);
  if (!directory.ok()) return directory.status();
  directory_ = std::move(directory).value();
  stub_ = std::make_unique<grpc::GenericStub>(std::move(channel));
  totals_json_ = std::move(totals_json);
  for (Lane& lane : lanes_) lane.thread = std::thread([this, &lane] { Run(lane); });
  spdlog::info("writing {} snapshot files to {} (index.json, {} buckets, v/)", plan_.files().size(),
               options_.dir, options_.buckets);
  return Status::Ok();
}

void SnapshotPublisher::Stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  for (Lane& lane : lanes_) {
    if (lane.thread.joinable()) lane.thread.join();
  }
}

void SnapshotPublisher::Changed(const TotalsKey& key) {
  std::lock_guard lock(mutex_);
  for (Lane& lane : lanes_) lane.changed.insert(key);
}

void SnapshotPublisher::FeedReady(bool ready) {
  if (!ready) return;
  std::lock_guard lock(mutex_);
  for (Lane& lane : lanes_) lane.everything = true;
}

bool SnapshotPublisher::InLane(const Lane& lane, size_t index) const {
  return plan_.OfContest(index) == lane.contests;
}

void SnapshotPublisher::Run(Lane& lane) {
  while (true) {
    const auto started = std::chrono::steady_clock::now();
    Turn(lane);
    turns_.fetch_add(1);
    std::unique_lock lock(mutex_);
    if (wake_.wait_until(lock, started + options_.interval, [this] { return stop_; })) return;
  }
}

void SnapshotPublisher::MarkSignalled(Lane& lane) {
  if (lane.everything) {
    for (size_t index = 0; index < lane.due.size(); ++index) {
      if (InLane(lane, index)) lane.due[index] = 1;
    }
  }
  lane.everything = false;
  for (const TotalsKey& key : lane.changed) {
    for (size_t index : plan_.TouchedBy(key)) {
      if (InLane(lane, index)) lane.due[index] = 1;
    }
  }
  lane.changed.clear();
}

void SnapshotPublisher::MarkSweep(Lane& lane) {
  if (options_.sweep.count() <= 0) return;
  const size_t files = lane.due.size();
  const size_t per_turn =
      1 + files * static_cast<size_t>(options_.interval.count()) /
              static_cast<size_t>(std::chrono::milliseconds(options_.sweep).count());
  for (size_t n = 0; n < per_turn; ++n) {
    if (InLane(lane, lane.sweep_cursor)) lane.due[lane.sweep_cursor] = 1;
    lane.sweep_cursor = (lane.sweep_cursor + 1) % files;
  }
}

void SnapshotPublisher::Turn(Lane& lane) {
  const auto turn_started = std::chrono::steady_clock::now();
  const auto& files = plan_.files();
  std::vector<char>& due = lane.due;
  {
    std::lock_guard lock(mutex_);
    MarkSignalled(lane);
  }
  if (!lane.contests) {
    due[SnapshotPlan::kDeploymentTable] = due[SnapshotPlan::kLogCheckpoint] = 1;
    due[SnapshotPlan::kOrganisationDeployment] = due[SnapshotPlan::kCityDeployment] = 1;
  }
  MarkSweep(lane);

  std::vector<size_t> retry_next;
  size_t read = 0;
  size_t written = 0;
  size_t failed = 0;
  for (size_t index = 0; index < files.size(); ++index) {
    if (!due[index]) continue;
    {
      std::lock_guard lock(mutex_);
      if (stop_) return;
    }
    due[index] = 0;
    ++read;
    bool retry = false;
    v1::ListStationsResponse list;
    auto bytes = Read(index, retry, list);
    if (!bytes.ok()) {
      ++failed;
      spdlog::debug("snapshot {}: {}", files[index].name, bytes.status().message());
      if (retry) retry_next.push_back(index);
      continue;
    }
    Result<bool> changed = false;
    {
      std::lock_guard lock(directory_mutex_);
      changed = directory_->Put(files[index].name, *bytes, files[index].listing);
    }
    if (!changed.ok()) {
      spdlog::warn("snapshot {}: {}", files[index].name, changed.status().message());
      retry_next.push_back(index);
      continue;
    }
    if (*changed) ++written;
    // A total states the tree size of the first checkpoint covering it, resolved when read: one
    // written before any did (0) may be covered now. (One covered stays so while publication
    // remembers that checkpoint, the last 64; the sweep catches a later one.)
    if (*changed && index == SnapshotPlan::kLogCheckpoint) {
      for (size_t totals : plan_.totals()) {
        if (uncovered_[totals]) due[totals] = 1;
      }
    }
    if (files[index].kind == SnapshotFile::Kind::kStationList) {
      MarkChangedStations(files[index].params.at("contest_id"), list, due);
    }
  }
  for (size_t index : retry_next) due[index] = 1;
  std::lock_guard lock(directory_mutex_);
  if (Status published = directory_->Publish(); !published.ok()) {
    spdlog::warn("snapshot index: {}", published.message());
  }
  if (written > 0) {
    spdlog::debug("snapshots ({}): {} read, {} new versions, {} failed, index {}, in {} ms",
                  lane.contests ? "contests" : "areas and stations", read, written, failed,
                  directory_->sequence(),
                  std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - turn_started)
                      .count());
  }
}

Result<std::string> SnapshotPublisher::Read(size_t index, bool& retry,
                                            v1::ListStationsResponse& list) {
  const SnapshotFile& file = plan_.files()[index];
  switch (file.kind) {
    case SnapshotFile::Kind::kTotals: {
      auto json = totals_json_(file.totals);
      if (!json.ok()) {
        retry = json.status().code() == StatusCode::kUnavailable;
        return json.status();
      }
      if (!(*json)->text.ok()) return (*json)->text.status();
      uncovered_[index] = (*json)->tree_size == 0;
      return *(*json)->text + "\n";
    }
    case SnapshotFile::Kind::kStationList: {
      auto json = ReadStationList(file, list);
      if (!json.ok()) retry = json.status().code() == StatusCode::kUnavailable;
      return json;
    }
    case SnapshotFile::Kind::kMirror:
      break;
  }
  std::string json;
  grpc::Status status = MirrorJson(*stub_, file.method, Query(file.params), "", json);
  if (!status.ok()) {
    retry = WorthRetrying(status.error_code());
    return FromGrpc(status);
  }
  return json;
}

Result<std::string> SnapshotPublisher::ReadStationList(const SnapshotFile& file,
                                                       v1::ListStationsResponse& list) {
  auto params = file.params;
  params["page_size"] = kStationsPage;
  std::string json;
  grpc::Status status = MirrorJson(*stub_, file.method, Query(params), "", json);
  if (!status.ok()) return FromGrpc(status);
  auto first = ParseStationList(json);
  if (!first.ok()) return first.status();
  list = std::move(first).value();
  if (list.next_page_token().empty()) return json;  // One page: the gateway's answer as it is.
  // A district of more stations than a page: every page in one answer, printed as the gateway
  // prints one.
  while (!list.next_page_token().empty()) {
    params["page_token"] = list.next_page_token();
    status = MirrorJson(*stub_, file.method, Query(params), "", json);
    if (!status.ok()) return FromGrpc(status);
    auto page = ParseStationList(json);
    if (!page.ok()) return page.status();
    for (auto& station : *page->mutable_stations()) *list.add_stations() = std::move(station);
    list.set_next_page_token(page->next_page_token());
  }
  auto printed = ToJson(list);
  if (!printed.ok()) return printed.status();
  return *printed + "\n";
}

void SnapshotPublisher::MarkChangedStations(const std::string& contest_id,
                                            const v1::ListStationsResponse& list,
                                            std::vector<char>& due) {
  for (const v1::StationSummary& line : list.stations()) {
    const std::string& station_id = line.station().station_id();
    const size_t hash = std::hash<std::string>{}(line.SerializeAsString());
    size_t& known = station_lines_[contest_id + "\n" + station_id];
    if (known == hash) continue;
    known = hash;
    if (auto station = plan_.Station(station_id)) due[*station] = 1;
  }
}

}  // namespace hattama::publication
