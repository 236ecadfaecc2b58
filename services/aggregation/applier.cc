#include "services/aggregation/applier.h"

#include <string>

#include "common/domain/dispute.h"
#include "common/redis/figures.h"
#include "services/aggregation/batch_applier.h"

namespace hattama::aggregation {

Applier::Applier(std::shared_ptr<const domain::Registry> registry)
    : registry_(std::move(registry)) {}

Result<PreparedRecord> Applier::Prepare(int32_t partition, int64_t offset,
                                        const v1::SubmissionRecord& record,
                                        const std::string* log_bytes) const {
  const auto& submission = record.submission();
  const auto& protocol = submission.protocol();
  if (submission.submission_id().empty()) return Status::Error("record has no submission id");
  const auto* station = registry_->FindStation(protocol.station_id());
  if (station == nullptr) {
    return Status::Error("submission " + submission.submission_id() + " names station \"" +
                         protocol.station_id() + "\", unknown to the registry");
  }
  PreparedRecord prepared;
  prepared.partition = partition;
  prepared.offset = offset;
  prepared.digest = record.digest();
  // The log's own bytes spare serializing again what was just parsed (a fiftieth of aggregation's
  // CPU in a profile).
  prepared.bytes = log_bytes != nullptr ? *log_bytes : record.SerializeAsString();
  prepared.contest_id = protocol.contest_id();
  prepared.station_id = station->station_id();
  prepared.scope = submission.source() == v1::SOURCE_OFFICIAL ? redis::layout::Scope::kOfficial
                                                              : redis::layout::Scope::kObserver;
  domain::DisputeVersion& version = prepared.version;
  version.submission_id = submission.submission_id();
  version.observer_id = submission.observer_id();
  version.revision = submission.revision();
  version.retraction = submission.retraction();
  version.flagged = record.flags_size() > 0;
  if (!version.retraction) {
    version.figures_digest = domain::FiguresDigest(protocol.figures());
    for (const auto& [field, value] : redis::ToFields(protocol.figures())) {
      if (!prepared.figures_text.empty()) prepared.figures_text += '\n';
      prepared.figures_text += field + "=" + std::to_string(value);
    }
  }
  for (const v1::Area* area : registry_->EnclosingAreas(*station)) {
    prepared.areas.push_back(area->area_id());
  }
  return prepared;
}

Result<std::vector<Outcome>> Applier::Apply(redis::Client& redis,
                                            const std::vector<PreparedRecord>& records,
                                            std::vector<v1::TotalsChange>* changes) const {
  BatchApplier batch(registry_, /*cache_entries=*/0);
  auto applied = batch.Apply(redis, records);
  if (!applied.ok()) return applied.status();
  std::vector<Outcome> outcomes;
  outcomes.reserve(applied->outcomes.size());
  for (const auto& outcome : applied->outcomes) outcomes.push_back(*outcome);
  if (changes != nullptr) {
    changes->insert(changes->end(), applied->changes.begin(), applied->changes.end());
  }
  return outcomes;
}

}  // namespace hattama::aggregation
