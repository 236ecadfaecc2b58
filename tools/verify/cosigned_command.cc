// hattama-verify cosigned: the witnesses one trusts have cosigned the log, and what they cosigned
// is a prefix of the log's latest checkpoint. The portal shows cosignatures; this checks them.
#include <fmt/format.h>

#include <cstdio>
#include <ctime>

#include "common/tlog/witness_keys.h"
#include "tools/verify/commands.h"

namespace hattama::verify {
namespace {

constexpr char kCosignedCommand[] = "cosigned";

std::string UtcTime(std::uint64_t unix_seconds) {
  const std::time_t time = static_cast<std::time_t>(unix_seconds);
  std::tm utc{};
  gmtime_r(&time, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

}  // namespace

int Cosigned(const CosignedArgs& args) {
  auto opened = OpenLog(kCosignedCommand, args.log);
  if (auto* exit_status = std::get_if<int>(&opened)) return *exit_status;
  auto& [log, latest] = std::get<OpenedLog>(opened);
  auto witnesses = tlog::ParseWitnessKeys(args.witnesses, log->log_key().name(), "--witness");
  if (!witnesses.ok()) return CannotCheck(kCosignedCommand, witnesses.status().message());
  if (witnesses->empty()) {
    return CannotCheck(kCosignedCommand, "give the witnesses to check: --witness KEY or @FILE");
  }
  auto cosignatures = log->FetchCosignatures();
  if (!cosignatures.ok()) return CannotCheck(kCosignedCommand, cosignatures.status().message());

  const tlog::Checkpoint& head = latest.checkpoint;
  int findings = 0;
  for (const tlog::NoteVerifier& witness : *witnesses) {
    const std::string& name = witness.name();
    // The log keeps one cosignature a witness, of its newest tree.
    const auto served = std::find_if(
        cosignatures->begin(), cosignatures->end(),
        [&](const v1::Cosignature& cosignature) { return cosignature.witness() == name; });
    if (served == cosignatures->end()) {
      std::printf("NOT COSIGNED %s: the log serves no cosignature of this witness\n", name.c_str());
      ++findings;
      continue;
    }
    auto cosigned = OpenCosignature(*served, log->log_key(), witness);
    if (!cosigned.ok()) {
      std::printf("%s %s: %s\n",
                  cosigned.status().IsNotFound() ? "NOT COSIGNED" : "BAD COSIGNATURE", name.c_str(),
                  cosigned.status().message().c_str());
      ++findings;
      continue;
    }
    Status consistent = log->CheckConsistent(cosigned->checkpoint, head);
    if (ExitStatusOf(consistent) == kCannotCheck) {
      return CannotCheck(kCosignedCommand, consistent.message());
    }
    if (!consistent.ok()) {
      std::printf(
          "NOT CONSISTENT %s: what it cosigned (%s) is not a prefix of the log's latest "
          "checkpoint: %s\n",
          name.c_str(), Describe(cosigned->checkpoint).c_str(), consistent.message().c_str());
      ++findings;
      continue;
    }
    std::printf("COSIGNED %s: tree size %lld (%lld leaves behind the latest), at %s\n",
                name.c_str(), static_cast<long long>(cosigned->checkpoint.size),
                static_cast<long long>(head.size - cosigned->checkpoint.size),
                UtcTime(cosigned->timestamp).c_str());
  }
  const int witness_count = static_cast<int>(witnesses->size());
  std::printf("%s: %d of %d witnesses cosigned a prefix of %s\n",
              findings == 0 ? "HOLDS" : "DOES NOT HOLD", witness_count - findings, witness_count,
              Describe(head).c_str());
  return findings == 0 ? kHolds : kDoesNotHold;
}

}  // namespace hattama::verify
