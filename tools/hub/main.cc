// hattama-hub: the synthetic election (generate) and the regional hubs' election night against a
// running stack (simulate), checked figure by figure against the ground truth.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <map>

#include "common/config/config.h"
#include "common/log/log.h"
#include "tools/hub/client/client.h"
#include "tools/hub/client/deployment_stream.h"
#include "tools/hub/client/hub_tokens.h"
#include "tools/hub/client/send.h"
#include "tools/hub/simulator/deployment.h"
#include "tools/hub/simulator/hub_credentials.h"
#include "tools/hub/simulator/plan.h"
#include "tools/hub/simulator/pvt_phases.h"
#include "tools/hub/simulator/registry_files.h"
#include "tools/hub/simulator/summary.h"
#include "tools/hub/simulator/synthetic.h"
#include "tools/hub/simulator/truth.h"
#include "tools/hub/simulator/verify.h"

namespace hattama::hub {
namespace {

constexpr int kMismatch = 1;
constexpr int kFailure = 2;

struct Flags {
  std::string out_dir = "election";
  std::string dir = "election";
  int64_t stations = 10'000;
  uint64_t seed = 2021;
  int hubs = 4;
  std::string ingestion = "127.0.0.1:7001";
  std::string publication = "127.0.0.1:7003";
  int timeout_seconds = 120;
  int64_t window = 2048;
  int workers = 8;
  bool regenerate = false;
  bool skip_stations = false;
  bool official_results = true;
  double several_versions_rate = 0.02;
  std::string log_level = "info";
  std::string tokens_path;
  std::string tls_ca;
  std::string tls_cert;
  std::string tls_key;
};

int Generate(const Flags& flags) {
  auto generated = GenerateElection({flags.stations, flags.seed});
  if (!generated.ok()) {
    spdlog::error("{}", generated.status().message());
    return kFailure;
  }
  auto written = WriteRegistryFiles(generated->election, generated->stations, flags.out_dir);
  if (!written.ok()) {
    spdlog::error("{}", written.message());
    return kFailure;
  }
  // Read back what was written, the way the services will.
  auto loaded = LoadRegistryFiles(flags.out_dir);
  if (!loaded.ok()) {
    spdlog::error("the written registry does not load: {}", loaded.status().message());
    return kFailure;
  }
  fmt::print("wrote {} and {}: {} stations, {} areas, {} contests\n",
             ElectionJsonPath(flags.out_dir), StationsCsvPath(flags.out_dir),
             (*loaded)->stations().size(), (*loaded)->election().areas_size(),
             (*loaded)->election().contests_size());
  // The hubs of the plan simulate will draw (same seed and hub count), each with a fresh token and
  // the regions the plan gives it: the registry ingestion authenticates them with.
  PlanOptions plan_options;
  plan_options.seed = flags.seed;
  plan_options.hubs = flags.hubs;
  auto plan = DrawPlan(**loaded, plan_options);
  if (!plan.ok()) {
    spdlog::error("{}", plan.status().message());
    return kFailure;
  }
  if (auto credentials = WriteHubCredentials(*plan, flags.out_dir); !credentials.ok()) {
    spdlog::error("{}", credentials.message());
    return kFailure;
  }
  fmt::print("wrote {} (hub registry for ingestion) and {} (the {} hubs' tokens)\n",
             HubRegistryPath(flags.out_dir), HubTokensPath(flags.out_dir), plan->hub_ids.size());
  return 0;
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

// The hubs' tokens: --tokens, else DIR/hub-tokens.csv when generate wrote one, else none (for an
// ingestion started with --allow-unauthenticated).
Result<std::map<std::string, std::string>> TokensFor(const Flags& flags) {
  if (!flags.tokens_path.empty()) return LoadHubTokens(flags.tokens_path);
  if (std::filesystem::exists(HubTokensPath(flags.dir))) {
    return LoadHubTokens(HubTokensPath(flags.dir));
  }
  return std::map<std::string, std::string>{};
}

int Simulate(const Flags& flags) {
  auto registry = RegistryFor(flags);
  if (!registry.ok()) {
    spdlog::error("{}", registry.status().message());
    return kFailure;
  }
  const domain::Registry& reg = **registry;
  PlanOptions plan_options;
  plan_options.seed = flags.seed;
  plan_options.hubs = flags.hubs;
  plan_options.official_results = flags.official_results;
  plan_options.confirm_rate = flags.several_versions_rate;
  plan_options.dispute_rate = flags.several_versions_rate;
  plan_options.revision_rate = flags.several_versions_rate;
  auto plan = DrawPlan(reg, plan_options);
  if (!plan.ok()) {
    spdlog::error("{}", plan.status().message());
    return kFailure;
  }
  const std::string truth_path = (std::filesystem::path(flags.dir) / "truth.json").string();
  if (auto written = WriteTruthJson(reg, plan->truth, plan->expected, truth_path); !written.ok()) {
    spdlog::error("{}", written.message());
    return kFailure;
  }
  const auto& expected = plan->expected;
  fmt::print(
      "plan: {} submissions over {} hubs: {} clean, {} with a broken control relation, "
      "{} resends, {} malformed; ground truth in {}\n",
      plan->submissions.size(), plan->hub_ids.size(), expected.accepted, expected.flagged,
      expected.duplicate, expected.rejected, truth_path);
  // Among them: observers revising their own protocol, and the commission's official results.
  int64_t revisions = 0, official = 0;
  for (const auto& planned : plan->submissions) {
    if (planned.kind == SubmissionKind::kResend) continue;
    revisions += planned.submission.revision() > 0;
    official += planned.submission.source() == v1::SOURCE_OFFICIAL;
  }
  fmt::print("      of which {} revisions of an observer's own protocol and {} official results\n",
             revisions, official);

  StreamOptions stream_options;
  stream_options.ingestion_address = flags.ingestion;
  stream_options.window = flags.window;
  if (auto tokens = TokensFor(flags); tokens.ok()) {
    stream_options.tokens = *tokens;
  } else {
    spdlog::error("{}", tokens.status().message());
    return kFailure;
  }
  stream_options.tls_ca = flags.tls_ca;
  stream_options.tls_cert = flags.tls_cert;
  stream_options.tls_key = flags.tls_key;
  stream_options.give_up_after = std::chrono::seconds(flags.timeout_seconds);
  stream_options.on_progress = [](const StreamProgress& p) {
    fmt::print("streaming: {}/{} answered ({:.1f} %), {:.0f} answers/s, {:.1f} s{}\n", p.acked,
               p.total, p.total == 0 ? 100.0 : 100.0 * p.acked / p.total, p.acks_per_second,
               p.elapsed_seconds,
               p.reconnects > 0 ? fmt::format(", {} reconnects", p.reconnects) : "");
    std::fflush(stdout);
  };
  // In phases: after 5, 20 and 50 % of the stations have reported, the PVT estimate as
  // publication serves it then (printed against the complete count at the end).
  PhasedStreamOptions phased;
  phased.stream = stream_options;
  phased.publication_address = flags.publication;
  phased.contest_id = reg.FindContest(kMazhilis) != nullptr
                          ? std::string(kMazhilis)
                          : reg.election().contests(0).contest_id();
  phased.timeout = std::chrono::seconds(flags.timeout_seconds);
  phased.on_phase = [&](const PvtPhase& phase) {
    fmt::print(
        "{:.0f} % of the {} stations reported ({} shown by publication): PVT estimate read\n",
        100 * phase.mark, phased.contest_id, phase.stations_reporting.at(phased.contest_id));
    std::fflush(stdout);
  };
  auto phased_stream = StreamInPhases(reg, plan->submissions, phased);
  if (!phased_stream.ok()) {
    spdlog::error("streaming failed: {}", phased_stream.status().message());
    return kFailure;
  }
  const StreamReport* streamed = &phased_stream->report;
  fmt::print(
      "streamed {} submissions in {:.1f} s: peak {:.0f} accepted/s, mean {:.0f} answers/s, "
      "{} reconnects\n",
      plan->submissions.size(), streamed->seconds, streamed->peak_accepted_per_second,
      plan->submissions.size() / std::max(streamed->seconds, 1e-9), streamed->reconnects);

  int64_t mismatches = 0;
  const auto outcomes = CheckOutcomes(plan->submissions, *streamed);
  mismatches += outcomes.mismatch_count;
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
  for (const auto& line : streamed->unexpected_acks) fmt::print("MISMATCH {}\n", line);
  mismatches += static_cast<int64_t>(streamed->unexpected_acks.size());
  // Every answer that is not a plain acceptance, with its reasons, for whoever reads the log.
  for (size_t i = 0; i < streamed->acks.size(); ++i) {
    const auto& ack = streamed->acks[i];
    if (ack.outcome == v1::OUTCOME_ACCEPTED) continue;
    std::string reasons;
    for (const auto& r : ack.reasons) {
      reasons += fmt::format("; {} {}: {}", v1::ReasonCode_Name(r.code()), r.field(), r.message());
    }
    spdlog::debug("{} {}{}", plan->submissions[i].submission.submission_id(),
                  v1::Outcome_Name(ack.outcome), reasons);
  }

  VerifyOptions verify_options;
  verify_options.publication_address = flags.publication;
  verify_options.timeout = std::chrono::seconds(flags.timeout_seconds);
  verify_options.workers = flags.workers;
  verify_options.check_stations = !flags.skip_stations;
  verify_options.on_progress = [](const std::string& line) {
    fmt::print("{}\n", line);
    std::fflush(stdout);
  };
  const auto verified = VerifyPublication(reg, plan->truth, verify_options);
  for (const auto& line : verified.mismatches) fmt::print("MISMATCH {}\n", line);
  if (verified.mismatch_count > static_cast<int64_t>(verified.mismatches.size())) {
    fmt::print("… and {} more mismatches\n",
               verified.mismatch_count - static_cast<int64_t>(verified.mismatches.size()));
  }
  mismatches += verified.mismatch_count + (verified.reporting_complete ? 0 : 1);
  fmt::print("checked {} area totals and {} stations' results against the ground truth\n\n",
             verified.areas_checked, verified.stations_checked);
  fmt::print("{}", FormatSummary(reg, verified.published_nation, plan->submissions, &*streamed));
  // The official totals were verified equal to these above.
  std::map<std::string, Tally> official_nation;
  for (const auto& contest : reg.election().contests()) {
    auto it =
        plan->truth.official_areas.find(AreaContestKey(reg.nation_id(), contest.contest_id()));
    if (it != plan->truth.official_areas.end()) official_nation[contest.contest_id()] = it->second;
  }
  fmt::print("\n{}", FormatOfficialComparison(reg, verified.published_nation, official_nation));
  fmt::print("\n{}", FormatPvtPhases(reg, phased_stream->phases, verified.published_nation));

  // Observer deployment: every hub streams its regions' events; the table must come out exact.
  const DeploymentPlan deployment = DrawDeployment(reg, flags.seed, plan->hub_of_region);
  auto deployed = StreamDeploymentEvents(deployment.events, stream_options);
  if (!deployed.ok()) {
    spdlog::error("deployment events: {}", deployed.status().message());
    return kFailure;
  }
  fmt::print(
      "\nobserver deployment: {} events ({} resent) from {} hubs: {} accepted, {} duplicate, "
      "{} rejected\n",
      deployment.events.size(), deployment.resends, plan->hub_ids.size(), deployed->accepted,
      deployed->duplicate, deployed->rejected);
  v1::DeploymentTable table;
  const auto deployment_mismatches = VerifyDeploymentTable(
      flags.publication, deployment, std::chrono::seconds(flags.timeout_seconds), &table);
  for (const auto& line : deployment_mismatches) fmt::print("MISMATCH {}\n", line);
  mismatches += static_cast<int64_t>(deployment_mismatches.size());
  fmt::print("{}", FormatDeploymentTable(table));
  fmt::print("deployment table {} the ground truth\n\n",
             deployment_mismatches.empty() ? "matches" : "does NOT match");

  if (mismatches == 0) {
    fmt::print("matches ground truth\n");
    return 0;
  }
  fmt::print("does NOT match ground truth: {} mismatches\n", mismatches);
  return kMismatch;
}

void AddTlsFlags(CLI::App& app, Flags& flags) {
  config::AddFlag(app, "tls-ca", flags.tls_ca,
                  "PEM CA of ingestion's certificate: connect with TLS (default: plaintext)");
  config::AddFlag(app, "tls-cert", flags.tls_cert, "PEM client certificate, for mTLS");
  config::AddFlag(app, "tls-key", flags.tls_key, "PEM key of --tls-cert");
}

int Send(const Flags& flags, SendOptions options) {
  options.stream.ingestion_address = flags.ingestion;
  options.stream.window = flags.window;
  options.stream.give_up_after = std::chrono::seconds(flags.timeout_seconds);
  options.stream.tls_ca = flags.tls_ca;
  options.stream.tls_cert = flags.tls_cert;
  options.stream.tls_key = flags.tls_key;
  options.stream.on_progress = [](const StreamProgress& p) {
    fmt::print("sending: {}/{} answered, {:.0f} answers/s, {:.1f} s{}\n", p.acked, p.total,
               p.acks_per_second, p.elapsed_seconds,
               p.reconnects > 0 ? fmt::format(", {} reconnects", p.reconnects) : "");
    std::fflush(stdout);
  };
  auto summary = SendFile(options);
  if (!summary.ok()) {
    spdlog::error("{}", summary.status().message());
    return kFailure;
  }
  fmt::print(
      "{} submissions: {} accepted, {} accepted with flags, {} duplicate, {} rejected, {} not "
      "sent ({} answered in an earlier run, {} reconnects, {:.1f} s)\nanswers journaled in {}; "
      "not accepted ones with reasons in {}\n",
      summary->submissions, summary->accepted, summary->flagged, summary->duplicate,
      summary->rejected, summary->not_sent, summary->already_answered, summary->reconnects,
      summary->seconds, options.journal.empty() ? options.file + ".answers.jsonl" : options.journal,
      options.not_accepted.empty() ? options.file + ".not-accepted.jsonl" : options.not_accepted);
  return summary->rejected > 0 || summary->not_sent > 0 ? kMismatch : 0;
}

int Main(int argc, char** argv) {
  CLI::App app{
      "hattama-hub: a synthetic Kazakhstan election and the regional hubs that stream "
      "its protocols to Hattama, checked against the ground truth"};
  app.require_subcommand(1);
  Flags flags;
  config::AddFlag(app, "log-level", flags.log_level, "trace, debug, info, warn or error");

  auto* generate = app.add_subcommand(
      "generate", "Write a synthetic registry: DIR/election.json and DIR/stations.csv");
  config::AddFlag(*generate, "out", flags.out_dir, "Directory to write the registry into")
      ->required();
  config::AddFlag(*generate, "station-count", flags.stations, "Number of polling stations");
  config::AddFlag(*generate, "seed", flags.seed, "Seed: one seed, one election");
  config::AddFlag(*generate, "hubs", flags.hubs,
                  "Regional hubs to write credentials for (DIR/hubs.csv, DIR/hub-tokens.csv)");

  auto* simulate = app.add_subcommand(
      "simulate",
      "Election night: load DIR's registry (or generate it), draw every station's protocols, "
      "stream them to ingestion, wait for publication and compare every area total and station "
      "result with the ground truth (written to DIR/truth.json). Exit 0 only on an exact match");
  config::AddFlag(*simulate, "dir", flags.dir,
                  "Registry directory, shared with the services; generated when empty");
  config::AddFlag(*simulate, "ingestion", flags.ingestion, "Ingestion service host:port");
  config::AddFlag(*simulate, "publication", flags.publication, "Publication service host:port");
  config::AddFlag(*simulate, "station-count", flags.stations,
                  "Number of stations when the registry is generated");
  config::AddFlag(*simulate, "seed", flags.seed, "Seed of the registry and the protocols");
  config::AddFlag(*simulate, "hubs", flags.hubs, "Regional hubs: one concurrent stream each");
  config::AddFlag(*simulate, "timeout", flags.timeout_seconds,
                  "Seconds to wait for answers from ingestion, and for publication to show "
                  "every protocol");
  config::AddFlag(*simulate, "window", flags.window,
                  "Submissions in flight (sent, not answered) per hub stream");
  config::AddFlag(*simulate, "workers", flags.workers,
                  "Concurrent requests to publication while comparing");
  config::AddFlag(*simulate, "tokens", flags.tokens_path,
                  "hub_id,token CSV of the hubs' tokens (default: DIR/hub-tokens.csv if present)");
  AddTlsFlags(*simulate, flags);
  simulate->add_flag("--regenerate", flags.regenerate,
                     "Generate the registry even when DIR already holds one");
  config::AddFlag(*simulate, "official-results", flags.official_results,
                  "Also send the commission's official Mazhilis results (2021 figures)");
  config::AddFlag(*simulate, "several-versions-rate", flags.several_versions_rate,
                  "Share of protocols also sent by a confirming observer, by a disputing "
                  "observer, and as a revision (each)");
  simulate->add_flag("--skip-stations", flags.skip_stations,
                     "Compare area totals only, not every station's results");

  SendOptions send_options;
  auto* send = app.add_subcommand(
      "send",
      "A hub's own submissions: stream FILE (JSON Lines, one hattama.v1.Submission a line) to "
      "ingestion, journal every answer, write the not-accepted ones with reasons. Rerun after a "
      "crash to resume: answered ones are skipped, the rest resent safely. Exit 1 when any was "
      "rejected or not sent (larger than --max-message-bytes, or unreadable to ingestion)");
  send->add_option("file", send_options.file, "JSON Lines file of submissions")->required();
  config::AddFlag(*send, "ingestion", flags.ingestion, "Ingestion service host:port");
  config::AddFlag(*send, "token", send_options.token, "This hub's token");
  config::AddFlag(*send, "hub-id", send_options.hub_id, "Hub id for lines that name none");
  config::AddFlag(*send, "journal", send_options.journal,
                  "Answers as they arrive (default FILE.answers.jsonl); what a rerun skips");
  config::AddFlag(*send, "not-accepted", send_options.not_accepted,
                  "Flagged, duplicate and rejected answers with reasons (default "
                  "FILE.not-accepted.jsonl)");
  config::AddFlag(*send, "timeout", flags.timeout_seconds,
                  "Seconds without any answer before giving up");
  config::AddFlag(*send, "window", flags.window, "Submissions in flight (sent, not answered)");
  config::AddFlag(*send, "max-message-bytes", send_options.stream.max_message_bytes,
                  "Largest submission message sent (ingestion's --max-message-bytes); larger ones "
                  "are not sent, and listed in the not-accepted file")
      ->check(CLI::PositiveNumber);
  AddTlsFlags(*send, flags);
  if (auto code = config::Parse(app, argc, argv)) return *code;
  log::Init("hattama-hub", log::Format::kAuto, flags.log_level);
  if (send->parsed()) return Send(flags, send_options);
  if (generate->parsed()) return Generate(flags);
  return Simulate(flags);
}

}  // namespace
}  // namespace hattama::hub

int main(int argc, char** argv) { return hattama::hub::Main(argc, argv); }
