// hattama-verify: anyone's checks of Hattama's transparency log, trusting only the log's verifier
// key. This file holds the flags; each command is a function of commands.h in a file of its own.
#include <CLI/CLI.hpp>

#include "common/config/config.h"
#include "tools/verify/commands.h"

namespace hattama::verify {
namespace {

constexpr char kDescription[] =
    "Checks Hattama's transparency log with nothing but its verifier key (README: \"Checking "
    "Hattama's figures yourself\").\n"
    "Exit status: 0 only when everything checked holds, 1 when something does not (each finding "
    "one line on stdout), 2 when it could not check (usage, an unreadable file, a log it cannot "
    "reach or that answers beyond a limit).\n"
    "Bounds on what is read from the log: --connect-timeout 10 s, --request-timeout 30 s a "
    "request, --max-answer-bytes 1 MiB a JSON answer or checkpoint, an entry bundle at most the "
    "16,777,472 bytes its format allows, --max-tree-size 20,000,000 leaves a download.";

CLI::App* AddInclusion(CLI::App& app, InclusionArgs& args) {
  auto* command = app.add_subcommand(
      "inclusion",
      "Every submission a hub's answers file (hattama-hub send's FILE.answers.jsonl) lists as "
      "accepted, accepted with flags or duplicate (already logged) is in the log at its current "
      "checkpoint: the inclusion proof by submission id checked against the signed root, the id "
      "read from the entry's own bytes. Rejected answers are skipped and counted");
  AddLogFlags(*command, args.log);
  command->add_option("answers", args.answers_file, "The answers file, one SubmissionAck a line")
      ->required();
  return command;
}

CLI::App* AddConsistency(CLI::App& app, ConsistencyArgs& args) {
  auto* command = app.add_subcommand(
      "consistency",
      "A saved older checkpoint is a prefix of a newer one: both signed by the log key, and the "
      "consistency proof between them (fetched from --log-url) joins their roots. Without "
      "NEW_CHECKPOINT the newer one is the log's latest. A checkpoint file holds the signed note "
      "as /tlog/checkpoint serves it");
  AddLogFlags(*command, args.log);
  command->add_option("old_checkpoint", args.old_checkpoint, "The older signed checkpoint file")
      ->required();
  command->add_option("new_checkpoint", args.new_checkpoint,
                      "The newer signed checkpoint file (default: the log's latest)");
  config::AddFlag(*command, "save", args.save,
                  "Write the newer checkpoint here once it is verified consistent (atomically), "
                  "for the next run to compare with");
  return command;
}

CLI::App* AddSignatures(CLI::App& app, SignaturesArgs& args) {
  auto* command = app.add_subcommand(
      "signatures",
      "Downloads every entry to the checkpoint (hashing them into a tree whose root must be the "
      "checkpoint's) and checks every signed protocol's Ed25519 signature with its observer's "
      "key from the registry: reports bad signatures, signatures by observers or keys the "
      "registry does not have, and unsigned protocols of observers with a key or of "
      "organisations requiring signatures. Entries whose record did not fit are reported as not "
      "checkable (they do not change the exit status)");
  AddLogFlags(*command, args.log);
  config::AddFlag(*command, "registry", args.registry_dir,
                  "Directory of organisations.csv and observers.csv (the election's registry)")
      ->required();
  return command;
}

CLI::App* AddRecount(CLI::App& app, RecountArgs& args) {
  auto* command = app.add_subcommand(
      "recount",
      "Every area total publication shows (observers' and official, every area and contest) "
      "recounted from the log's entries alone at the log position the total states, by "
      "aggregation's rule (the dispute rule included), and compared figure by figure: one line a "
      "difference, then a summary. Downloads every entry to the log's checkpoint (hashed into a "
      "tree whose root must be the checkpoint's); about 300 bytes of memory a leaf");
  AddLogFlags(*command, args.log);
  config::AddFlag(*command, "publication-url", args.publication_url,
                  "HTTP address of publication's API (its --http-listen), e.g. "
                  "http://127.0.0.1:8080");
  config::AddFlag(*command, "registry", args.registry_dir,
                  "Directory of election.json and stations.csv (the election's registry)");
  config::AddFlag(*command, "position-wait", args.position_wait_seconds,
                  "Seconds to ask again for totals publication states no log position for yet "
                  "(tree size 0), before reporting them not yet logged");
  return command;
}

CLI::App* AddWitness(CLI::App& app, WitnessArgs& args) {
  auto* command = app.add_subcommand(
      "witness",
      "A witness (C2SP tlog-cosignature): fetch the log's checkpoint, verify it, check it is "
      "consistent with the last one in --state (none: trust on first use), cosign it "
      "(cosignature/v1, the current time), hand the cosignature to the log "
      "(URL/v1/AddCosignature), and save it as the state (atomically). On an inconsistency it "
      "prints both checkpoints, keeps the old state and exits 1: a fork is evidence. Runs every "
      "--interval until stopped, or --once; while running, a log it cannot reach is retried");
  AddLogFlags(*command, args.log);
  config::AddFlag(*command, "witness-key", args.witness_key,
                  "The witness's signer key file (hattama-verify witness keygen)");
  config::AddFlag(*command, "state", args.state,
                  "The file keeping the last checkpoint witnessed (the log's signed note)");
  config::AddFlag(*command, "interval", args.interval_seconds, "Seconds between rounds");
  command->add_flag("--once", args.once, "One round, then exit with its status")
      ->envname(config::EnvName("once"));
  command->require_subcommand(0, 1);
  return command;
}

CLI::App* AddCosigned(CLI::App& app, CosignedArgs& args) {
  auto* command = app.add_subcommand(
      "cosigned",
      "Each witness given has cosigned the log: the log's newest cosignature of it "
      "(URL/v1/GetCheckpoint) verifies with the log's key and the witness's, over a checkpoint "
      "of the log whose tree the log's consistency proof shows to be a prefix of its latest "
      "checkpoint. One line a witness: COSIGNED (tree size, how far behind, when), NOT "
      "COSIGNED, BAD COSIGNATURE or NOT CONSISTENT");
  AddLogFlags(*command, args.log);
  // Repeatable, so the environment variable is named in the plural and splits at blanks.
  command
      ->add_option("--witness", args.witnesses,
                   "Verifier key (cosignature/v1) of a witness to require, or @FILE of such keys "
                   "(one a line, # comments); repeatable; the environment variable takes several "
                   "separated by blanks")
      ->envname("HATTAMA_WITNESSES")
      ->allow_extra_args(false)
      ->required();
  return command;
}

CLI::App* AddWitnessKeygen(CLI::App& witness, std::string& name, std::string& path) {
  auto* command = witness.add_subcommand(
      "keygen",
      "Write a new witness key: FILE, the cosignature/v1 signer key (mode 0600, never over an "
      "existing file), and FILE.pub, the verifier key to give the log's operator "
      "(hattama-tlog --witness-key)");
  command->add_option("--name", name, "The witness's name, e.g. witness.example.org/hattama")
      ->required();
  command->add_option("file", path, "Where to write the signer key")->required();
  return command;
}

int Main(int argc, char** argv) {
  CLI::App app(kDescription, "hattama-verify");
  app.require_subcommand(1);
  InclusionArgs inclusion_args;
  ConsistencyArgs consistency_args;
  SignaturesArgs signatures_args;
  RecountArgs recount_args;
  CosignedArgs cosigned_args;
  WitnessArgs witness_args;
  std::string keygen_name;
  std::string keygen_path;
  auto* inclusion = AddInclusion(app, inclusion_args);
  auto* consistency = AddConsistency(app, consistency_args);
  auto* signatures = AddSignatures(app, signatures_args);
  auto* recount = AddRecount(app, recount_args);
  auto* cosigned = AddCosigned(app, cosigned_args);
  auto* witness = AddWitness(app, witness_args);
  auto* keygen = AddWitnessKeygen(*witness, keygen_name, keygen_path);
  if (auto code = config::Parse(app, argc, argv)) return *code == 0 ? kHolds : kCannotCheck;

  if (inclusion->parsed()) return Inclusion(inclusion_args);
  if (consistency->parsed()) return Consistency(consistency_args);
  if (signatures->parsed()) return Signatures(signatures_args);
  if (recount->parsed()) return RecountTotals(recount_args);
  if (cosigned->parsed()) return Cosigned(cosigned_args);
  if (keygen->parsed()) return WitnessKeygen(keygen_name, keygen_path);
  return Witness(witness_args);
}

}  // namespace
}  // namespace hattama::verify

int main(int argc, char** argv) { return hattama::verify::Main(argc, argv); }
