// The observer registry: the organisations that observe the election and their observers, with the
// hubs that may relay each observer's protocols and, optionally, the key that signs them. Loaded
// once at start beside the station registry (registry.h) and shared read-only by all threads.
//
// Two files, CSV (UTF-8; '#' starts a comment line; blank lines are skipped; a field may be
// enclosed in double quotes, inside which ',' is literal and "" is one quote):
//
//   organisations.csv   organisation_id,name,affiliation,signatures
//     erkindik-kanaty,Erkindik Kanaty,independent,optional
//     "oyan-qazaqstan","Oyan, Qazaqstan",independent,required
//   affiliation: independent, party, authority-affiliated or international.
//   signatures: required (every protocol of its observers must be signed, so each of them must
//   register a key) or optional.
//
//   observers.csv       observer_id,organisation_id,hubs,public_key
//     obs-UIK-00001,erkindik-kanaty,hub-1,
//     obs-UIK-00002,oyan-qazaqstan,hub-1;hub-national,11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=
//   hubs: the hub ids that may relay the observer's submissions, separated by ';' (at least one).
//   public_key: empty, or the standard base64 of the observer's 32-byte Ed25519 public key (the
//   second word of the file `hattama-hub keygen` writes). An observer with a key signs every
//   protocol: their unsigned submissions are rejected, so no one without the key can replace or
//   retract a version of theirs.
//
// Ids are at most kMaxIdBytes (checks.h) and hold no control characters (they are lines of the
// signed form, signature.h).
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/base/result.h"
#include "common/crypto/ed25519.h"

namespace hattama::domain {

// The files' names, beside stations.csv.
inline constexpr std::string_view kOrganisationsFileName = "organisations.csv";
inline constexpr std::string_view kObserversFileName = "observers.csv";

enum class Affiliation { kIndependent, kParty, kAuthorityAffiliated, kInternational };

// "independent", "party", "authority-affiliated", "international".
std::string_view AffiliationName(Affiliation affiliation);
std::optional<Affiliation> ParseAffiliation(std::string_view name);

struct Organisation {
  std::string organisation_id;
  std::string name;
  Affiliation affiliation = Affiliation::kIndependent;
  // Every protocol of its observers must be signed.
  bool signatures_required = false;
};

struct Observer {
  std::string observer_id;
  std::string organisation_id;
  // The hubs that may relay this observer's submissions.
  std::vector<std::string> hub_ids;
  // When present, every submission of this observer must carry this key's signature.
  std::optional<crypto::Ed25519PublicKey> public_key;

  bool MayBeRelayedBy(std::string_view hub_id) const;
};

class ObserverRegistry {
 public:
  // Checks every id (present, unique, at most kMaxIdBytes, no control characters), every
  // observer's organisation (listed) and hubs (at least one), and that each observer of an
  // organisation requiring signatures has a key. Errors name the observer or organisation.
  static Result<std::shared_ptr<const ObserverRegistry>> Build(
      std::vector<Organisation> organisations, std::vector<Observer> observers);
  // Parses the two files' texts (errors name the file and line), then Build.
  static Result<std::shared_ptr<const ObserverRegistry>> Parse(std::string_view organisations_csv,
                                                               std::string_view observers_csv);
  static Result<std::shared_ptr<const ObserverRegistry>> Load(const std::string& organisations_path,
                                                              const std::string& observers_path);

  // The files' texts (the inverse of Parse).
  static std::string FormatOrganisations(const std::vector<Organisation>& organisations);
  static std::string FormatObservers(const std::vector<Observer>& observers);

  const Organisation* FindOrganisation(std::string_view organisation_id) const;
  const Observer* FindObserver(std::string_view observer_id) const;
  const std::vector<Organisation>& organisations() const { return organisations_; }
  const std::vector<Observer>& observers() const { return observers_; }
  // Observers with a registered key.
  size_t keyed_observers() const { return keyed_; }

 private:
  ObserverRegistry() = default;
  ObserverRegistry(const ObserverRegistry&) = delete;
  ObserverRegistry& operator=(const ObserverRegistry&) = delete;

  std::vector<Organisation> organisations_;
  std::vector<Observer> observers_;
  // Keys view the ids held by the vectors above, which never change after Build.
  std::unordered_map<std::string_view, const Organisation*> organisations_by_id_;
  std::unordered_map<std::string_view, const Observer*> observers_by_id_;
  size_t keyed_ = 0;
};

// One line for a service's start-up log: what the observer registry holds, or (null) that
// observers are not registered and what that means (attribution.h).
std::string DescribeObserverRegistry(const ObserverRegistry* observers);

}  // namespace hattama::domain
