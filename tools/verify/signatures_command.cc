// hattama-verify signatures: every protocol in the log whose observer signs, or whose organisation
// requires signatures, carries a valid Ed25519 signature by the key the registry lists.
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>

#include "common/base/digest.h"
#include "common/domain/observers.h"
#include "common/domain/signature.h"
#include "tools/verify/commands.h"

namespace hattama::verify {
namespace {

constexpr char kSignaturesCommand[] = "signatures";

struct Tally {
  std::int64_t verified = 0;
  std::int64_t unsigned_allowed = 0;  // unsigned, and neither observer nor organisation signs
  std::int64_t not_checkable = 0;
  std::vector<std::string> findings;  // lines that make the check fail
  std::vector<std::string> notes;     // not checkable entries
};

// What one logged submission says about signatures: "" when it holds, else the finding.
std::string CheckSubmission(const v1::Submission& submission,
                            const domain::ObserverRegistry& registry, Tally& tally) {
  const bool is_signed = !submission.signature().empty();
  // Official results are typed in by a hub and attributed to it; no key is registered for a hub
  // (common/domain/attribution.h), so they carry no signature.
  if (submission.source() != v1::SOURCE_OBSERVER) {
    if (!is_signed) {
      ++tally.unsigned_allowed;
      return "";
    }
    return fmt::format("SIGNED OFFICIAL RESULT {}: hub {} has no registered key to sign with",
                       submission.submission_id(), submission.observer_id());
  }
  const domain::RegisteredObserver* observer = registry.FindObserver(submission.observer_id());
  if (!is_signed) {
    if (observer == nullptr) {
      return fmt::format("OBSERVER NOT IN REGISTRY {}: unsigned, by observer {}",
                         submission.submission_id(), submission.observer_id());
    }
    const domain::Organisation* organisation =
        registry.FindOrganisation(observer->organisation_id());
    if (organisation != nullptr && organisation->signatures_required) {
      return fmt::format("UNSIGNED {}: observer {} of {}, which requires signatures",
                         submission.submission_id(), observer->observer_id(),
                         organisation->organisation_id);
    }
    if (observer->public_key() != nullptr) {
      return fmt::format("UNSIGNED {}: observer {} has a registered key",
                         submission.submission_id(), observer->observer_id());
    }
    ++tally.unsigned_allowed;
    return "";
  }
  if (observer == nullptr) {
    return fmt::format("SIGNED BY UNKNOWN OBSERVER {}: observer {} is not in the registry",
                       submission.submission_id(), submission.observer_id());
  }
  if (observer->public_key() == nullptr) {
    return fmt::format("KEY NOT IN REGISTRY {}: signed, but the registry has no key for {}",
                       submission.submission_id(), observer->observer_id());
  }
  if (Status verified = domain::VerifySignature(submission, *observer->public_key());
      !verified.ok()) {
    return fmt::format("BAD SIGNATURE {}: not observer {}'s registered key: {}",
                       submission.submission_id(), observer->observer_id(), verified.message());
  }
  ++tally.verified;
  return "";
}

Status CheckEntry(std::int64_t leaf, std::string_view bytes,
                  const domain::ObserverRegistry& registry, Tally& tally) {
  auto entry = tlog::DecodeLeafEntry(bytes);
  if (!entry.ok()) {
    tally.findings.push_back(
        fmt::format("MALFORMED ENTRY leaf {}: {}", leaf, entry.status().message()));
    return Status::Ok();
  }
  auto record = tlog::ParseLeafRecord(*entry);
  if (!record.ok()) {
    tally.findings.push_back(
        fmt::format("MALFORMED RECORD leaf {}: {}", leaf, record.status().message()));
    return Status::Ok();
  }
  if (!record->has_value()) {
    ++tally.not_checkable;
    tally.notes.push_back(fmt::format(
        "NOT CHECKABLE {} (leaf {}): the record did not fit in the entry; only its SHA-256 {} is "
        "logged",
        entry->submission_id, leaf, Hex(entry->record_sha256)));
    return Status::Ok();
  }
  std::string finding = CheckSubmission((*record)->submission(), registry, tally);
  if (!finding.empty()) tally.findings.push_back(fmt::format("{} (leaf {})", finding, leaf));
  return Status::Ok();
}

}  // namespace

int Signatures(const SignaturesArgs& args) {
  const std::filesystem::path dir(args.registry_dir);
  auto registry = domain::ObserverRegistry::Load(dir / domain::kOrganisationsFileName,
                                                 dir / domain::kObserversFileName);
  if (!registry.ok()) return CannotCheck(kSignaturesCommand, registry.status().message());
  auto opened = OpenLog(kSignaturesCommand, args.log);
  if (const int* exit_status = std::get_if<int>(&opened)) return *exit_status;
  LogClient& log = *std::get<OpenedLog>(opened).client;
  const tlog::Checkpoint& head = std::get<OpenedLog>(opened).checkpoint.checkpoint;

  Tally tally;
  Status downloaded = log.ForEachEntry(
      head,
      [&](std::int64_t leaf, std::string_view bytes) {
        return CheckEntry(leaf, bytes, **registry, tally);
      },
      StderrProgress("entries downloaded and checked"));
  if (!downloaded.ok()) {
    if (ExitStatusOf(downloaded) == kCannotCheck) {
      return CannotCheck(kSignaturesCommand, downloaded.message());
    }
    // The entries are not the signed tree's: what they say proves nothing either way.
    std::printf("ENTRIES DO NOT VERIFY: %s\n", downloaded.message().c_str());
    std::printf("DOES NOT HOLD: the log's entries are not those of its checkpoint %s\n",
                Describe(head).c_str());
    return kDoesNotHold;
  }
  for (const auto& note : tally.notes) std::printf("%s\n", note.c_str());
  for (const auto& finding : tally.findings) std::printf("%s\n", finding.c_str());
  std::printf(
      "%s: %lld leaves at %s: %lld signatures verified, %lld unsigned where none is required, "
      "%zu findings, %lld not checkable\n",
      tally.findings.empty() ? "HOLDS" : "DOES NOT HOLD", static_cast<long long>(head.size),
      Describe(head).c_str(), static_cast<long long>(tally.verified),
      static_cast<long long>(tally.unsigned_allowed), tally.findings.size(),
      static_cast<long long>(tally.not_checkable));
  return tally.findings.empty() ? kHolds : kDoesNotHold;
}

}  // namespace hattama::verify
