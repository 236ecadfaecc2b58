// Open data: every station's counted protocol of a contest, as CSV or JSON Lines, read through
// the read model (PublishedStore::ReadStationResults, in bulk) so that the export is exactly what
// is published.
#pragma once

#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "common/base/result.h"
#include "services/publication/published_store.h"

namespace hattama::publication {

enum class ExportFormat { kCsv, kJsonLines };

// One row per station voting in the contest, in registry order, reported or not. CSV columns:
// station_id, district_id, region_id, reported, registered_voters, additional_list_voters,
// ballots_received, ballots_issued, ballots_cancelled, ballots_in_box, ballots_spoiled,
// ballots_valid, one column per option (its option_id), submission_id, flagged, disputed,
// confirmations. JSON Lines: one object per station with the same names. kNotFound for an unknown
// contest, kUnavailable when Redis cannot answer.
Result<std::string> ExportContest(PublishedStore& store, const std::string& contest_id,
                                  ExportFormat format);

// Each contest's export produced once per change of its data and served from that result, so
// that a crowd of downloads costs one production (one bulk Redis read), not one each.
//  - Single flight: requests arriving while it is produced wait for that production and share
//    its result, a failure too (so a Redis outage is one failed read, answered 503 to all).
//  - Fresh: Changed(contest) (from the change feed) makes the stored file stale; so does age
//    (`max_age`), the bound when there is no feed or it missed a change.
// Thread-safe.
class ExportCache {
 public:
  using Produce = std::function<Result<std::string>(const std::string& contest_id, ExportFormat)>;
  ExportCache(Produce produce, std::chrono::milliseconds max_age);

  // The file, produced now or shared with a production in flight or stored.
  Result<std::shared_ptr<const std::string>> Get(const std::string& contest_id,
                                                 ExportFormat format);
  // The contest's data changed: the next Get produces it again.
  void Changed(const std::string& contest_id);
  // Productions started since construction (what a crowd of downloads cost).
  uint64_t productions() const;

 private:
  using Produced = Result<std::shared_ptr<const std::string>>;
  using Key = std::pair<std::string, ExportFormat>;
  struct Entry {
    std::shared_ptr<const std::string> bytes;
    uint64_t generation = 0;
    std::chrono::steady_clock::time_point produced;
    std::shared_future<Produced> in_flight;  // Valid while a production runs.
  };

  const Produce produce_;
  const std::chrono::milliseconds max_age_;
  mutable std::mutex mutex_;
  std::map<std::string, uint64_t> generations_;  // Bumped by Changed.
  std::map<Key, Entry> entries_;                 // Bounded: contests x formats.
  uint64_t productions_ = 0;
};

}  // namespace hattama::publication
