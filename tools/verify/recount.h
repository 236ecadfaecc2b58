// The recount: every area total recomputed from the transparency log's entries alone, at the log
// position publication states for it (AreaTotals.log_position), by the rule aggregation applies
// (common/domain/dispute.h, services/aggregation/station_state.h), and compared with
// what publication published. Pure, no I/O: the entries and the published totals come from the
// caller (recount_command.cc fetches them).
//
// The rule, as aggregation applies the log (README: "Checking Hattama's figures yourself"):
//  - At a position {partition_ends, tree_size}, the records of partition p with source offset
//    below partition_ends[p] count, read from the leaves below tree_size; the log must hold every
//    one of them (offsets 0 … end − 1), or the position cannot be recounted.
//  - Ignored, as aggregation skips them: a value that is no SubmissionRecord, an empty submission
//    id, a station the registry does not know.
//  - Within a partition, in offset order, a submission id counts once: the first record carrying
//    it; a later one (a resend, or the id reused) changes nothing.
//  - Per station × contest, observers' versions and official ones (source OFFICIAL) apart: the
//    dispute rule (domain::Decide) picks the counted figures and says whether it is disputed.
//  - An area's totals (district, region, nation: Registry::EnclosingAreas) sum the counted
//    figures of its stations; stations_reporting counts stations with counted figures,
//    flagged_count those whose counted representative carries flags, disputed_count the disputed
//    ones. Each partition is folded on its own and the partitions summed, as publication sums
//    aggregation's per-partition totals.
//  - A region's observer totals also hold the PVT's sums (common/redis/layout.h): Σx², and per
//    option Σy² and Σxy, x a counted protocol's votes of all its options, y one option's votes.
//    GetAreaTotals does not publish them, so CompareTotals cannot hold them against publication;
//    the recount computes them as aggregation does (tests/verify/recount_apply_test.cc holds the
//    two together).
//
// Not thread-safe: one Recount belongs to one thread (it caches what it folded).
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/base/result.h"
#include "common/domain/dispute.h"
#include "common/domain/registry.h"
#include "common/redis/figures.h"
#include "common/tlog/entry.h"
#include "hattama/v1/publication.pb.h"

namespace hattama::verify {

// Which published total: an area, a contest, and the observers' or the official figures.
struct TotalsId {
  std::string area_id;
  std::string contest_id;
  bool official = false;
  friend auto operator<=>(const TotalsId&, const TotalsId&) = default;
};

// What the counted protocols of an area add up to.
struct RecountedTotals {
  // Summed figures, spelled as aggregation stores them (common/redis/figures.h): "f:<figure>",
  // "v:<option_id>".
  redis::FigureFields figures;
  int64_t stations_reporting = 0;
  int64_t flagged_count = 0;
  int64_t disputed_count = 0;
  // A region's observer totals only: "pvt:xx", "pvt:yy:<option_id>", "pvt:xy:<option_id>".
  redis::FigureFields pvt_sums;
};

// What a recount left out, and why (each as aggregation leaves it out).
struct IgnoredRecords {
  int64_t not_a_record = 0;     // the value is no SubmissionRecord
  int64_t no_id = 0;            // an empty submission id
  int64_t unknown_station = 0;  // a station the registry does not know
  int64_t id_seen_before = 0;   // the id counted earlier in the partition (a resend, a reuse)
};

// Every total at one position. An area × contest × scope without counted records is absent.
struct Recounted {
  std::map<TotalsId, RecountedTotals> totals;
  int64_t records = 0;  // records of the log at the position, ignored ones included
  IgnoredRecords ignored;
};

class Recount {
 public:
  explicit Recount(std::shared_ptr<const domain::Registry> registry);

  // The next leaf of the log (the first call is leaf 0), decoded (common/tlog/entry.h). Its record
  // is read here, so the entry may go away after: about 300 bytes a record stay in memory.
  void AddLeaf(const tlog::LeafEntry& entry);
  // The leaves added.
  int64_t leaves() const { return leaves_; }

  // Every total at `position`. kInvalidArgument when the position cannot be recounted from these
  // leaves, naming why: its tree size is 0 or beyond the leaves added, the leaves below it lack a
  // record of a partition below its end (or hold one twice), or one of those records was logged by
  // its SHA-256 alone (too large for an entry), so its figures are not in the log.
  Result<Recounted> At(const v1::LogPosition& position);

 private:
  // What aggregation does with a record, as far as it depends on the record alone.
  enum class Kind { kVersion, kNotARecord, kNoId, kUnknownStation, kNotIncluded };
  // One record of the log, as the recount reads it.
  struct Record {
    int64_t offset = 0;
    int64_t leaf = 0;
    Kind kind = Kind::kVersion;
    // For a kVersion: the version as the dispute rule sees it (its submission id included), where
    // it counts, and its figures as aggregation stores them.
    domain::DisputeVersion version;
    const domain::Station* station = nullptr;
    std::string contest_id;
    bool official = false;
    std::vector<std::pair<std::string, int64_t>> figures;
  };
  // The records of one partition, in offset order once sorted, with the largest leaf index of
  // each prefix.
  struct Partition {
    std::vector<Record> records;
    std::vector<int64_t> max_leaf;  // max_leaf[i]: largest leaf index of records[0 … i]
  };

  // Sorts what was added since the last call (and forgets the folds made before).
  void Prepare();
  Status CheckCovered(int32_t partition, int64_t end, int64_t tree_size) const;
  // The totals of partition `partition`'s records below `end` (cached).
  const Recounted& Fold(int32_t partition, int64_t end);

  std::shared_ptr<const domain::Registry> registry_;
  int64_t leaves_ = 0;
  bool prepared_ = true;
  std::map<int32_t, Partition> partitions_;
  std::map<std::pair<int32_t, int64_t>, Recounted> folds_;
};

// One way a published total differs from its recount.
struct Difference {
  TotalsId totals;
  // "ballots_valid" (a figure of hattama.v1.Figures), "option <option_id>", "stations_reporting",
  // "stations_registered", "flagged_count" or "disputed_count".
  std::string field;
  int64_t published = 0;
  int64_t recounted = 0;
};

// Every difference between `published` (as GetAreaTotals or GetOfficialTotals answer) and
// `recounted` (null: nothing counted in the area); stations_registered against the registry.
// Empty when they are equal. `published` names its area, contest and scope.
std::vector<Difference> CompareTotals(const domain::Registry& registry,
                                      const v1::AreaTotals& published,
                                      const RecountedTotals* recounted);

// One line for a person: "district d-001 (Almaty district 1), contest president, observers:
// option nur-otan published 1204, recount 1180".
std::string Describe(const domain::Registry& registry, const Difference& difference);

// "observers" or "official".
std::string ScopeName(bool official);

}  // namespace hattama::verify
