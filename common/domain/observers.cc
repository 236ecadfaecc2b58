#include "common/domain/observers.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/crypto/base64.h"
#include "common/domain/checks.h"
#include "common/domain/csv.h"

namespace hattama::domain {
namespace {

constexpr std::pair<Affiliation, std::string_view> kAffiliations[] = {
    {Affiliation::kIndependent, "independent"},
    {Affiliation::kParty, "party"},
    {Affiliation::kAuthorityAffiliated, "authority-affiliated"},
    {Affiliation::kInternational, "international"},
};

// Why `id` cannot be an id of the registry; empty when it can.
std::string IdProblem(std::string_view id) {
  if (id.empty()) return "is empty";
  if (id.size() > kMaxIdBytes) return fmt::format("is longer than {} bytes", kMaxIdBytes);
  if (std::any_of(id.begin(), id.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
    return "holds a control character";
  }
  return "";
}

Result<std::vector<Organisation>> ParseOrganisations(std::string_view text) {
  auto rows = ParseCsv(text, {"organisation_id", "name", "affiliation", "signatures"});
  if (!rows.ok()) return rows.status();
  std::vector<Organisation> organisations;
  for (auto& row : *rows) {
    Organisation organisation;
    organisation.organisation_id = std::move(row.fields[0]);
    organisation.name = std::move(row.fields[1]);
    auto affiliation = ParseAffiliation(row.fields[2]);
    if (!affiliation) {
      return Status::Error(fmt::format(
          "line {}: affiliation '{}' is none of independent, party, authority-affiliated, "
          "international",
          row.line, row.fields[2]));
    }
    organisation.affiliation = *affiliation;
    if (row.fields[3] != "required" && row.fields[3] != "optional") {
      return Status::Error(fmt::format("line {}: signatures must be required or optional, not '{}'",
                                       row.line, row.fields[3]));
    }
    organisation.signatures_required = row.fields[3] == "required";
    organisations.push_back(std::move(organisation));
  }
  return organisations;
}

Result<std::vector<Observer>> ParseObservers(std::string_view text) {
  auto rows = ParseCsv(text, {"observer_id", "organisation_id", "hubs", "public_key"});
  if (!rows.ok()) return rows.status();
  std::vector<Observer> observers;
  for (auto& row : *rows) {
    Observer observer;
    observer.observer_id = std::move(row.fields[0]);
    observer.organisation_id = std::move(row.fields[1]);
    observer.hub_ids = SplitList(row.fields[2], ';');
    if (!row.fields[3].empty()) {
      auto bytes = crypto::DecodeBase64(row.fields[3]);
      auto key = bytes.ok() ? crypto::Ed25519PublicKey::FromBytes(*bytes)
                            : Result<crypto::Ed25519PublicKey>(bytes.status());
      if (!key.ok()) {
        return Status::Error(
            fmt::format("line {}: public_key of {} is not the base64 of a 32-byte Ed25519 key: {}",
                        row.line, observer.observer_id, key.status().message()));
      }
      observer.public_key = std::move(key).value();
    }
    observers.push_back(std::move(observer));
  }
  return observers;
}

}  // namespace

std::string_view AffiliationName(Affiliation affiliation) {
  for (const auto& [value, name] : kAffiliations) {
    if (value == affiliation) return name;
  }
  return "independent";
}

std::optional<Affiliation> ParseAffiliation(std::string_view name) {
  for (const auto& [value, known] : kAffiliations) {
    if (known == name) return value;
  }
  return std::nullopt;
}

bool Observer::MayBeRelayedBy(std::string_view hub_id) const {
  return std::find(hub_ids.begin(), hub_ids.end(), hub_id) != hub_ids.end();
}

Result<std::shared_ptr<const ObserverRegistry>> ObserverRegistry::Build(
    std::vector<Organisation> organisations, std::vector<Observer> observers) {
  std::shared_ptr<ObserverRegistry> registry(new ObserverRegistry());
  registry->organisations_ = std::move(organisations);
  registry->observers_ = std::move(observers);
  for (const auto& organisation : registry->organisations_) {
    const std::string& id = organisation.organisation_id;
    if (auto problem = IdProblem(id); !problem.empty()) {
      return Status::Error(fmt::format("organisation id '{}' {}", id, problem));
    }
    if (organisation.name.empty()) return Status::Error("organisation " + id + " has no name");
    if (!registry->organisations_by_id_.emplace(id, &organisation).second) {
      return Status::Error("organisation " + id + " is listed twice");
    }
  }
  for (const auto& observer : registry->observers_) {
    const std::string& id = observer.observer_id;
    if (auto problem = IdProblem(id); !problem.empty()) {
      return Status::Error(fmt::format("observer id '{}' {}", id, problem));
    }
    if (!registry->observers_by_id_.emplace(id, &observer).second) {
      return Status::Error("observer " + id + " is listed twice");
    }
    const Organisation* organisation = registry->FindOrganisation(observer.organisation_id);
    if (organisation == nullptr) {
      return Status::Error(fmt::format("observer {} names organisation '{}', which is not listed",
                                       id, observer.organisation_id));
    }
    if (observer.hub_ids.empty()) {
      return Status::Error("observer " + id + " has no hub that may relay their protocols");
    }
    for (const auto& hub : observer.hub_ids) {
      std::string problem = IdProblem(hub);
      if (problem.empty() && hub.find(';') != std::string::npos) problem = "holds a ';'";
      if (!problem.empty()) {
        return Status::Error(fmt::format("observer {}: hub id '{}' {}", id, hub, problem));
      }
    }
    if (organisation->signatures_required && !observer.public_key) {
      return Status::Error(fmt::format(
          "observer {} has no public key, but organisation {} requires signed protocols", id,
          organisation->organisation_id));
    }
    registry->keyed_ += observer.public_key.has_value();
  }
  return std::shared_ptr<const ObserverRegistry>(std::move(registry));
}

Result<std::shared_ptr<const ObserverRegistry>> ObserverRegistry::Parse(
    std::string_view organisations_csv, std::string_view observers_csv) {
  auto organisations = ParseOrganisations(organisations_csv);
  if (!organisations.ok()) {
    return Status::Error(std::string(kOrganisationsFileName) + " " +
                         organisations.status().message());
  }
  auto observers = ParseObservers(observers_csv);
  if (!observers.ok()) {
    return Status::Error(std::string(kObserversFileName) + " " + observers.status().message());
  }
  return Build(std::move(organisations).value(), std::move(observers).value());
}

Result<std::shared_ptr<const ObserverRegistry>> ObserverRegistry::Load(
    const std::string& organisations_path, const std::string& observers_path) {
  auto organisations = ReadTextFile(organisations_path);
  if (!organisations.ok()) return organisations.status();
  auto observers = ReadTextFile(observers_path);
  if (!observers.ok()) return observers.status();
  return Parse(*organisations, *observers);
}

std::string ObserverRegistry::FormatOrganisations(const std::vector<Organisation>& organisations) {
  std::string text = "organisation_id,name,affiliation,signatures\n";
  for (const auto& organisation : organisations) {
    text += fmt::format("{},{},{},{}\n", CsvField(organisation.organisation_id),
                        CsvField(organisation.name), AffiliationName(organisation.affiliation),
                        organisation.signatures_required ? "required" : "optional");
  }
  return text;
}

std::string ObserverRegistry::FormatObservers(const std::vector<Observer>& observers) {
  std::string text = "observer_id,organisation_id,hubs,public_key\n";
  for (const auto& observer : observers) {
    text += fmt::format(
        "{},{},{},{}\n", CsvField(observer.observer_id), CsvField(observer.organisation_id),
        CsvField(fmt::format("{}", fmt::join(observer.hub_ids, ";"))),
        observer.public_key ? crypto::EncodeBase64(observer.public_key->bytes()) : "");
  }
  return text;
}

const Organisation* ObserverRegistry::FindOrganisation(std::string_view organisation_id) const {
  auto it = organisations_by_id_.find(organisation_id);
  return it == organisations_by_id_.end() ? nullptr : it->second;
}

const Observer* ObserverRegistry::FindObserver(std::string_view observer_id) const {
  auto it = observers_by_id_.find(observer_id);
  return it == observers_by_id_.end() ? nullptr : it->second;
}

std::string DescribeObserverRegistry(const ObserverRegistry* observers) {
  if (observers == nullptr) {
    return fmt::format(
        "observers are NOT registered (no {} and {} beside the stations CSV): every observer id, "
        "organisation and hub is taken as sent, so any hub may revise or retract under any "
        "observer id, and signed protocols are rejected (no key to check them with)",
        kOrganisationsFileName, kObserversFileName);
  }
  return fmt::format(
      "observer registry: {} organisations, {} observers ({} with a key); submissions from "
      "unlisted observers or hubs not allowed for them are rejected",
      observers->organisations().size(), observers->observers().size(),
      observers->keyed_observers());
}

}  // namespace hattama::domain
