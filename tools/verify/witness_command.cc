// hattama-verify witness: a witness of C2SP tlog-cosignature. Each round it checks that the log's
// latest checkpoint extends the last one it saw, cosigns it, hands the cosignature to the log and
// remembers the checkpoint; a checkpoint that does not extend it is a fork, kept as evidence.
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <thread>

#include "common/base/files.h"
#include "common/crypto/ed25519.h"
#include "common/tlog/note.h"
#include "tools/verify/commands.h"

namespace hattama::verify {
namespace {

constexpr char kWitnessCommand[] = "witness";
constexpr std::size_t kMaxStateBytes = 64 * 1024;
constexpr std::size_t kMaxKeyFileBytes = 4096;

Result<tlog::NoteSigner> ReadWitnessKey(const std::string& path) {
  auto text = ReadSmallFile(path, kMaxKeyFileBytes);
  if (!text.ok()) return Status::InvalidArgument("--witness-key: " + text.status().message());
  auto signer = tlog::NoteSigner::FromSignerKey(*text);
  if (!signer.ok()) return Status::InvalidArgument(path + ": " + signer.status().message());
  if (signer->type() != tlog::NoteKeyType::kCosignatureV1) {
    return Status::InvalidArgument(path +
                                   " is no witness key (cosignature/v1); make one with "
                                   "hattama-verify witness keygen");
  }
  return signer;
}

// The checkpoint the state file keeps; nullopt when there is none yet.
Result<std::optional<VerifiedCheckpoint>> ReadState(const std::string& path,
                                                    const tlog::NoteVerifier& log_key) {
  auto text = ReadSmallFile(path, kMaxStateBytes);
  if (!text.ok() && text.status().IsNotFound()) return std::optional<VerifiedCheckpoint>();
  if (!text.ok()) return text.status();
  auto opened = OpenSignedCheckpoint(*text, log_key);
  if (!opened.ok()) {
    return Status::FailedPrecondition(
        "the state " + path + " holds no checkpoint of this log: " + opened.status().message());
  }
  return std::optional<VerifiedCheckpoint>(std::move(opened).value());
}

// One round; returns the exit status it would end the command with.
int Round(const WitnessArgs& args, LogClient& log, const tlog::NoteSigner& witness) {
  auto latest = log.FetchCheckpoint();
  if (!latest.ok()) return CheckpointFailure(kWitnessCommand, latest.status());
  auto state = ReadState(args.state, log.log_key());
  if (!state.ok()) return CannotCheck(kWitnessCommand, state.status().message());
  const tlog::Checkpoint& head = latest->checkpoint;
  if (!state->has_value()) {
    std::printf("no state in %s: trusting %s on first use\n", args.state.c_str(),
                Describe(head).c_str());
  } else {
    const VerifiedCheckpoint& seen = **state;
    Status consistent = log.CheckConsistent(seen.checkpoint, head);
    if (ExitStatusOf(consistent) == kCannotCheck) {
      return CannotCheck(kWitnessCommand, consistent.message());
    }
    if (!consistent.ok()) {
      std::printf("FORK: %s\nlast witnessed (kept in %s):\n%s\nnow served:\n%s\n",
                  consistent.message().c_str(), args.state.c_str(), seen.signed_note.c_str(),
                  latest->signed_note.c_str());
      std::printf(
          "DOES NOT HOLD: the log's checkpoint does not extend the one witnessed; not "
          "cosigned, the state kept\n");
      return kDoesNotHold;
    }
  }
  const std::int64_t now = std::time(nullptr);
  auto cosigned = tlog::SignNote(latest->note, std::span(&witness, 1), now);
  if (!cosigned.ok()) return CannotCheck(kWitnessCommand, cosigned.status().message());
  auto accepted = log.AddCosignature(*cosigned);
  if (!accepted.ok()) {
    return CannotCheck(kWitnessCommand,
                       "the log did not take the cosignature: " + accepted.status().message());
  }
  if (Status saved = WriteFileAtomically(args.state, latest->signed_note); !saved.ok()) {
    return CannotCheck(kWitnessCommand, saved.message());
  }
  std::printf("HOLDS: cosigned %s as %s at %lld%s\n", Describe(head).c_str(),
              witness.name().c_str(), static_cast<long long>(now),
              state->has_value()
                  ? fmt::format("; it extends size {}", (*state)->checkpoint.size).c_str()
                  : "");
  std::fflush(stdout);
  return kHolds;
}

}  // namespace

int WitnessKeygen(const std::string& name, const std::string& path) {
  auto key = crypto::Ed25519PrivateKey::Generate();
  if (!key.ok()) return CannotCheck("witness keygen", key.status().message());
  auto signer = tlog::NoteSigner::Create(name, tlog::NoteKeyType::kCosignatureV1, *key);
  if (!signer.ok()) {
    return CannotCheck("witness keygen", "--name " + name + ": " + signer.status().message());
  }
  if (Status written = WriteNewFile(path, signer->SignerKey() + "\n", {.mode = 0600});
      !written.ok()) {
    return CannotCheck("witness keygen", written.message());
  }
  const std::string verifier = signer->verifier().VerifierKey();
  if (Status written = WriteFileAtomically(path + ".pub", verifier + "\n"); !written.ok()) {
    return CannotCheck("witness keygen", written.message());
  }
  std::printf("%s\n", verifier.c_str());
  std::fprintf(stderr,
               "wrote the witness key to %s (keep it secret) and its verifier key to %s.pub: give "
               "the log's operator the line above (hattama-tlog --witness-key)\n",
               path.c_str(), path.c_str());
  return kHolds;
}

int Witness(const WitnessArgs& args) {
  if (args.witness_key.empty() || args.state.empty()) {
    return CannotCheck(kWitnessCommand, "--witness-key and --state are required");
  }
  if (args.interval_seconds <= 0) return CannotCheck(kWitnessCommand, "--interval is positive");
  auto witness = ReadWitnessKey(args.witness_key);
  if (!witness.ok()) return CannotCheck(kWitnessCommand, witness.status().message());
  auto log = ConnectLog(args.log);
  if (!log.ok()) return CannotCheck(kWitnessCommand, log.status().message());
  // A state that is no checkpoint of this log stays so: refuse it now rather than every round.
  if (auto state = ReadState(args.state, (*log)->log_key()); !state.ok()) {
    return CannotCheck(kWitnessCommand, state.status().message());
  }
  while (true) {
    const int status = Round(args, **log, *witness);
    // A log that cannot be reached now may be reachable next round; a fork stays a fork.
    if (args.once || status == kDoesNotHold) return status;
    std::this_thread::sleep_for(std::chrono::seconds(args.interval_seconds));
  }
}

}  // namespace hattama::verify
