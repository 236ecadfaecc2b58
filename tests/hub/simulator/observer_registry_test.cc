// The observer registry generate writes (tools/hub/simulator/observer_registry.h): the night
// simulate draws with the same flags is answered as it was before observers were registered.
#include "tools/hub/simulator/observer_registry.h"

#include <gtest/gtest.h>

#include <set>

#include "common/domain/checks.h"
#include "tests/hub/temp_dir.h"
#include "tools/hub/simulator/deployment.h"
#include "tools/hub/simulator/registry_files.h"
#include "tools/hub/simulator/signing.h"
#include "tools/hub/simulator/synthetic.h"

namespace hattama::hub {
namespace {

constexpr uint64_t kSeed = 17;

PlanOptions NightOptions() {
  return {.seed = kSeed,
          .hubs = 3,
          .confirm_rate = 0.05,
          .dispute_rate = 0.05,
          .revision_rate = 0.05,
          .official_results = true};
}

bool IsObserverRegistryCode(v1::ReasonCode code) {
  return code >= v1::REASON_CODE_UNKNOWN_OBSERVER && code <= v1::REASON_CODE_SIGNATURE_REQUIRED;
}

// The registry files as generate writes them, loaded as the services load them.
std::shared_ptr<const domain::Registry> WrittenAndLoaded(
    const TempDir& dir, const Plan& plan, const domain::Registry& registry,
    const ObserverRegistryOptions& options = {}) {
  EXPECT_TRUE(WriteRegistryFiles(registry.election(), registry.stations(), dir.path()).ok());
  EXPECT_TRUE(WriteObserverRegistry(plan, dir.path(), options).ok());
  auto loaded = LoadRegistryFiles(dir.path());
  EXPECT_TRUE(loaded.ok()) << loaded.status().message();
  return loaded.ok() ? *loaded : nullptr;
}

TEST(ObserverRegistryFiles, EveryPlannedSubmissionGetsThePlannedAnswer) {
  TempDir dir;
  auto generated = std::move(GenerateRegistry({.stations = 300, .seed = kSeed})).value();
  auto plan = DrawPlan(*generated, NightOptions());
  ASSERT_TRUE(plan.ok());
  auto registry = WrittenAndLoaded(dir, *plan, *generated);
  ASSERT_NE(registry, nullptr);
  ASSERT_NE(registry->observers(), nullptr);

  int64_t official = 0;
  for (const auto& planned : plan->submissions) {
    const auto validation = domain::Validate(planned.submission, *registry, domain::Clock::now());
    EXPECT_EQ(validation.rejected(), planned.kind == SubmissionKind::kMalformed)
        << planned.submission.submission_id();
    for (const auto& reason : validation.rejections) {
      EXPECT_FALSE(IsObserverRegistryCode(reason.code()))
          << planned.submission.submission_id() << ": " << reason.message();
    }
    official += planned.submission.source() == v1::SOURCE_OFFICIAL;
  }
  EXPECT_GT(official, 0);
}

TEST(ObserverRegistryFiles, RegisterExactlyThePlansObserversWithTheirHubsAndOrganisations) {
  auto generated = std::move(GenerateRegistry({.stations = 200, .seed = kSeed})).value();
  auto plan = DrawPlan(*generated, NightOptions());
  ASSERT_TRUE(plan.ok());
  std::set<std::string> sent_for;
  for (const auto& planned : plan->submissions) {
    if (planned.submission.source() == v1::SOURCE_OBSERVER) {
      sent_for.insert(planned.submission.observer_id());
    }
  }
  const auto observers = ObserversOfPlan(*plan);
  std::set<std::string> registered;
  for (const auto& observer : observers) {
    registered.insert(observer.observer_id);
    EXPECT_EQ(observer.hub_ids.size(), 1u) << observer.observer_id;
    EXPECT_FALSE(observer.public_key.has_value());
  }
  EXPECT_EQ(registered, sent_for);
  EXPECT_EQ(registered.size(), observers.size());
  // One observer a station and contest's clean protocol, plus the confirming and disputing ones.
  EXPECT_GT(observers.size(), generated->stations().size());
}

TEST(ObserverRegistryFiles, DeploymentEventsNameRegisteredOrganisations) {
  TempDir dir;
  auto generated = std::move(GenerateRegistry({.stations = 300, .seed = kSeed})).value();
  auto plan = DrawPlan(*generated, NightOptions());
  ASSERT_TRUE(plan.ok());
  auto registry = WrittenAndLoaded(dir, *plan, *generated);
  ASSERT_NE(registry, nullptr);
  const auto deployment = DrawDeployment(*registry, kSeed, plan->hub_of_region);
  ASSERT_FALSE(deployment.events.empty());
  for (const auto& event : deployment.events) {
    EXPECT_TRUE(domain::ValidateDeploymentEvent(event, *registry, domain::Clock::now()).empty())
        << event.event_id();
  }
}

TEST(ObserverRegistryFiles, RewritingTheStationRegistryDropsAStaleObserverRegistry) {
  TempDir dir;
  auto generated = std::move(GenerateRegistry({.stations = 50, .seed = kSeed})).value();
  auto plan = DrawPlan(*generated, NightOptions());
  ASSERT_TRUE(plan.ok());
  ASSERT_NE(WrittenAndLoaded(dir, *plan, *generated), nullptr);
  ASSERT_TRUE(WriteRegistryFiles(generated->election(), generated->stations(), dir.path()).ok());
  auto loaded = LoadRegistryFiles(dir.path());
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ((*loaded)->observers(), nullptr);
}

TEST(ObserverRegistryFiles, WithSigningOneOrganisationsObserversSignTheirWholeNight) {
  TempDir dir;
  auto generated = std::move(GenerateRegistry({.stations = 300, .seed = kSeed})).value();
  auto unsigned_plan = DrawPlan(*generated, NightOptions());
  ASSERT_TRUE(unsigned_plan.ok());
  auto registry =
      WrittenAndLoaded(dir, *unsigned_plan, *generated, {.seed = kSeed, .signing = true});
  ASSERT_NE(registry, nullptr);
  EXPECT_TRUE(registry->observers()->FindOrganisation(kSigningOrganisation)->signatures_required);

  auto plan = DrawPlan(*registry, NightOptions());
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  ASSERT_EQ(plan->submissions.size(), unsigned_plan->submissions.size());
  int64_t signed_count = 0;
  for (const auto& planned : plan->submissions) {
    const v1::Submission& s = planned.submission;
    const bool signs =
        s.source() == v1::SOURCE_OBSERVER && s.organisation_id() == kSigningOrganisation;
    EXPECT_EQ(s.signature().size(), signs ? 64u : 0u) << s.submission_id();
    signed_count += signs;
    const auto validation = domain::Validate(s, *registry, domain::Clock::now());
    EXPECT_EQ(validation.rejected(), planned.kind == SubmissionKind::kMalformed)
        << s.submission_id();
    for (const auto& reason : validation.rejections) {
      EXPECT_FALSE(IsObserverRegistryCode(reason.code()))
          << s.submission_id() << ": " << reason.message();
    }
  }
  EXPECT_GT(signed_count, 0);
}

TEST(ObserverRegistryFiles, KeysOfAnotherSeedAreNamedRatherThanSignedWith) {
  TempDir dir;
  auto generated = std::move(GenerateRegistry({.stations = 60, .seed = kSeed})).value();
  auto unsigned_plan = DrawPlan(*generated, NightOptions());
  ASSERT_TRUE(unsigned_plan.ok());
  auto registry =
      WrittenAndLoaded(dir, *unsigned_plan, *generated, {.seed = kSeed + 1, .signing = true});
  ASSERT_NE(registry, nullptr);
  auto plan = DrawPlan(*registry, NightOptions());
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("another seed"), std::string::npos)
      << plan.status().message();
}

// An observer as one line of observers.csv, for comparing two lists as sets.
std::set<std::string> AsLines(const std::vector<domain::Observer>& observers) {
  std::set<std::string> lines;
  for (const auto& observer : observers) {
    lines.insert(domain::ObserverRegistry::FormatObservers({observer}));
  }
  return lines;
}

// generate finds the night's observers without drawing the night (ObserversOfNight): they must be
// the plan's, with the same organisations, hubs and keys, for any rates and seed.
TEST(ObserverRegistryFiles, TheNightsObserversFoundWithoutDrawingItAreThePlans) {
  auto registry = std::move(GenerateRegistry({.stations = 400, .seed = kSeed})).value();
  std::vector<std::pair<PlanOptions, ObserverRegistryOptions>> cases = {
      {NightOptions(), {.seed = kSeed}},
      {{.seed = 3, .hubs = 4, .broken_rate = 0.2, .confirm_rate = 0.3, .dispute_rate = 0.1},
       {.seed = 3, .signing = true}},
      {{.seed = 5, .hubs = 1, .confirm_rate = 0, .dispute_rate = 0}, {.seed = 5}},
  };
  for (const auto& [plan_options, options] : cases) {
    auto plan = DrawPlan(*registry, plan_options);
    ASSERT_TRUE(plan.ok()) << plan.status().message();
    auto found = ObserversOfNight(*registry, plan_options, options);
    ASSERT_TRUE(found.ok()) << found.status().message();
    const auto planned = ObserversOfPlan(*plan, options);
    EXPECT_EQ(found->size(), planned.size()) << "seed " << plan_options.seed;
    EXPECT_EQ(AsLines(*found), AsLines(planned)) << "seed " << plan_options.seed;
  }
}

}  // namespace
}  // namespace hattama::hub
