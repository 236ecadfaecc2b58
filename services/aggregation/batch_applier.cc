#include "services/aggregation/batch_applier.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "common/base/huge_page_arena.h"
#include "common/redis/figures.h"
#include "common/redis/layout.h"

namespace hattama::aggregation {
namespace {

namespace layout = redis::layout;

// How often one batch folds a partition again after finding its position moved before the batch
// fails as a whole (and is retried like a lost connection).
constexpr int kMaxAttempts = 4;

// The most keys one MSET of a step sets: a batch can hold 100,000 records, and one command of
// 200,000 words would hold Redis (and every reader) for its whole length.
constexpr size_t kMaxPairsPerMset = 1000;

// Figures a protocol usually holds (eight figures, a ballot of a dozen), to size a station hash's
// HSET once.
constexpr size_t kTypicalFigures = 20;

int64_t Integer(const std::string& text) {
  int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

std::vector<std::string> Flat(const redis::Reply& reply) {
  std::vector<std::string> flat;
  flat.reserve(reply.elements.size());
  for (const auto& element : reply.elements) flat.push_back(element.str);
  return flat;
}

// Appends `words` to the step's command `verb key` when it has one (`extended`: key -> its index in
// `writes`), else starts it: several versions of a station in one RPUSH, several backers in one
// HSET. The same list and hash result (RPUSH appends in order, HSET's last value of a field wins),
// with fewer commands for Redis to run when a batch holds a station more than once, as a rebuild's
// batches of 20,000 do.
void Extend(std::vector<redis::Command>& writes, std::unordered_map<std::string, size_t>& extended,
            std::string_view verb, std::string key, std::initializer_list<std::string_view> words) {
  auto [at, added] = extended.try_emplace(std::move(key), writes.size());
  if (added) writes.push_back({std::string(verb), at->first});
  redis::Command& command = writes[at->second];
  for (std::string_view word : words) command.emplace_back(word);
}

// Appends one command to a step's writes.
void Add(std::vector<redis::Command>& writes, std::initializer_list<std::string_view> words) {
  redis::Command& command = writes.emplace_back();
  command.reserve(words.size());
  for (std::string_view word : words) command.emplace_back(word);
}

}  // namespace

BatchApplier::BatchApplier(std::shared_ptr<const domain::Registry> registry, size_t cache_entries)
    : registry_(std::move(registry)), cache_(cache_entries) {}

Status BatchApplier::Read(redis::Client& redis, std::span<const PreparedRecord> records,
                          const std::map<int32_t, std::vector<size_t>>& partitions,
                          std::map<int32_t, std::map<std::string, std::string>>& seen) {
  // What each read is for, in the order of the pipeline.
  struct Wanted {
    enum class Kind { kPosition, kSeen, kStation, kTotals } kind;
    int32_t partition;
    std::string name;                      // The id, the station's cache key or the totals key.
    const std::string* contest = nullptr;  // Of the totals.
  };
  std::vector<redis::Command> commands;
  std::vector<Wanted> wanted;
  for (const auto& [partition, indices] : partitions) {
    PartitionState& state = cache_.Partition(partition);
    if (!state.position) {
      commands.push_back({"GET", layout::PositionKey(partition)});
      wanted.push_back({Wanted::Kind::kPosition, partition, {}});
    }
    if (state.complete) continue;
    std::unordered_set<std::string> asked;
    for (size_t i : indices) {
      const PreparedRecord& record = records[i];
      if (asked.insert(record.version.submission_id).second) {
        commands.push_back({"GET", layout::SeenKey(partition, record.version.submission_id)});
        wanted.push_back({Wanted::Kind::kSeen, partition, record.version.submission_id});
      }
      for (const std::string& area : record.areas) {
        std::string totals = layout::TotalsKey(partition, record.contest_id, area, record.scope);
        if (state.totals.contains(totals) || !asked.insert(totals).second) continue;
        commands.push_back({"HGETALL", totals});
        wanted.push_back({Wanted::Kind::kTotals, partition, std::move(totals), &record.contest_id});
      }
      std::string key = StationStateKey(record.contest_id, record.station_id, record.scope);
      if (state.stations.contains(key) || !asked.insert(key).second) continue;
      commands.push_back({"HGETALL", layout::BackersKey(partition, record.contest_id,
                                                        record.station_id, record.scope)});
      commands.push_back({"HGETALL", layout::FiguresKey(partition, record.contest_id,
                                                        record.station_id, record.scope)});
      wanted.push_back({Wanted::Kind::kStation, partition, std::move(key)});
    }
  }
  if (commands.empty()) return Status::Ok();
  auto replies = redis.Pipeline(commands);
  if (!replies.ok()) return replies.status();
  // Partitions found never applied, and whether anything of them turned up anyway.
  std::map<int32_t, bool> fresh;
  size_t r = 0;
  for (const Wanted& want : wanted) {
    const redis::Reply& reply = (*replies)[r++];
    if (reply.is_error()) return Status::Error("reading the state of a batch: " + reply.str);
    PartitionState& state = cache_.Partition(want.partition);
    switch (want.kind) {
      case Wanted::Kind::kPosition:
        state.position = reply.type == redis::Reply::Type::kNil ? 0 : Integer(reply.str);
        if (reply.type == redis::Reply::Type::kNil) fresh.emplace(want.partition, true);
        break;
      case Wanted::Kind::kSeen:
        if (reply.type != redis::Reply::Type::kNil) {
          seen[want.partition][want.name] = reply.str;
          fresh[want.partition] = false;
        }
        break;
      case Wanted::Kind::kStation: {
        const redis::Reply& figures = (*replies)[r++];
        if (figures.is_error())
          return Status::Error("reading the state of a batch: " + figures.str);
        StationState station;
        if (!station.Load(Flat(reply), Flat(figures))) {
          return Status::Error("a backers hash of partition " + std::to_string(want.partition) +
                               " holds an entry that cannot be parsed");
        }
        if (!station.standing.empty() || !station.figures.empty()) fresh[want.partition] = false;
        state.stations.emplace(want.name, std::move(station));
        break;
      }
      case Wanted::Kind::kTotals: {
        if (!reply.elements.empty()) fresh[want.partition] = false;
        state.totals[want.name] = ValuesOf(reply, FieldsOf(*want.contest));
        break;
      }
    }
  }
  // Nothing of the partition was ever applied (every write of it sets its position): what is not
  // in the cache is empty, and stays known here as long as this member's writes succeed.
  // A partition's stations were not cached while its position was unknown (it was just dropped, or
  // never seen), so what was read is all there is.
  for (const auto& [partition, empty] : fresh) {
    if (empty) cache_.Partition(partition).complete = true;
  }
  return Status::Ok();
}

std::optional<BatchApplier::Step> BatchApplier::Fold(int32_t partition,
                                                     std::span<const PreparedRecord> records,
                                                     const std::vector<size_t>& indices,
                                                     const std::map<std::string, std::string>& seen,
                                                     const BatchOptions& options,
                                                     BatchResult& result) {
  PartitionState& state = cache_.Partition(partition);
  const int64_t position = state.position.value_or(0);
  const auto read = options.read.find(partition);
  auto first_new = std::find_if(indices.begin(), indices.end(),
                                [&](size_t i) { return records[i].offset >= position; });
  const bool gap = read != options.read.end()
                       ? read->second.first > position
                       : first_new != indices.end() && records[*first_new].offset > position;
  if (gap && options.leave_out_gap && options.leave_out_gap(partition, position)) {
    result.left_out[partition] = position;
    for (size_t i : indices) result.outcomes[i].reset();
    return std::nullopt;
  }
  result.left_out.erase(partition);

  Step step{.partition = partition, .expected = position, .position = position};
  std::unordered_map<std::string, std::string> batch_ids;
  // The stations touched, in the order first touched, each with a record of it (the cache's
  // entries stay where they are while others are added).
  std::vector<std::pair<StationState*, size_t>> touched;
  std::unordered_set<const StationState*> touched_once;
  std::vector<std::string> seen_keys;                // seen:<id> digest ... of the batch.
  std::unordered_map<std::string, size_t> extended;  // Versions and backers keys -> command.
  for (size_t i : indices) {
    const PreparedRecord& record = records[i];
    const std::string& id = record.version.submission_id;
    if (record.offset < position) {  // Redis holds it already.
      result.outcomes[i] = Outcome::kDuplicate;
      continue;
    }
    step.position = std::max(step.position, record.offset + 1);
    const std::string* applied = nullptr;
    if (auto it = batch_ids.find(id); it != batch_ids.end()) {
      applied = &it->second;
    } else if (state.complete) {
      if (auto known = state.ids.find(id); known != state.ids.end()) applied = &known->second;
    } else if (auto known = seen.find(id); known != seen.end()) {
      applied = &known->second;
    }
    if (applied != nullptr) {
      result.outcomes[i] = *applied == record.digest ? Outcome::kDuplicate : Outcome::kIdReused;
      continue;
    }
    batch_ids.emplace(id, record.digest);
    if (state.complete) state.ids.emplace(id, record.digest);
    seen_keys.push_back(layout::SeenKey(partition, id));
    seen_keys.push_back(record.digest);
    Extend(step.writes, extended, "RPUSH",
           layout::VersionsKey(partition, record.contest_id, record.station_id), {record.bytes});

    StationState& station =
        state.stations[StationStateKey(record.contest_id, record.station_id, record.scope)];
    if (touched_once.insert(&station).second) touched.emplace_back(&station, i);
    const Folded folded = aggregation::Fold(station, record);
    result.outcomes[i] = folded.outcome;
    if (folded.standing) {
      Extend(step.writes, extended, "HSET",
             layout::BackersKey(partition, record.contest_id, record.station_id, record.scope),
             {record.version.observer_id, EncodeEntry(record.version)});
    }
    if (folded.new_figures) {
      Add(step.writes,
          {"HSETNX",
           layout::FiguresKey(partition, record.contest_id, record.station_id, record.scope),
           record.version.figures_digest, record.figures_text});
    }
  }
  if (read != options.read.end()) step.position = std::max(step.position, read->second.end);

  // Each station whose counted state changed is written once, and the totals of its areas move
  // by the sum over the batch.
  struct Moved {
    Step::Total total;
    TotalsFields* fields = nullptr;
    TotalsValues sums;
  };
  std::map<std::string, Moved> totals;
  for (const auto& [touched_station, touching] : touched) {
    StationState& station = *touched_station;
    if (station.current == station.written) continue;
    const PreparedRecord& record = records[touching];
    const std::string station_key =
        layout::StationKey(partition, record.contest_id, record.station_id, record.scope);
    // A station that counted before may have had figures the new ones lack.
    if (station.written.counted) Add(step.writes, {"DEL", station_key});
    if (station.current.counted) {
      redis::Command& hset = step.writes.emplace_back();
      hset.reserve(2 + 12 + 2 * kTypicalFigures);
      hset.push_back("HSET");
      hset.push_back(station_key);
      AppendStationFields(station, station.current, hset);
    }
    // The PVT's sums: in the region's observer totals only (layout.h), areas[1].
    TotalsFields& fields = FieldsOf(record.contest_id);
    DeltaOf(station, fields, /*with_pvt_sums=*/record.scope == layout::Scope::kObserver, delta_);
    station.written = station.current;
    if (!Moves(delta_.totals)) continue;
    for (size_t a = 0; a < record.areas.size(); ++a) {
      const std::string& area = record.areas[a];
      Moved& moved = totals[layout::TotalsKey(partition, record.contest_id, area, record.scope)];
      if (moved.fields == nullptr) moved = {{record.contest_id, record.scope, area}, &fields, {}};
      auto add = [&moved](const TotalsValues& delta) {
        if (moved.sums.size() < delta.size()) moved.sums.resize(delta.size(), 0);
        for (size_t field = 0; field < delta.size(); ++field) moved.sums[field] += delta[field];
      };
      add(delta_.totals);
      if (a == 1) add(delta_.pvt_sums);
    }
  }
  for (size_t first = 0; first < seen_keys.size(); first += 2 * kMaxPairsPerMset) {
    const size_t last = std::min(seen_keys.size(), first + 2 * kMaxPairsPerMset);
    redis::Command& mset = step.writes.emplace_back();
    mset.reserve(1 + last - first);
    mset.push_back("MSET");
    for (size_t w = first; w < last; ++w) mset.push_back(std::move(seen_keys[w]));
  }
  // Each moved total is written whole (HSET of the fields that moved and the version), from what
  // this member holds of it: no other member writes this partition's share (the compare-and-set).
  std::set<std::string> pending;
  for (auto& [key, moved] : totals) {
    const auto& [total, fields, sums] = moved;
    if (!Moves(sums)) continue;
    TotalsValues& held = state.totals[key];
    if (held.size() < sums.size()) held.resize(sums.size(), 0);
    redis::Command& words = step.writes.emplace_back();
    words.reserve(4 + 2 * sums.size());
    words.push_back("HSET");
    words.push_back(key);
    for (size_t field = TotalsFields::kVersion + 1; field < sums.size(); ++field) {
      if (sums[field] == 0) continue;
      held[field] += sums[field];
      words.push_back(fields->Name(field));
      words.push_back(std::to_string(held[field]));
    }
    words.emplace_back(layout::kTotalsVersion);
    words.push_back(std::to_string(held[TotalsFields::kVersion] += 1));
    pending.insert(layout::FeedPendingLine(total.area_id, total.contest_id, total.scope));
    if (auto change = Change(partition, total.contest_id, total.scope, total.area_id, held)) {
      step.changes.push_back(std::move(*change));
    }
  }
  // Whoever takes the partition over after a crash before the broker acknowledged these changes,
  // or those of earlier steps, publishes these totals again (at-least-once feed). A step that
  // moves no total leaves the list as it is: it already names every earlier unacknowledged line.
  if (!pending.empty()) {
    if (options.unacknowledged_feed) pending.merge(options.unacknowledged_feed(partition));
    std::string lines;
    for (const std::string& line : pending) lines += line + "\n";
    Add(step.writes, {"SET", layout::FeedPendingKey(partition), lines});
  }
  if (step.writes.empty() && step.position == position) return std::nullopt;
  return step;
}

std::optional<v1::TotalsChange> BatchApplier::Change(int32_t partition,
                                                     const std::string& contest_id,
                                                     layout::Scope scope,
                                                     const std::string& area_id,
                                                     const TotalsValues& values) {
  const v1::Contest* contest = registry_->FindContest(contest_id);
  const v1::Area* area = registry_->FindArea(area_id);
  if (contest == nullptr || area == nullptr) return std::nullopt;
  v1::TotalsChange change;
  change.set_area_id(area->area_id());
  change.set_area_kind(area->kind());
  change.set_contest_id(contest->contest_id());
  // Only the figure and votes fields: the counts and PVT sums beside them are not figures.
  *change.mutable_figures() = FieldsOf(contest_id).Figures(values);
  change.set_partition(partition);
  change.set_official(scope == layout::Scope::kOfficial);
  auto value = [&](size_t field) { return field < values.size() ? values[field] : 0; };
  change.set_version(value(TotalsFields::kVersion));
  change.set_stations_reporting(value(TotalsFields::kStationsReporting));
  change.set_flagged_count(value(TotalsFields::kFlaggedCount));
  change.set_disputed_count(value(TotalsFields::kDisputedCount));
  return change;
}

TotalsFields& BatchApplier::FieldsOf(const std::string& contest_id) {
  auto [at, added] = fields_.try_emplace(contest_id);
  if (added) at->second = std::make_unique<TotalsFields>(registry_->FindContest(contest_id));
  return *at->second;
}

TotalsValues BatchApplier::ValuesOf(const redis::Reply& reply, TotalsFields& fields) {
  TotalsValues values(fields.size(), 0);
  for (size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
    AddAt(values, fields.Index(reply.elements[i].str), Integer(reply.elements[i + 1].str));
  }
  return values;
}

BatchApplier::StepWriter::StepWriter(redis::Client* writer) : writer_(writer) {
  if (writer_ == nullptr) return;
  // A rebuild's lane allocates on huge pages (huge_page_arena.h): so do the commands its writer
  // formats. A regular member's threads keep jemalloc's own arenas, each its own.
  const std::optional<unsigned> huge = OnHugePageArena() ? HugePageArena() : std::nullopt;
  thread_ = std::thread([this, huge] {
    if (huge) AllocateFrom(*huge);
    Run();
  });
}

BatchApplier::StepWriter::~StepWriter() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    done_ = true;
  }
  ready_.notify_one();
  thread_.join();
}

void BatchApplier::StepWriter::Send(Step& step) {
  redis::Client::Guard guard{.key = layout::PositionKey(step.partition),
                             .expected = std::to_string(step.expected),
                             .commands = std::move(step.writes)};
  step.writes.clear();
  guard.commands.push_back({"SET", guard.key, std::to_string(step.position)});
  {
    std::lock_guard lock(mu_);
    queued_.push_back(std::move(guard));
  }
  ready_.notify_one();
}

void BatchApplier::StepWriter::Run() {
  std::unique_lock lock(mu_);
  while (true) {
    ready_.wait(lock, [this] { return done_ || !queued_.empty(); });
    if (queued_.empty()) return;  // Done, and everything written.
    // Whatever was folded meanwhile goes in one compare-and-set round.
    std::vector<redis::Client::Guard> guards = std::move(queued_);
    queued_.clear();
    // After a failure the rest of the batch is not sent: it fails as a whole.
    const Status failed = status_;
    writing_ = true;
    lock.unlock();
    auto outcomes = failed.ok() ? writer_->RunGuarded(std::move(guards))
                                : Result<std::vector<redis::Client::Guarded>>(failed);
    lock.lock();
    writing_ = false;
    if (!outcomes.ok()) {
      status_ = outcomes.status();
    } else {
      outcomes_.insert(outcomes_.end(), std::make_move_iterator(outcomes->begin()),
                       std::make_move_iterator(outcomes->end()));
    }
    if (queued_.empty()) idle_.notify_all();
  }
}

Result<std::vector<redis::Client::Guarded>> BatchApplier::StepWriter::Finish(redis::Client& redis) {
  if (writer_ == nullptr) {
    auto outcomes = redis.RunGuarded(std::move(queued_));
    queued_.clear();
    return outcomes;
  }
  std::unique_lock lock(mu_);
  idle_.wait(lock, [this] { return queued_.empty() && !writing_; });
  // Ready for the next batch whatever this one's fate.
  Status status = std::exchange(status_, Status::Ok());
  auto outcomes = std::exchange(outcomes_, {});
  if (!status.ok()) return status;
  return outcomes;
}

Result<BatchResult> BatchApplier::Apply(redis::Client& redis,
                                        std::span<const PreparedRecord> records,
                                        const BatchOptions& options, redis::Client* writer) {
  BatchResult result;
  result.outcomes.resize(records.size());
  std::map<int32_t, std::vector<size_t>> partitions;
  for (size_t i = 0; i < records.size(); ++i) partitions[records[i].partition].push_back(i);
  for (const auto& [partition, range] : options.read) partitions[partition];  // Skipped only.
  for (auto& [partition, indices] : partitions) {
    std::stable_sort(indices.begin(), indices.end(),
                     [&](size_t a, size_t b) { return records[a].offset < records[b].offset; });
  }
  // Whatever this member folded may not be what Redis holds once a round trip failed.
  auto fail = [&](Status status) -> Result<BatchResult> {
    for (const auto& [partition, indices] : partitions) cache_.Drop(partition);
    return status;
  };

  std::map<int32_t, std::vector<size_t>> pending = partitions;
  for (int attempt = 0; attempt < kMaxAttempts && !pending.empty(); ++attempt) {
    std::map<int32_t, std::map<std::string, std::string>> seen;
    if (Status read = Read(redis, records, pending, seen); !read.ok()) return fail(read);
    // Each partition's step is written (by `writer`, on a thread of its own) while the next
    // partition is folded: the fold and Redis's work on the writes overlap.
    if (step_writer_ == nullptr || step_writer_->writer() != writer) {
      step_writer_ = std::make_unique<StepWriter>(writer);
    }
    StepWriter& steps_out = *step_writer_;
    std::vector<Step> steps;
    for (const auto& [partition, indices] : pending) {
      auto step = Fold(partition, records, indices, seen[partition], options, result);
      if (!step) continue;
      steps_out.Send(*step);
      steps.push_back(std::move(*step));
    }
    pending.clear();
    if (steps.empty()) break;
    auto written = steps_out.Finish(redis);
    if (!written.ok()) return fail(written.status());
    for (size_t s = 0; s < steps.size(); ++s) {
      const redis::Client::Guarded& outcome = (*written)[s];
      Step& step = steps[s];
      if (!outcome.applied) {
        // Someone else wrote the partition since this member read it, or Redis lost writes: what
        // it knew is worth nothing now; fold again from what Redis holds.
        spdlog::warn("partition {}: position {} expected, {} found; folding its records again",
                     step.partition, step.expected,
                     outcome.found.empty() ? "a write meanwhile" : outcome.found);
        cache_.Drop(step.partition);
        pending[step.partition] = partitions[step.partition];
        continue;
      }
      for (const redis::Reply& reply : outcome.replies) {
        if (reply.is_error()) {
          // A command Redis queued but refused to run (a key of another type: a keyspace someone
          // else wrote into). The rest of the step ran, the position included, so the member
          // forgets what it knew and reads again; what that command was to write is missing.
          return fail(Status::Error("writing partition " + std::to_string(step.partition) +
                                    " failed: " + reply.str));
        }
      }
      cache_.Partition(step.partition).position = step.position;
      result.changes.insert(result.changes.end(), std::make_move_iterator(step.changes.begin()),
                            std::make_move_iterator(step.changes.end()));
    }
  }
  if (!pending.empty()) {
    return fail(Status::Error("the position of partition " +
                              std::to_string(pending.begin()->first) + " kept moving under " +
                              std::to_string(kMaxAttempts) + " attempts"));
  }
  cache_.Trim();
  return result;
}

Result<std::vector<v1::TotalsChange>> BatchApplier::ReadFeedPending(redis::Client& redis,
                                                                    int32_t partition) {
  auto listed = redis.Run({"GET", layout::FeedPendingKey(partition)});
  if (!listed.ok()) return listed.status();
  if (listed->is_error()) return Status::Error("reading the feed-pending list: " + listed->str);
  // Each line "<area>|<contest>|<observer|official>".
  std::vector<std::array<std::string, 3>> totals;
  std::vector<redis::Command> reads;
  std::istringstream lines(listed->str);
  for (std::string line; std::getline(lines, line);) {
    const size_t bar1 = line.find('|');
    const size_t bar2 = bar1 == std::string::npos ? bar1 : line.find('|', bar1 + 1);
    if (bar2 == std::string::npos) continue;
    std::array<std::string, 3> total = {
        line.substr(0, bar1), line.substr(bar1 + 1, bar2 - bar1 - 1), line.substr(bar2 + 1)};
    const auto scope = total[2] == "official" ? layout::Scope::kOfficial : layout::Scope::kObserver;
    reads.push_back({"HGETALL", layout::TotalsKey(partition, total[1], total[0], scope)});
    totals.push_back(std::move(total));
  }
  std::vector<v1::TotalsChange> changes;
  if (reads.empty()) return changes;
  auto replies = redis.Pipeline(reads);
  if (!replies.ok()) return replies.status();
  for (size_t t = 0; t < totals.size(); ++t) {
    const TotalsValues values = ValuesOf((*replies)[t], FieldsOf(totals[t][1]));
    const auto scope =
        totals[t][2] == "official" ? layout::Scope::kOfficial : layout::Scope::kObserver;
    if (auto change = Change(partition, totals[t][1], scope, totals[t][0], values)) {
      changes.push_back(std::move(*change));
    }
  }
  return changes;
}

}  // namespace hattama::aggregation
