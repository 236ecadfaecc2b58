#include "common/domain/hubs.h"

#include <fmt/format.h>
#include <openssl/rand.h>

#include <charconv>
#include <fstream>
#include <sstream>

#include "common/base/digest.h"

namespace hattama::domain {
namespace {

std::string Trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return "";
  const auto last = text.find_last_not_of(" \t\r");
  return std::string(text.substr(first, last - first + 1));
}

std::vector<std::string> Split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t end = text.find(separator, start);
    parts.push_back(Trim(text.substr(start, end - start)));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

bool IsSha256Hex(const std::string& text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

std::string TokenSha256Hex(std::string_view token) { return Hex(Sha256(token)); }

std::string NewHubToken() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    // No entropy is a broken machine, not an expected failure.
    throw std::runtime_error("RAND_bytes failed");
  }
  return Hex(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

Result<std::shared_ptr<const HubRegistry>> HubRegistry::Load(
    const std::string& path, const std::set<std::string>* known_regions) {
  std::ifstream in(path);
  if (!in) return Status::Error("cannot read the hub registry " + path);
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = Parse(text.str(), known_regions);
  if (!parsed.ok()) return Status::Error(path + ": " + parsed.status().message());
  return parsed;
}

Result<std::shared_ptr<const HubRegistry>> HubRegistry::Parse(
    std::string_view text, const std::set<std::string>* known_regions) {
  std::shared_ptr<HubRegistry> registry(new HubRegistry());
  std::istringstream in{std::string(text)};
  std::string line;
  int number = 0;
  bool header_seen = false;
  while (std::getline(in, line)) {
    ++number;
    const std::string trimmed = Trim(line);
    if (trimmed.empty() || trimmed[0] == '#') continue;
    const auto fields = Split(trimmed, ',');
    if (!header_seen) {
      header_seen = true;
      if (fields.size() < 3 || fields[0] != "hub_id" || fields[1] != "token_sha256" ||
          fields[2] != "regions") {
        return Status::Error(fmt::format(
            "line {}: the header must be hub_id,token_sha256,regions[,max_submissions_per_second]",
            number));
      }
      continue;
    }
    if (fields.size() < 3 || fields.size() > 4) {
      return Status::Error(
          fmt::format("line {}: expected 3 or 4 fields, found {}", number, fields.size()));
    }
    Hub hub;
    hub.hub_id = fields[0];
    if (hub.hub_id.empty()) return Status::Error(fmt::format("line {}: empty hub_id", number));
    std::string hash = fields[1];
    for (char& c : hash) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!IsSha256Hex(hash)) {
      return Status::Error(fmt::format(
          "line {}: token_sha256 of hub {} must be 64 hex digits (sha256sum of the token)", number,
          hub.hub_id));
    }
    if (fields[2] == "*") {
      hub.all_regions = true;
    } else {
      for (const auto& region : Split(fields[2], ';')) {
        if (region.empty()) continue;
        if (known_regions != nullptr && !known_regions->contains(region)) {
          return Status::Error(
              fmt::format("line {}: hub {} names unknown region '{}'", number, hub.hub_id, region));
        }
        hub.regions.insert(region);
      }
      if (hub.regions.empty()) {
        return Status::Error(
            fmt::format("line {}: hub {} has no regions ('*' for all)", number, hub.hub_id));
      }
    }
    if (fields.size() == 4 && !fields[3].empty()) {
      const auto& rate = fields[3];
      auto [end, error] =
          std::from_chars(rate.data(), rate.data() + rate.size(), hub.max_submissions_per_second);
      if (error != std::errc() || end != rate.data() + rate.size() ||
          hub.max_submissions_per_second < 0) {
        return Status::Error(fmt::format(
            "line {}: max_submissions_per_second '{}' is not a non-negative number", number, rate));
      }
    }
    if (registry->by_id_.contains(hub.hub_id)) {
      return Status::Error(fmt::format("line {}: hub {} is listed twice", number, hub.hub_id));
    }
    if (registry->by_token_hash_.contains(hash)) {
      return Status::Error(
          fmt::format("line {}: hub {} shares its token with another hub", number, hub.hub_id));
    }
    registry->by_id_[hub.hub_id] = registry->hubs_.size();
    registry->by_token_hash_[hash] = registry->hubs_.size();
    registry->hubs_.push_back(std::move(hub));
  }
  if (!header_seen) return Status::Error("empty hub registry: no header");
  return std::shared_ptr<const HubRegistry>(std::move(registry));
}

const Hub* HubRegistry::Authenticate(std::string_view token) const {
  if (token.empty()) return nullptr;
  auto it = by_token_hash_.find(TokenSha256Hex(token));
  return it == by_token_hash_.end() ? nullptr : &hubs_[it->second];
}

const Hub* HubRegistry::Find(std::string_view hub_id) const {
  auto it = by_id_.find(std::string(hub_id));
  return it == by_id_.end() ? nullptr : &hubs_[it->second];
}

std::string HubRegistry::Format(const std::vector<std::pair<Hub, std::string>>& hubs_and_hashes) {
  std::string text = "hub_id,token_sha256,regions,max_submissions_per_second\n";
  for (const auto& [hub, hash] : hubs_and_hashes) {
    std::string regions;
    if (hub.all_regions) {
      regions = "*";
    } else {
      for (const auto& region : hub.regions) regions += (regions.empty() ? "" : ";") + region;
    }
    text += fmt::format("{},{},{},{}\n", hub.hub_id, hash, regions,
                        hub.max_submissions_per_second > 0
                            ? fmt::format("{}", hub.max_submissions_per_second)
                            : "");
  }
  return text;
}

}  // namespace hattama::domain
