// hattama-hub simulate: election night against a running stack. Loads (or generates) the
// registry, draws the night, streams it in phases with the PVT estimate read after each, checks
// every answer and every published figure against the ground truth, then does the same for the
// observers' deployment.
#include <fmt/format.h>
#include <google/protobuf/util/json_util.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>

#include "tools/hub/client/client.h"
#include "tools/hub/client/deployment_stream.h"
#include "tools/hub/client/hub_tokens.h"
#include "tools/hub/commands.h"
#include "tools/hub/simulator/deployment.h"
#include "tools/hub/simulator/hub_credentials.h"
#include "tools/hub/simulator/plan.h"
#include "tools/hub/simulator/pvt_phases.h"
#include "tools/hub/simulator/registry_files.h"
#include "tools/hub/simulator/sample.h"
#include "tools/hub/simulator/scenario_haq2021.h"
#include "tools/hub/simulator/summary.h"
#include "tools/hub/simulator/synthetic.h"
#include "tools/hub/simulator/truth.h"
#include "tools/hub/simulator/verify.h"

namespace hattama::hub {
namespace {

int Fail(const Status& status) {
  spdlog::error("{}", status.message());
  return kFailure;
}

Result<std::shared_ptr<const domain::Registry>> RegistryFor(const Flags& flags) {
  if (!flags.regenerate && RegistryFilesExist(flags.dir)) {
    auto loaded = LoadRegistryFiles(flags.dir);
    if (loaded.ok()) {
      fmt::print("registry: loaded {} stations from {}\n", (*loaded)->stations().size(), flags.dir);
    }
    return loaded;
  }
  auto generated = GenerateRegistryFiles({flags.stations, flags.seed}, flags.dir);
  if (generated.ok()) {
    fmt::print("registry: generated {} stations (seed {}) into {}\n", flags.stations, flags.seed,
               flags.dir);
  }
  return generated;
}

// What the plan holds, for the person watching.
void PrintPlan(const Plan& plan, const std::string& truth_path) {
  const auto& expected = plan.expected;
  fmt::print(
      "plan: {} submissions over {} hubs: {} clean, {} with a broken control relation, "
      "{} resends, {} malformed; ground truth in {}\n",
      plan.submissions.size(), plan.hub_ids.size(), expected.accepted, expected.flagged,
      expected.duplicate, expected.rejected, truth_path);
  // Among them: observers revising their own protocol, and the commission's official results.
  int64_t revisions = 0, official = 0;
  for (const auto& planned : plan.submissions) {
    if (planned.kind == SubmissionKind::kResend) continue;
    revisions += planned.submission.revision() > 0;
    official += planned.submission.source() == v1::SOURCE_OFFICIAL;
  }
  fmt::print("      of which {} revisions of an observer's own protocol and {} official results\n",
             revisions, official);
}

// Draws the night and writes its ground truth to DIR/truth.json.
Result<Plan> DrawNight(const domain::Registry& registry, const Flags& flags) {
  PlanOptions options = PlanOptionsFor(flags);
  if (!flags.pvt_sample_path.empty()) {
    auto sampled = ReadSampledStations(flags.pvt_sample_path);
    if (!sampled.ok()) return sampled.status();
    options.report_first = std::move(sampled).value();
  }
  auto plan = DrawPlan(registry, options);
  if (!plan.ok()) return plan.status();
  const std::string truth_path = (std::filesystem::path(flags.dir) / "truth.json").string();
  if (auto written = WriteTruthJson(registry, plan->truth, plan->expected, truth_path);
      !written.ok()) {
    return written;
  }
  PrintPlan(*plan, truth_path);
  return plan;
}

// The hubs' tokens: --tokens, else DIR/hub-tokens.csv when generate wrote one, else none (for an
// ingestion started with --allow-unauthenticated).
Result<std::map<std::string, std::string>> TokensFor(const Flags& flags) {
  if (!flags.tokens_path.empty()) return LoadHubTokens(flags.tokens_path);
  if (std::filesystem::exists(HubTokensPath(flags.dir))) {
    return LoadHubTokens(HubTokensPath(flags.dir));
  }
  return std::map<std::string, std::string>{};
}

Result<StreamOptions> StreamOptionsFor(const Flags& flags) {
  StreamOptions options;
  ApplyConnectionFlags(flags, options);
  auto tokens = TokensFor(flags);
  if (!tokens.ok()) return tokens.status();
  options.tokens = *tokens;
  options.on_progress = [](const StreamProgress& p) {
    fmt::print("streaming: {}/{} answered ({:.1f} %), {:.0f} answers/s, {:.1f} s{}\n", p.acked,
               p.total, p.total == 0 ? 100.0 : 100.0 * p.acked / p.total, p.acks_per_second,
               p.elapsed_seconds,
               p.reconnects > 0 ? fmt::format(", {} reconnects", p.reconnects) : "");
    std::fflush(stdout);
  };
  return options;
}

// Streams the night in phases: after 5, 20 and 50 % of the stations have reported, the PVT
// estimate as publication serves it then (printed against the complete count at the end).
Result<PhasedStream> StreamNight(const domain::Registry& registry, const Plan& plan,
                                 const StreamOptions& stream_options, const Flags& flags) {
  PhasedStreamOptions phased;
  phased.stream = stream_options;
  phased.publication_address = flags.publication;
  phased.contest_id = registry.FindContest(kMazhilis) != nullptr
                          ? std::string(kMazhilis)
                          : registry.election().contests(0).contest_id();
  phased.timeout = std::chrono::seconds(flags.timeout_seconds);
  phased.on_phase = [&](const PvtPhase& phase) {
    fmt::print(
        "{:.0f} % of the {} stations reported ({} shown by publication): PVT estimate read\n",
        100 * phase.mark, phased.contest_id, phase.stations_reporting.at(phased.contest_id));
    std::fflush(stdout);
  };
  auto streamed = StreamInPhases(registry, plan.submissions, phased);
  if (!streamed.ok()) return Status::Error("streaming failed: " + streamed.status().message());
  const StreamReport& report = streamed->report;
  fmt::print(
      "streamed {} submissions in {:.1f} s: peak {:.0f} accepted/s, mean {:.0f} answers/s, "
      "{} reconnects\n",
      plan.submissions.size(), report.seconds, report.peak_accepted_per_second,
      plan.submissions.size() / std::max(report.seconds, 1e-9), report.reconnects);
  return streamed;
}

// Every answer that is not a plain acceptance, with its reasons, for whoever reads the log.
void LogNotAccepted(const Plan& plan, const StreamReport& streamed) {
  for (size_t i = 0; i < streamed.acks.size(); ++i) {
    const auto& ack = streamed.acks[i];
    if (ack.outcome == v1::OUTCOME_ACCEPTED) continue;
    std::string reasons;
    for (const auto& r : ack.reasons) {
      reasons += fmt::format("; {} {}: {}", v1::ReasonCode_Name(r.code()), r.field(), r.message());
    }
    spdlog::debug("{} {}{}", plan.submissions[i].submission.submission_id(),
                  v1::Outcome_Name(ack.outcome), reasons);
  }
}

// Every answer against the plan. Returns the mismatches, each printed.
int64_t CheckAnswers(const Plan& plan, const StreamReport& streamed) {
  const auto outcomes = CheckOutcomes(plan.submissions, streamed);
  int64_t mismatches = outcomes.mismatch_count;
  for (const auto& line : outcomes.mismatches) fmt::print("MISMATCH {}\n", line);
  if (outcomes.duplicates_after_reconnect > 0) {
    fmt::print(
        "{} submissions answered DUPLICATE after a reconnect: their first send was "
        "durable, its answer lost with the connection\n",
        outcomes.duplicates_after_reconnect);
  }
  if (outcomes.resends_accepted_again > 0) {
    fmt::print(
        "{} resends answered as new after a reconnect: ingestion no longer remembered "
        "their ids (the totals below show whether they were counted once)\n",
        outcomes.resends_accepted_again);
  }
  for (const auto& line : streamed.unexpected_acks) fmt::print("MISMATCH {}\n", line);
  mismatches += static_cast<int64_t>(streamed.unexpected_acks.size());
  LogNotAccepted(plan, streamed);
  return mismatches;
}

// What a person reads once the figures are checked: the national results, the official results
// beside the observers', and the PVT estimate at each phase against the complete count.
void PrintResults(const domain::Registry& registry, const Plan& plan, const PhasedStream& phased,
                  const std::map<std::string, Tally>& published_nation) {
  fmt::print("{}", FormatSummary(registry, published_nation, plan.submissions, &phased.report));
  // The official totals were verified equal to these.
  std::map<std::string, Tally> official_nation;
  for (const auto& contest : registry.election().contests()) {
    auto it =
        plan.truth.official_areas.find(AreaContestKey(registry.nation_id(), contest.contest_id()));
    if (it != plan.truth.official_areas.end()) official_nation[contest.contest_id()] = it->second;
  }
  fmt::print("\n{}", FormatOfficialComparison(registry, published_nation, official_nation));
  fmt::print("\n{}", FormatPvtPhases(registry, phased.phases, published_nation));
}

// Every published area total and station result against the truth, then the results. Returns
// the mismatches (publication not showing every protocol in time counts as one), each printed.
int64_t CheckPublication(const domain::Registry& registry, const Plan& plan,
                         const PhasedStream& phased, const Flags& flags) {
  VerifyOptions verify_options;
  verify_options.publication_address = flags.publication;
  verify_options.timeout = std::chrono::seconds(flags.timeout_seconds);
  verify_options.workers = flags.workers;
  verify_options.check_stations = !flags.skip_stations;
  verify_options.on_progress = [](const std::string& line) {
    fmt::print("{}\n", line);
    std::fflush(stdout);
  };
  const auto verified = VerifyPublication(registry, plan.truth, verify_options);
  for (const auto& line : verified.mismatches) fmt::print("MISMATCH {}\n", line);
  if (verified.mismatch_count > static_cast<int64_t>(verified.mismatches.size())) {
    fmt::print("… and {} more mismatches\n",
               verified.mismatch_count - static_cast<int64_t>(verified.mismatches.size()));
  }
  fmt::print("checked {} area totals and {} stations' results against the ground truth\n\n",
             verified.areas_checked, verified.stations_checked);
  PrintResults(registry, plan, phased, verified.published_nation);
  return verified.mismatch_count + (verified.reporting_complete ? 0 : 1);
}

// The per-city table, checked against the report's with --scenario haq-2021, and the deployment
// per organisation; the number of mismatches, each printed.
Result<int64_t> CheckScenarioAndPrintOrganisations(const domain::Registry& registry,
                                                   const Flags& flags) {
  int64_t mismatches = 0;
  if (flags.scenario == kHaq2021Scenario) {
    auto cities = ReadCityDeployment(flags.publication);
    if (!cities.ok()) return cities.status();
    const auto differences = CheckHaq2021Cities(registry, *cities);
    for (const auto& line : differences) fmt::print("MISMATCH {}\n", line);
    fmt::print("observer deployment per city:\n{}", FormatCityTable(*cities));
    fmt::print("per-city table {} the report's (haq-2021)\n\n",
               differences.empty() ? "matches" : "does NOT match");
    mismatches += static_cast<int64_t>(differences.size());
  }
  auto organisations = ReadOrganisationDeployment(flags.publication);
  if (!organisations.ok()) return organisations.status();
  fmt::print("observer deployment per organisation:\n{}\n",
             FormatOrganisationTable(*organisations));
  return mismatches;
}

// Observer deployment: every hub streams its regions' events; the table must come out exact.
// Returns the mismatches, each printed; an error when the events could not be streamed.
Result<int64_t> CheckDeployment(const domain::Registry& registry, const Plan& plan,
                                const StreamOptions& stream_options, const Flags& flags) {
  DeploymentPlan deployment;
  if (flags.scenario == kHaq2021Scenario) {
    auto drawn = DrawHaq2021(registry, plan.hub_of_region);
    if (!drawn.ok()) return Status::Error("scenario haq-2021: " + drawn.status().message());
    deployment = std::move(drawn).value();
  } else {
    deployment = DrawDeployment(registry, flags.seed, plan.hub_of_region);
  }
  auto deployed = StreamDeploymentEvents(deployment.events, stream_options);
  if (!deployed.ok()) return Status::Error("deployment events: " + deployed.status().message());
  fmt::print(
      "\nobserver deployment: {} events ({} resent) from {} hubs: {} accepted, {} duplicate, "
      "{} rejected\n",
      deployment.events.size(), deployment.resends, plan.hub_ids.size(), deployed->accepted,
      deployed->duplicate, deployed->rejected);
  v1::DeploymentTable table;
  const auto mismatches = VerifyDeploymentTable(
      flags.publication, deployment, std::chrono::seconds(flags.timeout_seconds), &table);
  for (const auto& line : mismatches) fmt::print("MISMATCH {}\n", line);
  fmt::print("{}", FormatDeploymentTable(table));
  fmt::print("deployment table {} the ground truth\n\n",
             mismatches.empty() ? "matches" : "does NOT match");
  auto checked = CheckScenarioAndPrintOrganisations(registry, flags);
  if (!checked.ok()) return checked.status();
  return static_cast<int64_t>(mismatches.size()) + *checked;
}

}  // namespace

int Simulate(const Flags& flags) {
  auto registry = RegistryFor(flags);
  if (!registry.ok()) return Fail(registry.status());
  const domain::Registry& reg = **registry;
  auto plan = DrawNight(reg, flags);
  if (!plan.ok()) return Fail(plan.status());
  auto stream_options = StreamOptionsFor(flags);
  if (!stream_options.ok()) return Fail(stream_options.status());
  // --answers: each answer as it arrives (from the hubs' reader threads), as send journals them.
  std::ofstream answers;
  std::mutex answers_mu;
  StreamOptions night_options = *stream_options;
  if (!flags.answers_path.empty()) {
    answers.open(flags.answers_path, std::ios::trunc);
    if (!answers) return Fail(Status::Error("cannot write " + flags.answers_path));
    night_options.on_answer = [&](size_t, const v1::SubmissionAck& ack) {
      std::string json;
      (void)google::protobuf::util::MessageToJsonString(ack, &json);
      std::lock_guard lock(answers_mu);
      answers << json << '\n' << std::flush;
    };
  }
  auto streamed = StreamNight(reg, *plan, night_options, flags);
  if (!streamed.ok()) return Fail(streamed.status());

  int64_t mismatches = CheckAnswers(*plan, streamed->report);
  mismatches += CheckPublication(reg, *plan, *streamed, flags);
  auto deployment_mismatches = CheckDeployment(reg, *plan, *stream_options, flags);
  if (!deployment_mismatches.ok()) return Fail(deployment_mismatches.status());
  mismatches += *deployment_mismatches;

  if (mismatches == 0) {
    fmt::print("matches ground truth\n");
    return 0;
  }
  fmt::print("does NOT match ground truth: {} mismatches\n", mismatches);
  return kMismatch;
}

}  // namespace hattama::hub
