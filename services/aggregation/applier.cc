#include "services/aggregation/applier.h"

#include <string>

#include "common/redis/figures.h"
#include "common/redis/layout.h"
#include "services/aggregation/apply_lua.h"

namespace hattama::aggregation {
namespace {

Result<Outcome> ParseOutcome(const redis::Reply& reply) {
  if (reply.is_error()) return Status::Error("apply script failed: " + reply.str);
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

Result<redis::Command> Applier::Call(int32_t partition, const v1::SubmissionRecord& record) const {
  const auto& submission = record.submission();
  const auto& protocol = submission.protocol();
  if (submission.submission_id().empty()) return Status::Error("record has no submission id");
  const v1::Station* station = registry_->FindStation(protocol.station_id());
  if (station == nullptr) {
    return Status::Error("submission " + submission.submission_id() + " names station \"" +
                         protocol.station_id() + "\", unknown to the registry");
  }
  const std::string& contest = protocol.contest_id();

  std::vector<std::string> keys = {
      redis::layout::SeenKey(partition, submission.submission_id()),
      redis::layout::StationKey(partition, contest, station->station_id()),
      redis::layout::VersionsKey(partition, contest, station->station_id()),
  };
  for (const v1::Area* area : registry_->EnclosingAreas(*station)) {
    keys.push_back(redis::layout::TotalsKey(partition, contest, area->area_id()));
  }

  std::string kind = submission.source() == v1::SOURCE_OFFICIAL ? "official"
                     : submission.retraction()                  ? "retraction"
                                                                : "observer";
  std::vector<std::string> args = {
      submission.submission_id(),
      record.digest(),
      record.SerializeAsString(),
      kind,
      submission.observer_id(),
      std::to_string(submission.revision()),
      record.flags_size() > 0 ? "1" : "0",
  };
  if (kind == "observer") {
    for (auto& [field, value] : redis::ToFields(protocol.figures())) {
      args.push_back(std::move(field));
      args.push_back(std::to_string(value));
    }
  }
  return script_.Call(keys, args);
}

Result<std::vector<Outcome>> Applier::Apply(redis::Connection& connection,
                                            const std::vector<redis::Command>& calls) const {
  auto replies = script_.RunPipelined(connection, calls);
  if (!replies.ok()) return replies.status();
  std::vector<Outcome> outcomes;
  outcomes.reserve(replies->size());
  for (const auto& reply : *replies) {
    auto outcome = ParseOutcome(reply);
    if (!outcome.ok()) return outcome.status();
    outcomes.push_back(*outcome);
  }
  return outcomes;
}

}  // namespace hattama::aggregation
