// hattama-aggregation --rebuild on several threads: the submissions log replayed into Redis by
// `lanes` rebuild members side by side, each on a thread of its own with its own reader of its
// share of the partitions (AggregatorOptions::rebuild_lane), its own state cache and its own
// Redis connections. One member is one thread: the fold and the record's preparation cap it near
// 28,000 protocols a second on this machine (README "What limits it"), so a rebuild of a whole
// night waits for one core while the others idle. The lanes write disjoint partitions, each
// step a compare-and-set on its own partition's position (batch_applier.h), so they never meet.
#pragma once

#include <atomic>
#include <memory>

#include "common/base/result.h"
#include "common/domain/registry.h"
#include "services/aggregation/aggregator.h"

namespace hattama::aggregation {

// Lanes when none are asked for: one a core, so that Redis and the lanes share them.
int DefaultRebuildLanes();

// Runs `lanes` rebuild members (options.rebuild must be set) until every one has applied its
// partitions up to where they ended when it started, or until `stop`. The counts summed over the
// lanes; the first lane's error, if any (the other lanes are then stopped, and running the
// rebuild again is safe: what was applied is a duplicate the second time).
Result<AggregatorCounts> RunRebuild(const AggregatorOptions& options,
                                    std::shared_ptr<const domain::Registry> registry, int lanes,
                                    const std::atomic<bool>& stop);

}  // namespace hattama::aggregation
