#include "tools/hub/simulator/plan.h"

#include <iterator>

#include "tools/hub/simulator/biased_night.h"
#include "tools/hub/simulator/plan_steps.h"
#include "tools/hub/simulator/rng.h"
#include "tools/hub/simulator/signing.h"

namespace hattama::hub {
namespace {

void Append(std::vector<PlannedSubmission>& to, std::vector<PlannedSubmission> more) {
  to.insert(to.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
}

// Drops the submissions of the held-back stations (PlanOptions::held_back).
std::vector<PlannedSubmission> WithoutHeldBack(std::vector<PlannedSubmission> submissions,
                                               const std::set<std::string>& held_back) {
  std::erase_if(submissions, [&](const PlannedSubmission& planned) {
    return held_back.contains(planned.submission.protocol().station_id());
  });
  return submissions;
}

}  // namespace

const v1::Area* RegionOf(const domain::Registry& registry, const domain::Station& station) {
  if (const v1::Area* region = registry.RegionOf(station)) return region;
  const auto chain = registry.EnclosingAreas(station);
  // A tree without regions: the area just below the nation stands in for one.
  return chain.size() >= 2 ? chain[chain.size() - 2] : (chain.empty() ? nullptr : chain[0]);
}

Result<Plan> DrawPlan(const domain::Registry& registry, const PlanOptions& options) {
  if (options.hubs < 1) return Status::Error("at least one hub is needed");
  for (double rate : {options.broken_rate, options.malformed_rate, options.resend_rate}) {
    if (rate < 0 || rate > 1) return Status::Error("rates must be between 0 and 1");
  }
  auto hubs = AssignRegionsToHubs(registry, options.hubs);
  if (!hubs.ok()) return hubs.status();
  std::vector<PlannedSubmission> protocols = DrawCleanProtocols(registry, options.seed, *hubs);
  const bool cities_first = options.arrival == PlanOptions::Arrival::kCitiesFirst;
  if (cities_first) MoveCityVotes(registry, protocols);

  // The steps below draw from this one stream, in this order (plan_steps.h).
  Rng rng(StreamSeed(options.seed, "plan", 3));
  BreakSome(rng, options.broken_rate, protocols);
  // Copies of protocols after breaking some, so that they carry the original's flag.
  std::vector<PlannedSubmission> versions =
      DrawConfirmations(rng, options.confirm_rate, options.seed, protocols);
  Append(versions, DrawDisputes(rng, options.dispute_rate, options.seed, protocols));
  Append(versions, DrawRevisions(rng, options.revision_rate, options.seed, protocols));
  if (options.official_results) {
    Append(versions, DrawOfficialResults(registry, options.seed, *hubs));
  }
  const std::vector<size_t> resent = PickResends(rng, options.resend_rate, protocols.size());
  std::vector<PlannedSubmission> malformed =
      DrawMalformed(rng, options.malformed_rate, options.seed, protocols);

  // The protocols first: `resent` indexes them.
  std::vector<PlannedSubmission> submissions = std::move(protocols);
  Append(submissions, std::move(malformed));
  Append(submissions, std::move(versions));
  // Last, over what is sent: a resend carries its original's signature.
  if (auto signed_ok = SignForRegisteredKeys(registry, options.seed, submissions);
      !signed_ok.ok()) {
    return signed_ok;
  }
  Plan plan;
  plan.submissions = InSendOrder(rng, std::move(submissions), resent);
  if (cities_first) {
    plan.submissions = CitiesFirst(registry, std::move(plan.submissions), options.report_first);
  }
  // Last, so that every draw above is the night generate registered the observers of.
  plan.submissions = WithoutHeldBack(std::move(plan.submissions), options.held_back);
  plan.hub_ids = std::move(hubs->hub_ids);
  plan.hub_of_region = std::move(hubs->hub_of_region);
  plan.truth = ComputeTruth(registry, plan.submissions);
  plan.expected = CountExpected(plan.submissions);
  return plan;
}

}  // namespace hattama::hub
