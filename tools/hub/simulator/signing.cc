#include "tools/hub/simulator/signing.h"

#include <fmt/format.h>

#include <map>

#include "common/base/digest.h"
#include "common/domain/signature.h"

namespace hattama::hub {

crypto::Ed25519PrivateKey SyntheticObserverKey(uint64_t seed, const std::string& observer_id) {
  // A 32-byte seed always makes a key.
  return crypto::Ed25519PrivateKey::FromSeed(
             Sha256(fmt::format("hattama-synthetic-observer-key|{}|{}", seed, observer_id)))
      .value();
}

Status SignForRegisteredKeys(const domain::Registry& registry, uint64_t seed,
                             std::vector<PlannedSubmission>& submissions) {
  const domain::ObserverRegistry* observers = registry.observers();
  if (observers == nullptr || observers->keyed_observers() == 0) return Status::Ok();
  std::map<std::string, crypto::Ed25519PrivateKey> keys;  // one derivation per observer
  for (auto& planned : submissions) {
    v1::Submission& submission = planned.submission;
    if (submission.source() != v1::SOURCE_OBSERVER) continue;
    const domain::RegisteredObserver* observer = observers->FindObserver(submission.observer_id());
    if (observer == nullptr || observer->public_key() == nullptr) continue;
    auto key = keys.find(observer->observer_id());
    if (key == keys.end()) {
      key =
          keys.emplace(observer->observer_id(), SyntheticObserverKey(seed, observer->observer_id()))
              .first;
      if (!(key->second.public_key() == *observer->public_key())) {
        return Status::Error(fmt::format(
            "the registered key of observer {} is not the synthetic key of seed {}: was the "
            "observer registry generated with another seed?",
            observer->observer_id(), seed));
      }
    }
    if (auto signed_ok = domain::Sign(submission, key->second); !signed_ok.ok()) {
      return Status::Error(submission.submission_id() + ": " + signed_ok.message());
    }
  }
  return Status::Ok();
}

}  // namespace hattama::hub
