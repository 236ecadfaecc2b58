#include "services/aggregation/rebuild.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <thread>
#include <vector>

#include "common/base/huge_page_arena.h"

namespace hattama::aggregation {

int DefaultRebuildLanes() {
  return static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
}

Result<AggregatorCounts> RunRebuild(const AggregatorOptions& options,
                                    std::shared_ptr<const domain::Registry> registry, int lanes,
                                    const std::atomic<bool>& stop) {
  if (!options.rebuild) return Status::Error("RunRebuild needs options.rebuild");
  if (lanes < 1) return Status::Error("a rebuild needs at least one lane");
  std::vector<std::unique_ptr<Aggregator>> members;
  for (int lane = 0; lane < lanes; ++lane) {
    AggregatorOptions lane_options = options;
    lane_options.rebuild_lane = {.index = lane, .count = lanes};
    auto member = Aggregator::Create(std::move(lane_options), registry);
    if (!member.ok()) return member.status();
    members.push_back(std::move(member).value());
  }
  // Set by the caller's stop or by a lane that failed: every lane then finishes its batch.
  std::atomic<bool> halt{false};
  std::atomic<int> running{lanes};
  std::vector<Status> outcomes(members.size(), Status::Ok());
  // A rebuild writes most of its heap for the first time (its state caches grow with every
  // station, each batch's records and commands are new): its lanes allocate on huge pages.
  const std::optional<unsigned> arena = HugePageArena();
  std::vector<std::thread> threads;
  for (size_t lane = 0; lane < members.size(); ++lane) {
    threads.emplace_back([&, lane] {
      if (arena) AllocateFrom(*arena);
      outcomes[lane] = members[lane]->Run(halt);
      if (!outcomes[lane].ok()) halt.store(true);
      running.fetch_sub(1);
    });
  }
  while (running.load() > 0) {
    if (stop.load()) halt.store(true);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (auto& thread : threads) thread.join();
  AggregatorCounts sum;
  for (size_t lane = 0; lane < members.size(); ++lane) {
    if (!outcomes[lane].ok()) {
      return Status::Error("rebuild lane " + std::to_string(lane + 1) + " of " +
                           std::to_string(lanes) + ": " + outcomes[lane].message());
    }
    const AggregatorCounts counts = members[lane]->counts();
    sum.applied += counts.applied;
    sum.counted += counts.counted;
    sum.duplicates += counts.duplicates;
    sum.skipped += counts.skipped;
  }
  return sum;
}

}  // namespace hattama::aggregation
