#include "services/aggregation/applier.h"

#include <charconv>
#include <string>

#include "common/domain/dispute.h"
#include "common/redis/figures.h"
#include "common/redis/layout.h"
#include "services/aggregation/apply_lua.h"

namespace hattama::aggregation {
namespace {

int64_t Integer(const std::string& text) {
  int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

Result<Outcome> ParseOutcome(const redis::Reply& whole) {
  if (whole.is_error()) return Status::Error("apply script failed: " + whole.str);
  if (whole.type != redis::Reply::Type::kArray || whole.elements.empty()) {
    return Status::Error("apply script answered no outcome");
  }
  const redis::Reply& reply = whole.elements[0];
  if (reply.str == "counted") return Outcome::kCounted;
  if (reply.str == "retracted") return Outcome::kRetracted;
  if (reply.str == "stored") return Outcome::kStored;
  if (reply.str == "stale") return Outcome::kStale;
  if (reply.str == "duplicate") return Outcome::kDuplicate;
  if (reply.str == "id_reused") return Outcome::kIdReused;
  return Status::Error("apply script answered \"" + reply.str + "\"");
}

}  // namespace

std::string_view OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kCounted:
      return "counted";
    case Outcome::kRetracted:
      return "retracted";
    case Outcome::kStored:
      return "stored";
    case Outcome::kStale:
      return "stale";
    case Outcome::kDuplicate:
      return "duplicate";
    case Outcome::kIdReused:
      return "id_reused";
  }
  return "unknown";
}

Applier::Applier(std::shared_ptr<const domain::Registry> registry)
    : registry_(std::move(registry)), script_(kApplyLua) {}

Result<redis::Command> Applier::Call(int32_t partition, int64_t offset,
                                     const v1::SubmissionRecord& record) const {
  const auto& submission = record.submission();
  const auto& protocol = submission.protocol();
  if (submission.submission_id().empty()) return Status::Error("record has no submission id");
  const v1::Station* station = registry_->FindStation(protocol.station_id());
  if (station == nullptr) {
    return Status::Error("submission " + submission.submission_id() + " names station \"" +
                         protocol.station_id() + "\", unknown to the registry");
  }
  const std::string& contest = protocol.contest_id();

  const bool official = submission.source() == v1::SOURCE_OFFICIAL;
  const auto scope = official ? redis::layout::Scope::kOfficial : redis::layout::Scope::kObserver;
  const std::string& station_id = station->station_id();
  std::vector<std::string> keys = {
      redis::layout::SeenKey(partition, submission.submission_id()),
      redis::layout::VersionsKey(partition, contest, station_id),
      redis::layout::StationKey(partition, contest, station_id, scope),
      redis::layout::BackersKey(partition, contest, station_id, scope),
      redis::layout::FiguresKey(partition, contest, station_id, scope),
      redis::layout::PositionKey(partition),
  };
  const auto areas = registry_->EnclosingAreas(*station);
  for (const v1::Area* area : areas) {
    keys.push_back(redis::layout::TotalsKey(partition, contest, area->area_id(), scope));
  }

  const bool retraction = submission.retraction();
  std::vector<std::string> args = {
      submission.submission_id(),
      record.digest(),
      record.SerializeAsString(),
      retraction ? "retraction" : "protocol",
      submission.observer_id(),
      std::to_string(submission.revision()),
      record.flags_size() > 0 ? "1" : "0",
      retraction ? "" : domain::FiguresDigest(protocol.figures()),
      contest,
      official ? "official" : "observer",
      std::to_string(partition),
      std::to_string(offset),
  };
  for (const v1::Area* area : areas) args.push_back(area->area_id());
  if (!retraction) {
    for (auto& [field, value] : redis::ToFields(protocol.figures())) {
      args.push_back(std::move(field));
      args.push_back(std::to_string(value));
    }
  }
  return script_.Call(keys, args);
}

Result<std::vector<Outcome>> Applier::Apply(redis::Client& redis,
                                            const std::vector<redis::Command>& calls,
                                            std::vector<v1::TotalsChange>* changes) const {
  auto replies = redis.RunScript(script_, calls);
  if (!replies.ok()) return replies.status();
  std::vector<Outcome> outcomes;
  outcomes.reserve(replies->size());
  for (const auto& reply : *replies) {
    auto outcome = ParseOutcome(reply);
    if (!outcome.ok()) return outcome.status();
    outcomes.push_back(*outcome);
    if (changes != nullptr && reply.elements.size() > 4) AddChanges(reply, *changes);
  }
  return outcomes;
}

void Applier::AddChanges(const redis::Reply& reply, std::vector<v1::TotalsChange>& changes) const {
  // {outcome, contest, scope, partition, area_1, totals_1, area_2, totals_2, ...}
  const v1::Contest* contest = registry_->FindContest(reply.elements[1].str);
  if (contest == nullptr) return;
  const bool official = reply.elements[2].str == "official";
  const auto partition = static_cast<int32_t>(Integer(reply.elements[3].str));
  for (size_t i = 4; i + 1 < reply.elements.size(); i += 2) {
    const v1::Area* area = registry_->FindArea(reply.elements[i].str);
    if (area == nullptr) continue;
    std::vector<std::string> flat;
    for (const auto& element : reply.elements[i + 1].elements) flat.push_back(element.str);
    redis::FigureFields fields;
    if (!redis::AddHashFields(flat, fields, nullptr)) continue;
    v1::TotalsChange change;
    change.set_area_id(area->area_id());
    change.set_area_kind(area->kind());
    change.set_contest_id(contest->contest_id());
    *change.mutable_figures() = redis::FromFields(fields, *contest, /*all_present=*/true);
    change.set_partition(partition);
    change.set_official(official);
    for (size_t f = 0; f + 1 < flat.size(); f += 2) {
      const int64_t value = Integer(flat[f + 1]);
      if (flat[f] == redis::layout::kTotalsVersion) change.set_version(value);
      if (flat[f] == redis::layout::kStationsReporting) change.set_stations_reporting(value);
      if (flat[f] == redis::layout::kFlaggedCount) change.set_flagged_count(value);
      if (flat[f] == redis::layout::kDisputedCount) change.set_disputed_count(value);
    }
    changes.push_back(std::move(change));
  }
}

}  // namespace hattama::aggregation
