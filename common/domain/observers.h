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
#include <deque>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/base/result.h"
#include "common/crypto/ed25519.h"
#include "common/domain/hubs.h"
#include "common/domain/id_index.h"

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

// An observer as the registry holds it, for registries of a million observers: the id (inline up
// to 15 bytes), and what observers share (organisation and hubs) held once for all of them, 48
// bytes an observer in all. The accessors read like Observer's fields.
class RegisteredObserver {
 public:
  const std::string& observer_id() const { return observer_id_; }
  const std::string& organisation_id() const { return profile_->organisation_id; }
  const std::vector<std::string>& hub_ids() const { return profile_->hub_ids; }
  // Null when the observer has registered no key.
  const crypto::Ed25519PublicKey* public_key() const { return public_key_; }
  bool MayBeRelayedBy(std::string_view hub_id) const;
  // The observer as Build takes it.
  Observer ToObserver() const;

 private:
  friend class ObserverRegistry;
  struct Profile {
    std::string organisation_id;
    std::vector<std::string> hub_ids;
  };
  RegisteredObserver(std::string observer_id, const Profile* profile,
                     const crypto::Ed25519PublicKey* public_key)
      : observer_id_(std::move(observer_id)), profile_(profile), public_key_(public_key) {}

  std::string observer_id_;
  const Profile* profile_;
  const crypto::Ed25519PublicKey* public_key_;
};

class ObserverRegistry {
 public:
  // Checks every id (present, unique, at most kMaxIdBytes, no control characters), every
  // observer's organisation (listed) and hubs (at least one), and that each observer of an
  // organisation requiring signatures has a key. Errors name the observer or organisation.
  static Result<std::shared_ptr<const ObserverRegistry>> Build(
      std::vector<Organisation> organisations, std::vector<Observer> observers);
  // Parses the two files' texts (errors name the file and line), checking as Build does.
  static Result<std::shared_ptr<const ObserverRegistry>> Parse(std::string_view organisations_csv,
                                                               std::string_view observers_csv);
  // Parse of the two files, read a line at a time: nothing but the observers is kept.
  static Result<std::shared_ptr<const ObserverRegistry>> Load(const std::string& organisations_path,
                                                              const std::string& observers_path);

  // The files' texts (the inverse of Parse).
  static std::string FormatOrganisations(const std::vector<Organisation>& organisations);
  static std::string FormatObservers(const std::vector<Observer>& observers);

  const Organisation* FindOrganisation(std::string_view organisation_id) const;
  const RegisteredObserver* FindObserver(std::string_view observer_id) const;
  const std::vector<Organisation>& organisations() const { return organisations_; }
  // Every observer, in the order listed, as Build takes them (made on each call).
  std::vector<Observer> observers() const;
  // Every observer as held, in the order listed (no copies: for a pass over a million).
  const std::vector<RegisteredObserver>& registered_observers() const { return observers_; }
  size_t observer_count() const { return observers_.size(); }
  // Observers listed per organisation id (organisations without any are absent), counted on each
  // call without copying the observers.
  std::unordered_map<std::string, int64_t> ObserverCountsByOrganisation() const;
  // Observers with a registered key.
  size_t keyed_observers() const { return keyed_; }

 private:
  ObserverRegistry() = default;
  ObserverRegistry(const ObserverRegistry&) = delete;
  ObserverRegistry& operator=(const ObserverRegistry&) = delete;

  // Checks and indexes organisations_, before any observer is added.
  Status IndexOrganisations();
  // Checks and adds one observer; errors name it.
  Status AddObserver(std::string_view observer_id, std::string_view organisation_id,
                     std::vector<std::string> hub_ids,
                     std::optional<crypto::Ed25519PublicKey> public_key);
  // Parse, with observers.csv as a stream expected to hold about `observers_expected` rows.
  static Result<std::shared_ptr<const ObserverRegistry>> ParseFrom(
      std::string_view organisations_csv, std::istream& observers_csv, size_t observers_expected);
  // Parses observers.csv's rows into AddObserver.
  Status AddObservers(std::istream& observers_csv);

  std::vector<Organisation> organisations_;
  std::vector<RegisteredObserver> observers_;
  // Keys view the ids held by organisations_, which never changes after IndexOrganisations.
  std::unordered_map<std::string_view, const Organisation*> organisations_by_id_;
  IdIndex observers_by_id_;
  // What observers share, each held once (a few per organisation and hub); stable addresses.
  std::vector<std::unique_ptr<RegisteredObserver::Profile>> profiles_;
  std::unordered_map<std::string, const RegisteredObserver::Profile*> profile_by_key_;
  std::deque<crypto::Ed25519PublicKey> keys_;
  size_t keyed_ = 0;
};

// At most this many observer/hub pairs are named by CheckObserverHubs.
inline constexpr size_t kMaxNamedUnknownHubs = 10;

// Whether every hub id observers.csv names is a hub of the hub registry (ingestion loads both): an
// observer relayed only by hubs the hub registry lacks could never be counted, and a typo in a hub
// id would show only on election night. An error naming the first kMaxNamedUnknownHubs
// observer/hub pairs in file order and how many there are in all.
Status CheckObserverHubs(const ObserverRegistry& observers, const HubRegistry& hubs);

// One line for a service's start-up log: what the observer registry holds, or (null) that
// observers are not registered and what that means (attribution.h).
std::string DescribeObserverRegistry(const ObserverRegistry* observers);

}  // namespace hattama::domain
