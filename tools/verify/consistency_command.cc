// hattama-verify consistency: a saved older checkpoint is a prefix of a newer one, both signed by
// the log, joined by the log's consistency proof.
#include <fmt/format.h>

#include <cstdio>

#include "common/base/files.h"
#include "tools/verify/commands.h"

namespace hattama::verify {
namespace {

constexpr char kConsistencyCommand[] = "consistency";
// A checkpoint note is a few hundred bytes, with a witness's cosignatures a few more.
constexpr std::size_t kMaxCheckpointFileBytes = 64 * 1024;

// The checkpoint in a file; a bad signature is a finding (InvalidArgument), a missing file not.
Result<VerifiedCheckpoint> ReadCheckpointFile(const std::string& path,
                                              const tlog::NoteVerifier& key) {
  auto text = ReadSmallFile(path, kMaxCheckpointFileBytes);
  if (!text.ok()) return Status::Unavailable(text.status().message());
  auto opened = OpenSignedCheckpoint(*text, key);
  if (!opened.ok()) return Status::InvalidArgument(path + ": " + opened.status().message());
  return opened;
}

void PrintNote(const char* label, const std::string& signed_note) {
  std::printf("%s:\n%s", label, signed_note.c_str());
  if (!signed_note.ends_with("\n")) std::printf("\n");
}

}  // namespace

int Consistency(const ConsistencyArgs& args) {
  auto key = LogKeyOf(args.log);
  if (!key.ok()) return CannotCheck(kConsistencyCommand, key.status().message());
  if (args.new_checkpoint.empty() && args.log.url.empty()) {
    return CannotCheck(kConsistencyCommand, "give NEW_CHECKPOINT or --log-url (the log's latest)");
  }
  auto older = ReadCheckpointFile(args.old_checkpoint, *key);
  if (!older.ok()) return CheckpointFailure(kConsistencyCommand, older.status());
  std::unique_ptr<LogClient> log;
  if (!args.log.url.empty()) {
    auto connected = ConnectLog(args.log);
    if (!connected.ok()) return CannotCheck(kConsistencyCommand, connected.status().message());
    log = std::move(connected).value();
  }
  auto newer = args.new_checkpoint.empty() ? log->FetchCheckpoint()
                                           : ReadCheckpointFile(args.new_checkpoint, *key);
  if (!newer.ok()) return CheckpointFailure(kConsistencyCommand, newer.status());
  const tlog::Checkpoint& old_head = older->checkpoint;
  const tlog::Checkpoint& new_head = newer->checkpoint;
  if (log == nullptr && old_head.size != new_head.size) {
    return CannotCheck(kConsistencyCommand,
                       "the proof between two sizes comes from the log: give --log-url");
  }
  Status consistent = log != nullptr
                          ? log->CheckConsistent(old_head, new_head)
                          : (old_head.root == new_head.root
                                 ? Status::Ok()
                                 : Status::InvalidArgument("two different roots at one size"));
  if (ExitStatusOf(consistent) == kCannotCheck) {
    return CannotCheck(kConsistencyCommand, consistent.message());
  }
  if (!consistent.ok()) {
    std::printf("NOT CONSISTENT: %s\n", consistent.message().c_str());
    PrintNote("older checkpoint", older->signed_note);
    PrintNote("newer checkpoint", newer->signed_note);
    std::printf("DOES NOT HOLD: the log's checkpoints of sizes %lld and %lld are not one history\n",
                static_cast<long long>(old_head.size), static_cast<long long>(new_head.size));
    return kDoesNotHold;
  }
  if (!args.save.empty()) {
    if (Status saved = WriteFileAtomically(args.save, newer->signed_note); !saved.ok()) {
      return CannotCheck(kConsistencyCommand, saved.message());
    }
  }
  std::printf("HOLDS: %s extends %s%s\n", Describe(new_head).c_str(), Describe(old_head).c_str(),
              args.save.empty() ? "" : fmt::format("; saved to {}", args.save).c_str());
  return kHolds;
}

}  // namespace hattama::verify
