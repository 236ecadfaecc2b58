#include "common/domain/observers.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string_view>
#include <unordered_map>

#include "common/base/huge_pages.h"
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

bool RegisteredObserver::MayBeRelayedBy(std::string_view hub_id) const {
  return std::find(hub_ids().begin(), hub_ids().end(), hub_id) != hub_ids().end();
}

Observer RegisteredObserver::ToObserver() const {
  Observer observer{
      .observer_id = observer_id(), .organisation_id = organisation_id(), .hub_ids = hub_ids()};
  if (public_key_ != nullptr) observer.public_key = *public_key_;
  return observer;
}

Status ObserverRegistry::IndexOrganisations() {
  for (const auto& organisation : organisations_) {
    const std::string& id = organisation.organisation_id;
    if (auto problem = IdProblem(id); !problem.empty()) {
      return Status::Error(fmt::format("organisation id '{}' {}", id, problem));
    }
    if (organisation.name.empty()) return Status::Error("organisation " + id + " has no name");
    if (!organisations_by_id_.emplace(id, &organisation).second) {
      return Status::Error("organisation " + id + " is listed twice");
    }
  }
  return Status::Ok();
}

Status ObserverRegistry::AddObserver(std::string_view id, std::string_view organisation_id,
                                     std::vector<std::string> hub_ids,
                                     std::optional<crypto::Ed25519PublicKey> public_key) {
  if (auto problem = IdProblem(id); !problem.empty()) {
    return Status::Error(fmt::format("observer id '{}' {}", id, problem));
  }
  const Organisation* organisation = FindOrganisation(organisation_id);
  if (organisation == nullptr) {
    return Status::Error(fmt::format("observer {} names organisation '{}', which is not listed", id,
                                     organisation_id));
  }
  if (hub_ids.empty()) {
    return Status::Error(fmt::format("observer {} has no hub that may relay their protocols", id));
  }
  for (const auto& hub : hub_ids) {
    std::string problem = IdProblem(hub);
    if (problem.empty() && hub.find(';') != std::string::npos) problem = "holds a ';'";
    if (!problem.empty()) {
      return Status::Error(fmt::format("observer {}: hub id '{}' {}", id, hub, problem));
    }
  }
  if (organisation->signatures_required && !public_key) {
    return Status::Error(
        fmt::format("observer {} has no public key, but organisation {} requires signed protocols",
                    id, organisation->organisation_id));
  }
  if (observers_.size() >= IdIndex::kMaxIds) {
    return Status::Error(fmt::format("more than {} observers", IdIndex::kMaxIds));
  }
  const auto id_of = [this](uint32_t i) -> std::string_view { return observers_[i].observer_id(); };
  if (!observers_by_id_.Insert(id, static_cast<uint32_t>(observers_.size()), id_of)) {
    return Status::Error(fmt::format("observer {} is listed twice", id));
  }
  std::string key = fmt::format("{}\n{}", organisation_id, fmt::join(hub_ids, ";"));
  auto profile = profile_by_key_.find(key);
  if (profile == profile_by_key_.end()) {
    profiles_.push_back(std::make_unique<RegisteredObserver::Profile>(
        RegisteredObserver::Profile{std::string(organisation_id), std::move(hub_ids)}));
    profile = profile_by_key_.emplace(std::move(key), profiles_.back().get()).first;
  }
  const crypto::Ed25519PublicKey* held_key = nullptr;
  if (public_key) {
    keys_.push_back(std::move(*public_key));
    held_key = &keys_.back();
    ++keyed_;
  }
  observers_.push_back(RegisteredObserver(std::string(id), profile->second, held_key));
  return Status::Ok();
}

Status ObserverRegistry::AddObservers(std::istream& observers_csv) {
  CsvReader reader(observers_csv, {"observer_id", "organisation_id", "hubs", "public_key"});
  while (reader.Next()) {
    const auto& fields = reader.fields();
    std::optional<crypto::Ed25519PublicKey> public_key;
    if (!fields[3].empty()) {
      auto bytes = crypto::DecodeBase64(fields[3]);
      auto key = bytes.ok() ? crypto::Ed25519PublicKey::FromBytes(*bytes)
                            : Result<crypto::Ed25519PublicKey>(bytes.status());
      if (!key.ok()) {
        return Status::Error(
            fmt::format("line {}: public_key of {} is not the base64 of a 32-byte Ed25519 key: {}",
                        reader.line(), fields[0], key.status().message()));
      }
      public_key = std::move(key).value();
    }
    if (auto added =
            AddObserver(fields[0], fields[1], SplitList(fields[2], ';'), std::move(public_key));
        !added.ok()) {
      return Status::Error(fmt::format("line {}: {}", reader.line(), added.message()));
    }
  }
  return reader.status();
}

Result<std::shared_ptr<const ObserverRegistry>> ObserverRegistry::Build(
    std::vector<Organisation> organisations, std::vector<Observer> observers) {
  std::shared_ptr<ObserverRegistry> registry(new ObserverRegistry());
  registry->organisations_ = std::move(organisations);
  if (auto indexed = registry->IndexOrganisations(); !indexed.ok()) return indexed;
  ReserveHugePages(registry->observers_, observers.size());
  registry->observers_by_id_.Reserve(observers.size());
  for (auto& observer : observers) {
    if (auto added =
            registry->AddObserver(observer.observer_id, observer.organisation_id,
                                  std::move(observer.hub_ids), std::move(observer.public_key));
        !added.ok()) {
      return added;
    }
  }
  return std::shared_ptr<const ObserverRegistry>(std::move(registry));
}

Result<std::shared_ptr<const ObserverRegistry>> ObserverRegistry::Parse(
    std::string_view organisations_csv, std::string_view observers_csv) {
  std::istringstream observers{std::string(observers_csv)};
  return ParseFrom(organisations_csv, observers,
                   std::count(observers_csv.begin(), observers_csv.end(), '\n'));
}

Result<std::shared_ptr<const ObserverRegistry>> ObserverRegistry::ParseFrom(
    std::string_view organisations_csv, std::istream& observers_csv, size_t observers_expected) {
  auto organisations = ParseOrganisations(organisations_csv);
  if (!organisations.ok()) {
    return Status::Error(std::string(kOrganisationsFileName) + " " +
                         organisations.status().message());
  }
  std::shared_ptr<ObserverRegistry> registry(new ObserverRegistry());
  registry->organisations_ = std::move(organisations).value();
  if (auto indexed = registry->IndexOrganisations(); !indexed.ok()) return indexed;
  ReserveHugePages(registry->observers_, observers_expected);
  registry->observers_by_id_.Reserve(observers_expected);
  if (auto added = registry->AddObservers(observers_csv); !added.ok()) {
    return Status::Error(std::string(kObserversFileName) + " " + added.message());
  }
  return std::shared_ptr<const ObserverRegistry>(std::move(registry));
}

std::unordered_map<std::string, int64_t> ObserverRegistry::ObserverCountsByOrganisation() const {
  std::unordered_map<std::string, int64_t> counts;
  for (const auto& observer : observers_) ++counts[observer.organisation_id()];
  return counts;
}

Result<std::shared_ptr<const ObserverRegistry>> ObserverRegistry::Load(
    const std::string& organisations_path, const std::string& observers_path) {
  auto organisations = ReadTextFile(organisations_path);
  if (!organisations.ok()) return organisations.status();
  auto lines = CountLines(observers_path);
  if (!lines.ok()) return lines.status();
  std::ifstream observers(observers_path, std::ios::binary);
  if (!observers) return Status::Error("cannot open " + observers_path);
  return ParseFrom(*organisations, observers, *lines);
}

std::vector<Observer> ObserverRegistry::observers() const {
  std::vector<Observer> listed;
  listed.reserve(observers_.size());
  for (const auto& observer : observers_) listed.push_back(observer.ToObserver());
  return listed;
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
  std::string hubs;
  for (const auto& observer : observers) {
    AppendCsvField(text, observer.observer_id);
    text += ',';
    AppendCsvField(text, observer.organisation_id);
    text += ',';
    hubs.clear();
    fmt::format_to(std::back_inserter(hubs), "{}", fmt::join(observer.hub_ids, ";"));
    AppendCsvField(text, hubs);
    text += ',';
    if (observer.public_key) text += crypto::EncodeBase64(observer.public_key->bytes());
    text += '\n';
  }
  return text;
}

const Organisation* ObserverRegistry::FindOrganisation(std::string_view organisation_id) const {
  auto it = organisations_by_id_.find(organisation_id);
  return it == organisations_by_id_.end() ? nullptr : it->second;
}

const RegisteredObserver* ObserverRegistry::FindObserver(std::string_view observer_id) const {
  auto found = observers_by_id_.Find(
      observer_id, [this](uint32_t i) -> std::string_view { return observers_[i].observer_id(); });
  return found ? &observers_[*found] : nullptr;
}

Status CheckObserverHubs(const ObserverRegistry& observers, const HubRegistry& hubs) {
  // Observers share a few hub lists: each hub id is looked up once.
  std::unordered_map<std::string_view, bool> known;
  size_t unknown = 0;
  std::vector<std::string> named;
  for (const RegisteredObserver& observer : observers.registered_observers()) {
    for (const std::string& hub_id : observer.hub_ids()) {
      auto [it, added] = known.try_emplace(hub_id, false);
      if (added) it->second = hubs.Find(hub_id) != nullptr;
      if (it->second) continue;
      if (++unknown <= kMaxNamedUnknownHubs) {
        named.push_back(fmt::format("observer {} names hub {}", observer.observer_id(), hub_id));
      }
    }
  }
  if (unknown == 0) return Status::Ok();
  return Status::Error(fmt::format(
      "{} names hubs the hub registry does not have, so their protocols could never be relayed "
      "({} observer/hub pairs{}): {}; add the hubs to the hub registry or correct {}",
      kObserversFileName, unknown,
      unknown > named.size() ? fmt::format(", the first {}", named.size()) : "",
      fmt::join(named, "; "), kObserversFileName));
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
      observers->organisations().size(), observers->observer_count(), observers->keyed_observers());
}

}  // namespace hattama::domain
