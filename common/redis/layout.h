// The Redis key layout, shared by aggregation (the only writer) and publication (a reader).
//
// Every key a submission's apply script touches carries the hash tag of the Kafka partition the
// submission came from, "{p<N>}", so that each script call touches one Redis Cluster slot. Area
// totals are therefore kept per partition and summed over all partitions on read. Ingestion puts
// every submission of a station into partition domain::PartitionOf(station_id, P), so a reader
// finds a station's keys from its id and P.
//
//   hattama:partitions                      partition count P of the submissions topic (string),
//                                           written by aggregation when it is assigned partitions
//   hattama:{p<N>}:seen:<submission_id>     digest of a submission already applied (string)
//   hattama:{p<N>}:station:<contest>:<station>
//                                           hash: the counted figures of the station ("f:<name>",
//                                           "v:<option_id>", see figures.h), "submission_id"
//                                           counted, its "observer_id" and "revision", "flagged"
//                                           (0/1); absent while no protocol is counted
//   hattama:{p<N>}:versions:<contest>:<station>
//                                           list: SubmissionRecord bytes of every version received
//                                           (counted or not, official ones and retractions too),
//                                           in the order applied
//   hattama:{p<N>}:totals:<contest>:<area>  hash: sums over the counted protocols of the area's
//                                           stations in this partition: the same "f:"/"v:" fields,
//                                           plus "stations_reporting" and "flagged_count"
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hattama::redis::layout {

inline std::string PartitionTag(int32_t partition) {
  return "{p" + std::to_string(partition) + "}";
}
inline std::string PartitionsKey() { return "hattama:partitions"; }
inline std::string SeenKey(int32_t partition, std::string_view submission_id) {
  return "hattama:" + PartitionTag(partition) + ":seen:" + std::string(submission_id);
}
inline std::string StationKey(int32_t partition, std::string_view contest_id,
                              std::string_view station_id) {
  return "hattama:" + PartitionTag(partition) + ":station:" + std::string(contest_id) + ":" +
         std::string(station_id);
}
inline std::string VersionsKey(int32_t partition, std::string_view contest_id,
                               std::string_view station_id) {
  return "hattama:" + PartitionTag(partition) + ":versions:" + std::string(contest_id) + ":" +
         std::string(station_id);
}
inline std::string TotalsKey(int32_t partition, std::string_view contest_id,
                             std::string_view area_id) {
  return "hattama:" + PartitionTag(partition) + ":totals:" + std::string(contest_id) + ":" +
         std::string(area_id);
}

// Hash fields of figures, in station and totals hashes.
inline constexpr std::string_view kFigurePrefix = "f:";  // f:ballots_valid, ...
inline constexpr std::string_view kVotesPrefix = "v:";   // v:<option_id>
inline constexpr std::string_view kStationsReporting = "stations_reporting";
inline constexpr std::string_view kFlaggedCount = "flagged_count";
inline constexpr std::string_view kCountedSubmission = "submission_id";
inline constexpr std::string_view kFlagged = "flagged";
inline constexpr std::string_view kCountedObserver = "observer_id";
inline constexpr std::string_view kCountedRevision = "revision";

}  // namespace hattama::redis::layout
