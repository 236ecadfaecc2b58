#include "tools/hub/desk/progress.h"

#include <google/protobuf/util/message_differencer.h>

#include <map>
#include <tuple>

#include "tools/hub/desk/desk.h"
#include "tools/hub/desk/form.h"

namespace hattama::desk {
namespace {

using Revision = std::pair<std::string, int32_t>;  // photo, revision

// Adds one photo in `state` (StateOf), with `entries` of its current revision, to `counts`.
// Typed twice counts every photo with two entries, agreed or not; acknowledged every answered
// submission that is in the log (accepted, flagged or duplicate); flagged and rejected count too
// as what they are.
void Count(StateCounts& counts, const std::string& state, size_t entries) {
  counts.set_received(counts.received() + 1);
  if (entries >= 1) counts.set_typed_once(counts.typed_once() + 1);
  if (entries >= 2) counts.set_typed_twice(counts.typed_twice() + 1);
  if (state == "conflict") counts.set_in_conflict(counts.in_conflict() + 1);
  if (state == "queued") counts.set_queued(counts.queued() + 1);
  if (state == "sent") counts.set_sent(counts.sent() + 1);
  if (state == "accepted" || state == "flagged" || state == "duplicate") {
    counts.set_acknowledged(counts.acknowledged() + 1);
  }
  if (state == "flagged") counts.set_flagged(counts.flagged() + 1);
  if (state == "rejected") counts.set_rejected(counts.rejected() + 1);
}

}  // namespace

Result<Progress> ComputeProgress(DeskStore& store, const domain::Registry& registry, int64_t now) {
  DeskStore::Transaction transaction(store);  // one consistent state
  auto photos = store.Photos();
  if (!photos.ok()) return photos.status();
  auto entries = store.AllEntries();
  if (!entries.ok()) return entries.status();
  auto decisions = store.AllDecisions();
  if (!decisions.ok()) return decisions.status();
  auto queued = store.AllQueued();
  if (!queued.ok()) return queued.status();

  std::map<Revision, std::vector<const EntryRow*>> by_revision;
  for (const EntryRow& e : *entries) by_revision[{e.photo, e.revision}].push_back(&e);
  std::map<Revision, const QueueRow*> submission_of;
  Progress progress;
  for (const QueueRow& q : *queued) {
    submission_of[{q.photo, q.revision}] = &q;
    if (!q.answered) progress.set_unanswered(progress.unanswered() + 1);
  }

  std::map<std::pair<std::string, std::string>, StateCounts> areas;
  for (const PhotoRow& photo : *photos) {
    const Revision current{photo.sha256, photo.revision};
    const size_t typed = by_revision.count(current) ? by_revision[current].size() : 0;
    auto found = submission_of.find(current);
    const std::string state =
        StateOf(typed, found == submission_of.end() ? nullptr : found->second);
    const v1::Area* region = nullptr;
    if (const auto* station = registry.FindStation(photo.station_id)) {
      region = registry.RegionOf(*station);
    }
    const std::string region_id = region ? region->area_id() : "";
    StateCounts& area = areas[{region_id, photo.contest_id}];
    area.set_region_id(region_id);
    if (region != nullptr) *area.mutable_region() = NamesOf(*region);
    area.set_contest_id(photo.contest_id);
    Count(area, state, typed);
    Count(*progress.mutable_total(), state, typed);
  }
  for (auto& [key, counts] : areas) *progress.add_by_region_contest() = std::move(counts);

  std::map<std::string, OperatorProgress> operators;
  for (const EntryRow& e : *entries) {
    OperatorProgress& op = operators[e.operator_name];
    op.set_operator_(e.operator_name);
    op.set_entries(op.entries() + 1);
    if (e.at > now - 3600) op.set_entries_last_hour(op.entries_last_hour() + 1);
    const auto& pair = by_revision[{e.photo, e.revision}];
    if (pair.size() == 2) {
      op.set_entries_compared(op.entries_compared() + 1);
      if (!google::protobuf::util::MessageDifferencer::Equals(pair[0]->figures, pair[1]->figures)) {
        op.set_disagreements(op.disagreements() + 1);
      }
    }
  }
  for (const DecisionRow& d : *decisions) {
    if (d.kind != "settled") continue;
    OperatorProgress& op = operators[d.operator_name];
    op.set_operator_(d.operator_name);
    op.set_decisions(op.decisions() + 1);
  }
  for (auto& [name, op] : operators) {
    if (op.entries_compared() > 0) {
      op.set_disagreement_percent(100.0 * static_cast<double>(op.disagreements()) /
                                  static_cast<double>(op.entries_compared()));
    }
    *progress.add_operators() = std::move(op);
  }
  return progress;
}

}  // namespace hattama::desk
