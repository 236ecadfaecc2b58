#include "common/domain/attribution.h"

#include <fmt/format.h>

#include "common/crypto/ed25519.h"
#include "common/domain/checks.h"
#include "common/domain/signature.h"

namespace hattama::domain {
namespace {

// The signature's reasons for an observer with `key` (null: none registered), whose organisation
// may require signatures.
void CheckSignature(const v1::Submission& submission, const crypto::Ed25519PublicKey* key,
                    bool required, const std::string& whose, std::vector<v1::Reason>& reasons) {
  const std::string& signature = submission.signature();
  if (signature.empty()) {
    if (key != nullptr || required) {
      reasons.push_back(
          MakeReason("signature", v1::REASON_CODE_SIGNATURE_REQUIRED,
                     fmt::format("{} must be signed: {}", whose,
                                 key != nullptr ? "the observer registered a key"
                                                : "their organisation requires signatures")));
    }
    return;
  }
  if (signature.size() > crypto::kEd25519SignatureSize) {
    reasons.push_back(MakeReason("signature", v1::REASON_CODE_TOO_LONG,
                                 fmt::format("signature is {} bytes, an Ed25519 signature is {}",
                                             signature.size(), crypto::kEd25519SignatureSize)));
    return;
  }
  if (key == nullptr) {
    reasons.push_back(
        MakeReason("signature", v1::REASON_CODE_BAD_SIGNATURE,
                   fmt::format("{} is signed, but no key is registered to check it with", whose)));
    return;
  }
  if (auto verified = VerifySignature(submission, *key); !verified.ok()) {
    reasons.push_back(MakeReason("signature", v1::REASON_CODE_BAD_SIGNATURE,
                                 fmt::format("the signature is not the registered key's for {}: {}",
                                             whose, verified.message())));
  }
}

void CheckObserverResult(const v1::Submission& submission, const ObserverRegistry& observers,
                         std::vector<v1::Reason>& reasons) {
  const RegisteredObserver* observer = observers.FindObserver(submission.observer_id());
  if (observer == nullptr) {
    reasons.push_back(MakeReason(
        "observer_id", v1::REASON_CODE_UNKNOWN_OBSERVER,
        fmt::format("observer '{}' is not in the observer registry", submission.observer_id())));
    return;
  }
  if (!observer->MayBeRelayedBy(submission.hub_id())) {
    reasons.push_back(
        MakeReason("hub_id", v1::REASON_CODE_HUB_NOT_ALLOWED_FOR_OBSERVER,
                   fmt::format("hub '{}' may not submit for observer {} (the registry allows {})",
                               submission.hub_id(), observer->observer_id(),
                               fmt::join(observer->hub_ids(), ", "))));
  }
  if (submission.organisation_id() != observer->organisation_id()) {
    reasons.push_back(MakeReason(
        "organisation_id", v1::REASON_CODE_ORGANISATION_MISMATCH,
        fmt::format("observer {} belongs to organisation {}, not '{}'", observer->observer_id(),
                    observer->organisation_id(), submission.organisation_id())));
  }
  const Organisation* organisation = observers.FindOrganisation(observer->organisation_id());
  CheckSignature(submission, observer->public_key(),
                 organisation != nullptr && organisation->signatures_required,
                 "observer " + observer->observer_id() + "'s protocol", reasons);
}

void CheckOfficialResult(const v1::Submission& submission, std::vector<v1::Reason>& reasons) {
  if (submission.observer_id() != submission.hub_id()) {
    reasons.push_back(MakeReason(
        "observer_id", v1::REASON_CODE_HUB_NOT_ALLOWED_FOR_OBSERVER,
        fmt::format("an official result is attributed to the hub that typed it: observer_id must "
                    "be '{}', the relaying hub's id, not '{}'",
                    submission.hub_id(), submission.observer_id())));
  }
  CheckSignature(submission, nullptr, false, "an official result", reasons);
}

}  // namespace

std::vector<v1::Reason> CheckAttribution(const v1::Submission& submission,
                                         const ObserverRegistry* observers) {
  std::vector<v1::Reason> reasons;
  if (observers == nullptr) {
    CheckSignature(submission, nullptr, false, "the protocol (observers are not registered)",
                   reasons);
  } else if (submission.source() == v1::SOURCE_OFFICIAL) {
    CheckOfficialResult(submission, reasons);
  } else {
    CheckObserverResult(submission, *observers, reasons);
  }
  return reasons;
}

std::vector<v1::Reason> CheckEventOrganisation(const v1::DeploymentEvent& event,
                                               const ObserverRegistry* observers) {
  if (observers == nullptr || observers->FindOrganisation(event.organisation_id()) != nullptr) {
    return {};
  }
  return {MakeReason(
      "organisation_id", v1::REASON_CODE_UNKNOWN_ORGANISATION,
      fmt::format("organisation '{}' is not in the observer registry", event.organisation_id()))};
}

}  // namespace hattama::domain
