#include "tools/verify/recount.h"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>
#include <unordered_set>
#include <utility>

#include "common/domain/dispute.h"
#include "common/redis/layout.h"

namespace hattama::verify {
namespace {

// The versions of one station × contest × scope, and the figures of each digest among them.
struct StationVersions {
  const domain::Station* station = nullptr;
  std::vector<domain::DisputeVersion> versions;
  // digest -> the figures of the first version with it (every version with it has the same)
  std::map<std::string, const std::vector<std::pair<std::string, int64_t>>*> figures;
};

void Add(RecountedTotals& into, const RecountedTotals& from) {
  for (const auto& [field, value] : from.figures) into.figures[field] += value;
  into.stations_reporting += from.stations_reporting;
  into.flagged_count += from.flagged_count;
  into.disputed_count += from.disputed_count;
  for (const auto& [field, value] : from.pvt_sums) into.pvt_sums[field] += value;
}

void Add(Recounted& into, const Recounted& from) {
  for (const auto& [id, totals] : from.totals) Add(into.totals[id], totals);
  into.records += from.records;
  into.ignored.not_a_record += from.ignored.not_a_record;
  into.ignored.no_id += from.ignored.no_id;
  into.ignored.unknown_station += from.ignored.unknown_station;
  into.ignored.id_seen_before += from.ignored.id_seen_before;
}

// A counted protocol's share of its region's PVT sums (layout.h): x² and, per option, y² and x·y,
// with x the sum of its "v:" figures and y one of them.
redis::FigureFields PvtSums(const redis::FigureFields& figures) {
  int64_t x = 0;
  for (const auto& [field, votes] : figures) {
    if (field.starts_with(redis::layout::kVotesPrefix)) x += votes;
  }
  redis::FigureFields sums = {{std::string(redis::layout::kPvtSumXX), x * x}};
  for (const auto& [field, y] : figures) {
    if (!field.starts_with(redis::layout::kVotesPrefix)) continue;
    const std::string option = field.substr(redis::layout::kVotesPrefix.size());
    sums[std::string(redis::layout::kPvtSumYYPrefix) + option] = y * y;
    sums[std::string(redis::layout::kPvtSumXYPrefix) + option] = x * y;
  }
  return sums;
}

// What the counted figures of one station × contest × scope add to each enclosing area.
void CountStation(const domain::Registry& registry, const std::string& contest_id, bool official,
                  const StationVersions& station, Recounted& into) {
  const domain::DisputeDecision decision = domain::Decide(station.versions);
  if (!decision.counted) return;
  RecountedTotals counted;
  // The figures as aggregation stores them: the present fields of the protocol (an absent figure
  // adds nothing, the same as 0). Every protocol with this digest has the same figures.
  for (const auto& [field, value] : *station.figures.at(decision.figures_digest)) {
    // A repeated option id: the last line's votes, as aggregation's hash keeps them.
    counted.figures[field] = value;
  }
  counted.stations_reporting = 1;
  counted.flagged_count = decision.flagged ? 1 : 0;
  counted.disputed_count = decision.disputed() ? 1 : 0;
  const auto& areas = registry.EnclosingAreas(*station.station);  // district, region, nation
  for (const v1::Area* area : areas) {
    Add(into.totals[{area->area_id(), contest_id, official}], counted);
  }
  if (!official && areas.size() > 1) {
    RecountedTotals pvt;
    pvt.pvt_sums = PvtSums(counted.figures);
    Add(into.totals[{areas[1]->area_id(), contest_id, official}], pvt);
  }
}

int64_t ScalarFigure(const v1::Figures& figures, const google::protobuf::FieldDescriptor* field) {
  return figures.GetReflection()->GetInt64(figures, field);
}

}  // namespace

std::string ScopeName(bool official) { return official ? "official" : "observers"; }

Recount::Recount(std::shared_ptr<const domain::Registry> registry)
    : registry_(std::move(registry)) {}

void Recount::AddLeaf(const tlog::LeafEntry& entry) {
  Record record;
  record.offset = entry.source.offset;
  record.leaf = leaves_++;
  auto parsed = tlog::ParseLeafRecord(entry);
  if (!parsed.ok()) {
    record.kind = Kind::kNotARecord;
  } else if (!parsed->has_value()) {
    record.kind = Kind::kNotIncluded;
  } else {
    const v1::SubmissionRecord& value = **parsed;
    const v1::Submission& submission = value.submission();
    record.station = registry_->FindStation(submission.protocol().station_id());
    if (submission.submission_id().empty()) {
      record.kind = Kind::kNoId;
    } else if (record.station == nullptr) {
      record.kind = Kind::kUnknownStation;
    } else {
      record.version = domain::VersionOf(submission, value.flags_size() > 0);
      record.contest_id = submission.protocol().contest_id();
      record.official = submission.source() == v1::SOURCE_OFFICIAL;
      // As aggregation stores them: the present figures; absent ones add nothing (the same as 0).
      if (!submission.retraction())
        record.figures = redis::ToFields(submission.protocol().figures());
    }
  }
  partitions_[entry.source.partition].records.push_back(std::move(record));
  prepared_ = false;
}

void Recount::Prepare() {
  if (prepared_) return;
  for (auto& [number, partition] : partitions_) {
    // The log's order is not always the offset order (a writer that resynced logs a partition's
    // missing records after later ones); aggregation applies them in offset order.
    std::stable_sort(partition.records.begin(), partition.records.end(),
                     [](const Record& a, const Record& b) { return a.offset < b.offset; });
    partition.max_leaf.clear();
    int64_t max_leaf = -1;
    for (const Record& record : partition.records) {
      max_leaf = std::max(max_leaf, record.leaf);
      partition.max_leaf.push_back(max_leaf);
    }
  }
  folds_.clear();
  prepared_ = true;
}

Status Recount::CheckCovered(int32_t number, int64_t end, int64_t tree_size) const {
  if (end <= 0) return Status::Ok();
  auto it = partitions_.find(number);
  const std::vector<Record> none;
  const std::vector<Record>& records = it == partitions_.end() ? none : it->second.records;
  // Offsets are distinct and at least 0, so the first `end` records are offsets 0 … end − 1
  // exactly when there are that many and the last of them is end − 1.
  const auto below = std::lower_bound(records.begin(), records.end(), end,
                                      [](const Record& r, int64_t o) { return r.offset < o; });
  for (auto r = records.begin(); r != below; ++r) {
    if (r->offset < 0 || (r != records.begin() && r->offset == (r - 1)->offset)) {
      return Status::InvalidArgument(
          fmt::format("partition {} offset {} is logged twice or is negative (leaf {}): the log "
                      "is broken",
                      number, r->offset, r->leaf));
    }
  }
  const int64_t held = below - records.begin();
  if (held != end) {
    return Status::InvalidArgument(
        fmt::format("the log holds {} of the {} records of partition {} below offset {}", held, end,
                    number, end));
  }
  if (const int64_t last_leaf = it->second.max_leaf[end - 1]; last_leaf >= tree_size) {
    return Status::InvalidArgument(
        fmt::format("a record of partition {} below offset {} is leaf {}, not below tree size {}",
                    number, end, last_leaf, tree_size));
  }
  for (auto r = records.begin(); r != below; ++r) {
    if (r->kind == Kind::kNotIncluded) {
      return Status::InvalidArgument(fmt::format(
          "partition {} offset {} (leaf {}) is logged by its SHA-256 alone (too large for an "
          "entry): its figures cannot be recounted from the log",
          number, r->offset, r->leaf));
    }
  }
  return Status::Ok();
}

const Recounted& Recount::Fold(int32_t number, int64_t end) {
  const auto key = std::make_pair(number, end);
  if (auto cached = folds_.find(key); cached != folds_.end()) return cached->second;
  Recounted& fold = folds_[key];
  auto it = partitions_.find(number);
  if (it == partitions_.end() || end <= 0) return fold;

  std::unordered_set<std::string> seen;
  // (contest, station, official) -> its versions, in a fixed order so that sums are too.
  std::map<std::tuple<std::string, std::string, bool>, StationVersions> stations;
  for (const Record& record : it->second.records) {
    if (record.offset >= end) break;
    fold.records += 1;
    switch (record.kind) {
      case Kind::kNotARecord:
      case Kind::kNotIncluded:  // At() refuses a position that holds one
        fold.ignored.not_a_record += 1;
        continue;
      case Kind::kNoId:
        fold.ignored.no_id += 1;
        continue;
      case Kind::kUnknownStation:
        fold.ignored.unknown_station += 1;
        continue;
      case Kind::kVersion:
        break;
    }
    if (!seen.insert(record.version.submission_id).second) {
      fold.ignored.id_seen_before += 1;
      continue;
    }
    StationVersions& versions =
        stations[{record.contest_id, record.station->station_id(), record.official}];
    versions.station = record.station;
    versions.versions.push_back(record.version);
    if (!record.version.retraction) {
      versions.figures.emplace(record.version.figures_digest, &record.figures);
    }
  }
  for (const auto& [id, versions] : stations) {
    CountStation(*registry_, std::get<0>(id), std::get<2>(id), versions, fold);
  }
  return fold;
}

Result<Recounted> Recount::At(const v1::LogPosition& position) {
  const int64_t tree_size = position.tree_size();
  if (tree_size <= 0) {
    return Status::InvalidArgument("the position names no tree size: not yet logged");
  }
  if (tree_size > leaves_) {
    return Status::InvalidArgument(fmt::format(
        "the position's tree size {} is beyond the {} leaves downloaded", tree_size, leaves_));
  }
  Prepare();
  Recounted sum;
  for (int32_t p = 0; p < position.partition_ends_size(); ++p) {
    const int64_t end = position.partition_ends(p);
    if (Status covered = CheckCovered(p, end, tree_size); !covered.ok()) return covered;
    Add(sum, Fold(p, end));
  }
  return sum;
}

std::vector<Difference> CompareTotals(const domain::Registry& registry,
                                      const v1::AreaTotals& published,
                                      const RecountedTotals* recounted) {
  const TotalsId id{published.area().area_id(), published.contest_id(), published.official()};
  std::vector<Difference> differences;
  auto compare = [&](std::string field, int64_t published_value, int64_t recounted_value) {
    if (published_value != recounted_value) {
      differences.push_back({id, std::move(field), published_value, recounted_value});
    }
  };
  const RecountedTotals empty;
  const RecountedTotals& mine = recounted == nullptr ? empty : *recounted;
  const v1::Contest* contest = registry.FindContest(published.contest_id());
  if (contest != nullptr) {
    // The recount's figures shaped as publication shapes totals: every figure, every option.
    const v1::Figures figures = redis::FromFields(mine.figures, *contest, /*all_present=*/true);
    const auto* descriptor = v1::Figures::descriptor();
    for (int i = 0; i < descriptor->field_count(); ++i) {
      const auto* field = descriptor->field(i);
      if (field->is_repeated() ||
          field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_INT64) {
        continue;
      }
      compare(field->name(), ScalarFigure(published.figures(), field),
              ScalarFigure(figures, field));
    }
    for (const auto& line : figures.option_votes()) {
      int64_t votes = 0;
      for (const auto& option : published.options()) {
        if (option.option_id() == line.option_id()) votes = option.votes();
      }
      compare("option " + line.option_id(), votes, line.votes());
    }
  }
  compare("stations_reporting", published.stations_reporting(), mine.stations_reporting);
  compare("stations_registered", published.stations_registered(),
          registry.StationsRegistered(id.area_id, id.contest_id));
  compare("flagged_count", published.flagged_count(), mine.flagged_count);
  compare("disputed_count", published.disputed_count(), mine.disputed_count);
  return differences;
}

std::string Describe(const domain::Registry& registry, const Difference& difference) {
  std::string where = difference.totals.area_id;
  if (const v1::Area* area = registry.FindArea(difference.totals.area_id); area != nullptr) {
    std::string kind = v1::AreaKind_Name(area->kind());
    if (kind.starts_with("AREA_KIND_")) kind = kind.substr(10);
    std::transform(kind.begin(), kind.end(), kind.begin(), [](char c) { return std::tolower(c); });
    where = fmt::format("{} {} ({})", kind, area->area_id(), area->name());
  }
  return fmt::format("{}, contest {}, {}: {} published {}, recount {}", where,
                     difference.totals.contest_id, ScopeName(difference.totals.official),
                     difference.field, difference.published, difference.recounted);
}

}  // namespace hattama::verify
