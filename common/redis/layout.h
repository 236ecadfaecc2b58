// The Redis key layout, shared by aggregation (the only writer of results and of the deployment
// table) and publication (a reader); ingestion writes only its id claims (below). Every key is
// spelled here, once; the Lua scripts get theirs as KEYS.
//
// Every key applying a submission touches carries the hash tag of the Kafka partition the
// submission came from, "{p<N>}", so that each write step (one per partition and batch) touches one
// Redis Cluster slot. Area
// totals are therefore kept per partition and summed over all partitions on read. Ingestion puts
// every submission of a station into partition domain::PartitionOf(station_id, P), so a reader
// finds a station's keys from its id and P.
//
//   hattama:partitions                      partition count P of the submissions topic (string),
//                                           written by aggregation when it is assigned partitions
//   hattama:{p<N>}:seen:<submission_id>     digest of a submission already applied (string)
//   hattama:{p<N>}:position                 the log position of partition N's keys (string): the
//                                           offset after the highest record of partition N that
//                                           aggregation applied, written in the same atomic step
//                                           as those records' keys (whatever their outcome,
//                                           duplicate and id_reused included), so the partition's
//                                           totals are exactly those of its records below it;
//                                           never goes back on a replay; absent (0) before the
//                                           first. Records aggregation skips (not a
//                                           SubmissionRecord, no submission id, a station unknown
//                                           to the registry) change nothing; a batch moves it past
//                                           them too. Each write step of aggregation is a
//                                           compare-and-set on it (WATCH, MULTI ... EXEC:
//                                           redis::Client::RunGuarded)
//   hattama:{p<N>}:feed-pending             the totals whose changes aggregation may not have
//                                           published yet: those its last write step of partition
//                                           N moved and those of its earlier steps the broker had
//                                           not acknowledged then, one
//                                           "<area>|<contest>|<observer|official>" a line:
//                                           published to the change feed again by the member that
//                                           takes the partition over
//   hattama:{p<N>}:station:<contest>:<station>
//                                           hash: the counted figures of the station ("f:<name>",
//                                           "v:<option_id>", see figures.h), "submission_id" (the
//                                           representative of the counted figures), "digest"
//                                           (their figures digest), "confirmations" (observers
//                                           backing them), "variants" (distinct figures standing),
//                                           "disputed" (0/1), "flagged" (0/1); absent while nothing
//                                           counts. The rule: common/domain/dispute.h
//   hattama:{p<N>}:backers:<contest>:<station>
//                                           hash: observer id -> that observer's standing entry,
//                                           "<revision>\t<retraction 0/1>\t<flagged 0/1>\t
//                                           <figures digest>\t<submission id>"
//   hattama:{p<N>}:figures:<contest>:<station>
//                                           hash: figures digest -> "f:x=1\nv:y=2..." (the fields
//                                           of every set of figures received)
//   hattama:{p<N>}:versions:<contest>:<station>
//                                           list: SubmissionRecord bytes of every version received
//                                           (counted or not, official ones and retractions too),
//                                           in the order applied
//   hattama:{p<N>}:totals:<contest>:<area>  hash: sums over the counted protocols of the area's
//                                           stations in this partition: the same "f:"/"v:" fields,
//                                           plus "stations_reporting", "flagged_count",
//                                           "disputed_count" and "version" (bumped by every change;
//                                           carried by the change feed, hattama.totals.v1); a
//                                           region's observer totals also the PVT's sums below
//
// The PVT's sums (the sufficient statistics of common/analysis/pvt.h's stratified ratio estimator,
// whose strata are the regions), in each region's observer totals hash only (not districts', not
// the nation's, not official totals), over the same counted protocols as the other fields: with x
// a counted protocol's votes of all its options (the sum of its "v:" fields) and y its votes for
// one option, "pvt:xx" is Σx², "pvt:yy:<option_id>" Σy², "pvt:xy:<option_id>" Σxy. The estimator's
// n, Σy and Σx are fields the hash already holds: "stations_reporting", "v:<option_id>" and the
// sum of the "v:" fields. Moved, like every total, by each station's old and new counted figures.
//
// Ingestion's id claims (services/ingestion/claims.h), the one authority on which content owns a
// submission or deployment-event id, shared by every ingestion replica:
//
//   hattama:claim:<submission_id>           "pending <hex digest>" or "durable <hex digest>": the
//                                           content that first claimed the id, and whether it is
//                                           in the log yet; never deleted
//   hattama:claim-event:<event_id>          the same for a deployment event id
//
// Claim keys carry no partition tag, unlike the keys above: a reused id may name a station of
// another partition, and must still meet the same claim. Each claim is one script on one key, so
// Redis Cluster places it in any slot it likes.
//
// Official results (source OFFICIAL) live under the same layout with "official-" before the kind
// ("official-station", "official-backers", "official-figures", "official-totals"): the same rule
// chooses among official versions, and they are never mixed into the observer totals.
//
// The observer deployment table, written by aggregation's deployment applier (one call of
// services/aggregation/deployment.lua an event, which gets these keys as KEYS[1..3]) and read by
// publication's DeploymentService. All three share the hash tag "{deployment}", so that Redis
// Cluster keeps them in one slot for the script:
//
//   {deployment}:events                     hash: event id -> 1, the events already applied (a
//                                           redelivery or a resend is counted once)
//   {deployment}:counts                     hash: "<scope>|<counter>" -> count, where a scope
//                                           is an area (the nation, each region and each
//                                           district) or "organisation:<organisation_id>"
//                                           (DeploymentOrganisationScope); the counters are named
//                                           below (kMandatesSent, ...); deployment.lua gets the
//                                           one an event moves as ARGV, and spells
//                                           "observers_admitted" and "stations_covered" itself
//   {deployment}:covered                    set: "<scope>|<station_id>" for each scope's stations
//                                           where an observer was admitted (so that
//                                           "stations_covered" counts each station once a scope;
//                                           publication reads the organisations' members for
//                                           the coverage by camp and the observer effect)
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
inline std::string PositionKey(int32_t partition) {
  return "hattama:" + PartitionTag(partition) + ":position";
}
inline std::string FeedPendingKey(int32_t partition) {
  return "hattama:" + PartitionTag(partition) + ":feed-pending";
}
inline std::string ClaimKey(std::string_view submission_id) {
  return "hattama:claim:" + std::string(submission_id);
}
inline std::string EventClaimKey(std::string_view event_id) {
  return "hattama:claim-event:" + std::string(event_id);
}
// Which totals a key belongs to: the observers' or the official ones.
enum class Scope { kObserver, kOfficial };

// One total's line in a feed-pending list (FeedPendingKey), without its newline.
inline std::string FeedPendingLine(std::string_view area_id, std::string_view contest_id,
                                   Scope scope) {
  return std::string(area_id) + "|" + std::string(contest_id) + "|" +
         (scope == Scope::kOfficial ? "official" : "observer");
}

inline std::string ScopedKey(int32_t partition, Scope scope, std::string_view kind,
                             std::string_view contest_id, std::string_view id) {
  return "hattama:" + PartitionTag(partition) + ":" +
         (scope == Scope::kOfficial ? "official-" : "") + std::string(kind) + ":" +
         std::string(contest_id) + ":" + std::string(id);
}
inline std::string StationKey(int32_t partition, std::string_view contest_id,
                              std::string_view station_id, Scope scope = Scope::kObserver) {
  return ScopedKey(partition, scope, "station", contest_id, station_id);
}
inline std::string BackersKey(int32_t partition, std::string_view contest_id,
                              std::string_view station_id, Scope scope = Scope::kObserver) {
  return ScopedKey(partition, scope, "backers", contest_id, station_id);
}
inline std::string FiguresKey(int32_t partition, std::string_view contest_id,
                              std::string_view station_id, Scope scope = Scope::kObserver) {
  return ScopedKey(partition, scope, "figures", contest_id, station_id);
}
inline std::string VersionsKey(int32_t partition, std::string_view contest_id,
                               std::string_view station_id) {
  return "hattama:" + PartitionTag(partition) + ":versions:" + std::string(contest_id) + ":" +
         std::string(station_id);
}
inline std::string TotalsKey(int32_t partition, std::string_view contest_id,
                             std::string_view area_id, Scope scope = Scope::kObserver) {
  return ScopedKey(partition, scope, "totals", contest_id, area_id);
}

inline std::string DeploymentEventsKey() { return "{deployment}:events"; }
inline std::string DeploymentCountsKey() { return "{deployment}:counts"; }
inline std::string DeploymentCoveredKey() { return "{deployment}:covered"; }
// The deployment scope of an organisation's own counters, in the counts hash and covered set.
inline constexpr std::string_view kDeploymentOrganisationPrefix = "organisation:";
inline std::string DeploymentOrganisationScope(std::string_view organisation_id) {
  return std::string(kDeploymentOrganisationPrefix) + std::string(organisation_id);
}
// The field of `counter` of `area_id` in the counts hash.
inline std::string DeploymentCountField(std::string_view area_id, std::string_view counter) {
  return std::string(area_id) + "|" + std::string(counter);
}
// Counters of the deployment table: one a kind of event, plus the stations covered.
inline constexpr std::string_view kMandatesSent = "mandates_sent";
inline constexpr std::string_view kMandatesHandedOut = "mandates_handed_out";
inline constexpr std::string_view kObserversAdmitted = "observers_admitted";
inline constexpr std::string_view kObserversRefused = "observers_refused";
inline constexpr std::string_view kObserversRemoved = "observers_removed";
inline constexpr std::string_view kStationsCovered = "stations_covered";
inline constexpr std::string_view kProtocolsObtained = "protocols_obtained";
inline constexpr std::string_view kProtocolsRefused = "protocols_refused";
inline constexpr std::string_view kProtocolsConfiscated = "protocols_confiscated";

// Hash fields of figures, in station and totals hashes.
inline constexpr std::string_view kFigurePrefix = "f:";  // f:ballots_valid, ...
inline constexpr std::string_view kVotesPrefix = "v:";   // v:<option_id>
inline constexpr std::string_view kStationsReporting = "stations_reporting";
inline constexpr std::string_view kFlaggedCount = "flagged_count";
inline constexpr std::string_view kCountedSubmission = "submission_id";
inline constexpr std::string_view kFlagged = "flagged";
inline constexpr std::string_view kDisputedCount = "disputed_count";
inline constexpr std::string_view kTotalsVersion = "version";
inline constexpr std::string_view kCountedDigest = "digest";
inline constexpr std::string_view kConfirmations = "confirmations";
inline constexpr std::string_view kVariants = "variants";
inline constexpr std::string_view kDisputed = "disputed";
// The PVT's sums in a region's totals (above): Σx², and per option Σy² and Σxy.
inline constexpr std::string_view kPvtSumXX = "pvt:xx";
inline constexpr std::string_view kPvtSumYYPrefix = "pvt:yy:";  // pvt:yy:<option_id>
inline constexpr std::string_view kPvtSumXYPrefix = "pvt:xy:";  // pvt:xy:<option_id>

}  // namespace hattama::redis::layout
