// hattama-hub: the synthetic election (generate), the regional hubs' election night against a
// running stack checked figure by figure against the ground truth (simulate), a real hub's own
// submissions (send), an observer's signing key (keygen) and the hub's desk (desk). This file
// holds the flags; each subcommand is a function of commands.h (desk: desk/desk_command.h), in a
// file of its own.
#include <CLI/CLI.hpp>

#include "common/config/config.h"
#include "common/log/log.h"
#include "tools/hub/commands.h"
#include "tools/hub/desk/desk_command.h"
#include "tools/hub/draw_sample_command.h"
#include "tools/hub/simulator/scenario_haq2021.h"

namespace hattama::hub {

void ApplyConnectionFlags(const Flags& flags, StreamOptions& options) {
  options.ingestion_address = flags.ingestion;
  options.window = flags.window;
  options.give_up_after = std::chrono::seconds(flags.timeout_seconds);
  options.tls_ca = flags.tls_ca;
  options.tls_cert = flags.tls_cert;
  options.tls_key = flags.tls_key;
}

PlanOptions PlanOptionsFor(const Flags& flags) {
  PlanOptions options;
  options.seed = flags.seed;
  options.hubs = flags.hubs;
  options.official_results = flags.official_results;
  options.confirm_rate = flags.several_versions_rate;
  options.dispute_rate = flags.several_versions_rate;
  options.revision_rate = flags.several_versions_rate;
  if (flags.arrival == "cities-first") options.arrival = PlanOptions::Arrival::kCitiesFirst;
  options.held_back = {flags.held_back.begin(), flags.held_back.end()};
  return options;
}

namespace {

// The flags that shape the night's plan beyond seed and hubs, which generate and simulate share
// so that generate registers the observers simulate sends for.
void AddPlanFlags(CLI::App& app, Flags& flags) {
  config::AddFlag(app, "official-results", flags.official_results,
                  "Also send the commission's official Mazhilis results (2021 figures)");
  config::AddFlag(app, "several-versions-rate", flags.several_versions_rate,
                  "Share of protocols also sent by a confirming observer, by a disputing "
                  "observer, and as a revision (each)");
}

void AddTlsFlags(CLI::App& app, Flags& flags) {
  config::AddFlag(app, "tls-ca", flags.tls_ca,
                  "PEM CA of ingestion's certificate: connect with TLS (default: plaintext)");
  config::AddFlag(app, "tls-cert", flags.tls_cert, "PEM client certificate, for mTLS");
  config::AddFlag(app, "tls-key", flags.tls_key, "PEM key of --tls-cert");
}

CLI::App* AddGenerate(CLI::App& app, Flags& flags) {
  auto* generate = app.add_subcommand(
      "generate",
      "Write a synthetic registry: DIR/election.json, DIR/stations.csv, the observer registry "
      "(DIR/organisations.csv, DIR/observers.csv: the organisations, observers and hubs of the "
      "night simulate draws with the same flags) and the hubs' credentials");
  config::AddFlag(*generate, "out", flags.out_dir, "Directory to write the registry into")
      ->required();
  config::AddFlag(*generate, "station-count", flags.stations, "Number of polling stations");
  config::AddFlag(*generate, "seed", flags.seed, "Seed: one seed, one election");
  config::AddFlag(*generate, "hubs", flags.hubs,
                  "Regional hubs to write credentials for (DIR/hubs.csv, DIR/hub-tokens.csv)");
  AddPlanFlags(*generate, flags);
  generate
      ->add_flag("--signing", flags.signing,
                 "Organisation oyan-qazaqstan requires signed protocols: its observers get keys "
                 "derived from the seed, with which simulate signs (synthetic keys, not secret)")
      ->envname(config::EnvName("signing"));
  return generate;
}

CLI::App* AddSimulate(CLI::App& app, Flags& flags) {
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
  config::AddFlag(*simulate, "answers", flags.answers_path,
                  "Write every answer here as it arrives, one SubmissionAck a JSON line as send "
                  "journals them (for hattama-verify inclusion); default: not written");
  config::AddFlag(*simulate, "tokens", flags.tokens_path,
                  "hub_id,token CSV of the hubs' tokens (default: DIR/hub-tokens.csv if present)");
  AddTlsFlags(*simulate, flags);
  simulate->add_flag("--regenerate", flags.regenerate,
                     "Generate the registry even when DIR already holds one");
  AddPlanFlags(*simulate, flags);
  config::AddFlag(*simulate, "arrival", flags.arrival,
                  "Order the protocols arrive in: shuffled (over the whole country) or "
                  "cities-first (city voters give the first list 30 % fewer votes and city "
                  "protocols arrive first, as on real nights; README: The PVT sample)")
      ->check(CLI::IsMember({"shuffled", "cities-first"}));
  config::AddFlag(*simulate, "pvt-sample", flags.pvt_sample_path,
                  "PVT sample file (draw-sample): its stations' observers report before all "
                  "others, as a PVT's observers do; default: none");
  config::AddFlag(*simulate, "hold-back", flags.held_back,
                  "Stations (ids, comma-separated) whose protocols the night does not send, left "
                  "for a hub's desk to type (hattama-demo --desk); default: none")
      ->delimiter(',');
  simulate->add_flag("--skip-stations", flags.skip_stations,
                     "Compare area totals only, not every station's results");
  config::AddFlag(*simulate, "scenario", flags.scenario,
                  "Stream the named scenario's deployment events instead of drawn ones and check "
                  "its table exactly: haq-2021 (the observers' report's mandate table per city; "
                  "needs about 5,000 stations or more); default: none")
      ->check(CLI::IsMember({std::string(), std::string(hattama::hub::kHaq2021Scenario)}));
  return simulate;
}

// Send's own flags go into `send_options`.
CLI::App* AddSend(CLI::App& app, Flags& flags, SendOptions& send_options) {
  auto* send = app.add_subcommand(
      "send",
      "A hub's own submissions: stream FILE (JSON Lines, one hattama.v1.Submission a line) to "
      "ingestion, journal every answer, write the not-accepted ones with reasons. Rerun after a "
      "crash to resume: answered ones are skipped, the rest resent safely. Exit 1 when any was "
      "rejected or not sent (larger than --max-message-bytes, or unreadable to ingestion)");
  send->add_option("file", send_options.file, "JSON Lines file of submissions")->required();
  config::AddFlag(*send, "sign-key", send_options.sign_key,
                  "Observer's private key file (hattama-hub keygen): sign every submission of "
                  "FILE with it before sending (README: Signed protocols)");
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
  return send;
}

CLI::App* AddKeygen(CLI::App& app, std::string& private_path) {
  auto* keygen = app.add_subcommand(
      "keygen",
      "Write a new Ed25519 key pair for an observer: FILE, the private key (mode 0600; never "
      "over an existing file), and FILE.pub; prints the public key for observers.csv");
  keygen->add_option("file", private_path, "Private key file to create")->required();
  return keygen;
}

// The desk's own flags go into `desk` (tools/hub/desk/desk_command.h).
CLI::App* AddDesk(CLI::App& app, Flags& flags, DeskOptions& desk) {
  auto* command = app.add_subcommand(
      "desk",
      "The hub's desk: serve a web page to the hub's operators on the local network, who upload "
      "protocol photos, type each twice (a third settles a disagreement) with ingestion's checks "
      "as they type; queue the submissions durably (SQLite in DATA) and stream them to ingestion, "
      "retrying while it is unreachable. --add-operator creates an account and exits");
  config::AddFlag(*command, "dir", flags.dir, "Registry directory (election.json, stations.csv)");
  config::AddFlag(*command, "data", desk.data_dir,
                  "The desk's own directory: desk.sqlite and photos/ (created)");
  config::AddFlag(*command, "listen", desk.listen, "host:port of the desk's web page");
  config::AddFlag(*command, "hub-id", desk.hub_id, "The hub this desk relays for");
  config::AddFlag(*command, "token", desk.token, "The hub's token for ingestion");
  config::AddFlag(*command, "ingestion", flags.ingestion, "Ingestion service host:port");
  config::AddFlag(*command, "max-photo-bytes", desk.max_photo_bytes,
                  "Largest photo accepted (JPEG or PNG)")
      ->check(CLI::PositiveNumber);
  config::AddFlag(*command, "send-timeout-ms", desk.send_timeout_ms,
                  "A batch of the queue waits this long for an answer before it is retried")
      ->check(CLI::PositiveNumber);
  config::AddFlag(*command, "retry-ms", desk.retry_ms,
                  "Wait between attempts while ingestion is unreachable")
      ->check(CLI::PositiveNumber);
  config::AddFlag(*command, "session-idle-seconds", desk.session_idle_seconds,
                  "An operator's session ends after this long unused: sign in again")
      ->check(CLI::PositiveNumber);
  config::AddFlag(*command, "web-tls-cert", desk.web_tls_cert,
                  "PEM certificate (chain) of the desk's page: serve HTTPS (default: HTTP)");
  config::AddFlag(*command, "web-tls-key", desk.web_tls_key, "PEM key of --web-tls-cert");
  config::AddFlag(*command, "add-operator", desk.add_operator,
                  "Create this operator account in DATA, print its token and exit");
  config::AddFlag(*command, "role", desk.role, "--add-operator's role: operator or supervisor");
  config::AddFlag(*command, "operator-token", desk.operator_token,
                  "--add-operator's token (at least 8 characters; default: a random one)");
  AddTlsFlags(*command, flags);
  return command;
}

int Main(int argc, char** argv) {
  CLI::App app{
      "hattama-hub: a synthetic Kazakhstan election and the regional hubs that stream "
      "its protocols to Hattama, checked against the ground truth"};
  app.require_subcommand(1);
  Flags flags;
  SendOptions send_options;
  config::AddFlag(app, "log-level", flags.log_level, "trace, debug, info, warn or error");
  CLI::App* generate = AddGenerate(app, flags);
  AddSimulate(app, flags);
  CLI::App* send = AddSend(app, flags, send_options);
  std::string key_path;
  CLI::App* keygen = AddKeygen(app, key_path);
  DeskOptions desk_options;
  CLI::App* desk = AddDesk(app, flags, desk_options);
  DrawSampleOptions draw_sample_options;
  CLI::App* draw_sample = AddDrawSample(app, draw_sample_options);
  if (auto code = config::Parse(app, argc, argv)) return *code;
  log::Init("hattama-hub", log::Format::kAuto, flags.log_level);
  if (keygen->parsed()) return Keygen(key_path);
  if (draw_sample->parsed()) return DrawSample(draw_sample_options);
  if (desk->parsed()) return Desk(flags, desk_options);
  if (send->parsed()) return Send(flags, send_options);
  if (generate->parsed()) return Generate(flags);
  return Simulate(flags);
}

}  // namespace
}  // namespace hattama::hub

int main(int argc, char** argv) { return hattama::hub::Main(argc, argv); }
