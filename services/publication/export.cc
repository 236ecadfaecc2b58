#include "services/publication/export.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/base/json_string.h"

namespace hattama::publication {
namespace {

// CSV needs quotes only around text with a separator, a quote or a line break.
std::string CsvField(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

}  // namespace

Result<std::string> ExportContest(PublishedStore& store, const std::string& contest_id,
                                  ExportFormat format) {
  const domain::Registry& registry = store.registry();
  const v1::Contest* contest = registry.FindContest(contest_id);
  if (contest == nullptr) return Status::NotFound("no contest '" + contest_id + "'");
  const std::vector<std::string> figure_names = {
      "registered_voters", "additional_list_voters", "ballots_received", "ballots_issued",
      "ballots_cancelled", "ballots_in_box",         "ballots_spoiled",  "ballots_valid"};

  std::string out;
  if (format == ExportFormat::kCsv) {
    out = "station_id,district_id,region_id,reported";
    for (const auto& name : figure_names) out += "," + name;
    for (const auto& option : contest->options()) out += "," + CsvField(option.option_id());
    out += ",submission_id,flagged,disputed,confirmations\n";
  }
  std::vector<const domain::Station*> stations;
  for (const auto& station : registry.stations()) {
    if (domain::Registry::HoldsContest(station, contest_id)) stations.push_back(&station);
  }
  auto read = store.ReadStationResults(*contest, stations);
  if (!read.ok()) return read.status();  // kUnavailable stays kUnavailable: a 503, never a 404.
  const std::vector<v1::StationContestResult>& results = *read;
  for (size_t s = 0; s < stations.size(); ++s) {
    const domain::Station& station = *stations[s];
    const v1::StationContestResult* result = results[s].has_counted() ? &results[s] : nullptr;
    auto areas = registry.EnclosingAreas(station);
    const std::string region = areas.size() > 1 ? areas[1]->area_id() : "";

    // Figure values in column order; empty when the station has not reported.
    std::vector<std::string> values;
    if (result != nullptr) {
      const auto& f = result->counted().figures();
      const auto* reflection = f.GetReflection();
      for (const auto& name : figure_names) {
        const auto* field = f.GetDescriptor()->FindFieldByName(name);
        values.push_back(reflection->HasField(f, field)
                             ? std::to_string(reflection->GetInt64(f, field))
                             : std::string());
      }
      for (const auto& option : contest->options()) {
        std::string votes;
        for (const auto& line : f.option_votes()) {
          if (line.option_id() == option.option_id()) votes = std::to_string(line.votes());
        }
        values.push_back(votes);
      }
    }
    const bool reported = result != nullptr;
    if (format == ExportFormat::kCsv) {
      out += CsvField(station.station_id()) + "," + CsvField(station.district_id()) + "," +
             CsvField(region) + "," + (reported ? "true" : "false");
      for (size_t i = 0; i < figure_names.size() + contest->options_size(); ++i) {
        out += "," + (reported ? values[i] : std::string());
      }
      out += reported ? fmt::format(",{},{},{},{}\n", CsvField(result->counted_submission_id()),
                                    result->flags_size() > 0, result->disputed(),
                                    result->confirmations())
                      : ",,,,\n";
    } else {
      out += fmt::format("{{\"station_id\":{},\"district_id\":{},\"region_id\":{},\"reported\":{}",
                         JsonString(station.station_id()), JsonString(station.district_id()),
                         JsonString(region), reported);
      if (reported) {
        for (size_t i = 0; i < figure_names.size(); ++i) {
          if (!values[i].empty()) out += ",\"" + figure_names[i] + "\":" + values[i];
        }
        out += ",\"option_votes\":{";
        for (int k = 0; k < contest->options_size(); ++k) {
          const std::string& votes = values[figure_names.size() + k];
          out += (k ? "," : "") + JsonString(contest->options(k).option_id()) + ":" +
                 (votes.empty() ? "null" : votes);
        }
        out += fmt::format(
            "}},\"submission_id\":{},\"flagged\":{},\"disputed\":{},"
            "\"confirmations\":{}",
            JsonString(result->counted_submission_id()), result->flags_size() > 0,
            result->disputed(), result->confirmations());
      }
      out += "}\n";
    }
  }
  return out;
}

ExportCache::ExportCache(Produce produce, std::chrono::milliseconds max_age)
    : produce_(std::move(produce)), max_age_(max_age) {}

void ExportCache::Changed(const std::string& contest_id) {
  std::lock_guard lock(mutex_);
  ++generations_[contest_id];
}

uint64_t ExportCache::productions() const {
  std::lock_guard lock(mutex_);
  return productions_;
}

Result<std::shared_ptr<const std::string>> ExportCache::Get(const std::string& contest_id,
                                                            ExportFormat format) {
  const Key key{contest_id, format};
  std::promise<Produced> promise;
  uint64_t generation = 0;
  {
    std::unique_lock lock(mutex_);
    // Looked up, not inserted: a visitor's made-up contest ids must not grow the maps.
    auto changed = generations_.find(contest_id);
    generation = changed == generations_.end() ? 0 : changed->second;
    Entry& entry = entries_[key];
    const auto now = std::chrono::steady_clock::now();
    if (entry.bytes && entry.generation == generation && now - entry.produced < max_age_) {
      return entry.bytes;
    }
    // Someone is producing it already: wait for that one (single flight), whatever it gives.
    if (entry.in_flight.valid()) {
      auto in_flight = entry.in_flight;
      lock.unlock();
      return in_flight.get();
    }
    entry.in_flight = promise.get_future().share();
    ++productions_;
  }
  const auto started = std::chrono::steady_clock::now();
  auto file = produce_(contest_id, format);
  Produced produced = file.ok()
                          ? Produced(std::make_shared<const std::string>(std::move(file).value()))
                          : Produced(file.status());
  if (produced.ok()) {
    spdlog::info("export {}.{} produced: {} bytes in {} ms", contest_id,
                 format == ExportFormat::kCsv ? "csv" : "jsonl", (*produced)->size(),
                 std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::steady_clock::now() - started)
                     .count());
  } else {
    spdlog::warn("export {} failed: {}", contest_id, produced.status().message());
  }
  {
    std::lock_guard lock(mutex_);
    Entry& entry = entries_[key];
    if (produced.ok()) {
      entry.bytes = *produced;
      entry.generation = generation;
      entry.produced = started;  // A change during production makes it stale at once.
    }
    entry.in_flight = {};
    // Nothing to keep (an unknown contest, a failed read): the entry goes, so that failures leave
    // nothing behind.
    if (!entry.bytes) entries_.erase(key);
  }
  promise.set_value(produced);
  return produced;
}

}  // namespace hattama::publication
