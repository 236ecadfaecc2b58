#include "common/analysis/pvt_sample.h"

#include <fmt/format.h>

#include <charconv>
#include <map>
#include <set>

namespace hattama::analysis {
namespace {

constexpr char kComment[] =
    "# Hattama PVT sample (hattama-hub draw-sample): its SHA-256 is published before the night";

bool IsId(std::string_view id) {
  return !id.empty() && id.find_first_of(" \t\r\n") == std::string_view::npos;
}

std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  while (start <= line.size()) {
    size_t end = line.find(' ', start);
    if (end == std::string_view::npos) end = line.size();
    fields.push_back(line.substr(start, end - start));
    start = end + 1;
  }
  return fields;
}

template <typename T>
bool ParseNumber(std::string_view text, T& out) {
  if (text.empty()) return false;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc() && end == text.data() + text.size();
}

}  // namespace

Result<std::string> FormatPvtSample(const PvtSample& sample) {
  if (!IsId(sample.election_id)) return Status::Error("the election id is empty or has a space");
  std::string text =
      fmt::format("{}\nformat 1\nelection {}\nseed {}\nmargin {}\nspread {}\n", kComment,
                  sample.election_id, sample.seed, sample.margin_percent, sample.spread_percent);
  for (const auto& stratum : sample.strata) {
    if (!IsId(stratum.region_id)) return Status::Error("a region id is empty or has a space");
    text += fmt::format("stratum {} {} {}\n", stratum.region_id, stratum.stations, stratum.sampled);
  }
  for (const auto& station : sample.stations) {
    if (!IsId(station.station_id) || !IsId(station.region_id)) {
      return Status::Error(
          fmt::format("station id '{}' is empty or has a space", station.station_id));
    }
    text += fmt::format("station {} {}\n", station.station_id, station.region_id);
  }
  return text;
}

Result<PvtSample> ParsePvtSample(std::string_view text) {
  PvtSample sample;
  bool has_format = false;
  std::map<std::string, size_t, std::less<>> stratum_of;
  std::map<std::string, int64_t, std::less<>> listed;
  std::set<std::string, std::less<>> stations;
  int line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const size_t end = text.find('\n');
    if (end == std::string_view::npos) {
      return Status::InvalidArgument(
          fmt::format("line {}: does not end in a newline", line_number));
    }
    const std::string_view line = text.substr(0, end);
    text.remove_prefix(end + 1);
    if (line.starts_with('#')) continue;
    auto bad = [&](std::string_view why) {
      return Status::InvalidArgument(fmt::format("line {}: {}: '{}'", line_number, why, line));
    };
    const auto fields = Fields(line);
    const std::string_view kind = fields[0];
    if (!has_format && kind != "format") return bad("the first record must be 'format 1'");
    if (kind == "format") {
      if (fields.size() != 2 || fields[1] != "1") return bad("only format 1 is known");
      has_format = true;
    } else if (kind == "election" && fields.size() == 2 && IsId(fields[1])) {
      sample.election_id = std::string(fields[1]);
    } else if (kind == "seed" && fields.size() == 2) {
      if (!ParseNumber(fields[1], sample.seed)) return bad("the seed is not an unsigned integer");
    } else if ((kind == "margin" || kind == "spread") && fields.size() == 2) {
      double& value = kind == "margin" ? sample.margin_percent : sample.spread_percent;
      if (!ParseNumber(fields[1], value) || !(value > 0)) return bad("not a positive number");
    } else if (kind == "stratum" && fields.size() == 4 && IsId(fields[1])) {
      PvtSampleStratum stratum{std::string(fields[1])};
      if (!ParseNumber(fields[2], stratum.stations) || !ParseNumber(fields[3], stratum.sampled) ||
          stratum.stations < 0 || stratum.sampled < 0 || stratum.sampled > stratum.stations) {
        return bad(
            "a stratum is 'stratum <region> <stations> <sampled>', 0 <= sampled <= stations");
      }
      if (!stratum_of.emplace(stratum.region_id, sample.strata.size()).second) {
        return bad("the stratum is listed twice");
      }
      sample.strata.push_back(std::move(stratum));
    } else if (kind == "station" && fields.size() == 3 && IsId(fields[1]) && IsId(fields[2])) {
      if (!stratum_of.contains(fields[2])) return bad("the station's region has no stratum line");
      if (!stations.emplace(fields[1]).second) return bad("the station is listed twice");
      ++listed[std::string(fields[2])];
      sample.stations.push_back({std::string(fields[1]), std::string(fields[2])});
    } else {
      return bad("not a record of a PVT sample file");
    }
  }
  if (!has_format) return Status::InvalidArgument("empty: no 'format 1' record");
  if (sample.election_id.empty()) return Status::InvalidArgument("no 'election' record");
  for (const auto& stratum : sample.strata) {
    const auto found = listed.find(stratum.region_id);
    const int64_t count = found == listed.end() ? 0 : found->second;
    if (count != stratum.sampled) {
      return Status::InvalidArgument(fmt::format("stratum {} says {} sampled stations, {} listed",
                                                 stratum.region_id, stratum.sampled, count));
    }
  }
  return sample;
}

}  // namespace hattama::analysis
