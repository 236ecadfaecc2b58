// The hub registry: which regional hubs may stream to ingestion, the regions each may submit for,
// and the SHA-256 of each hub's token (the token itself is never stored). Loaded once at start.
//
// File format (CSV, UTF-8, '#' starts a comment line, blank lines ignored):
//
//   hub_id,token_sha256,regions,max_submissions_per_second
//   hub-almaty,9f86d0818…(64 hex digits),kz-almaty;kz-almaty-city,500
//   hub-national,2c26b46b6…,*,
//
// regions: area ids of regions separated by ';', or '*' for every region. The last column is
// optional: empty or 0 means the server's default rate limit.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/base/result.h"

namespace hattama::domain {

struct Hub {
  std::string hub_id;
  // Region area ids; empty with all_regions set means every region.
  std::set<std::string> regions;
  bool all_regions = false;
  // 0: the server's default.
  double max_submissions_per_second = 0;

  bool MaySubmitFor(const std::string& region_id) const {
    return all_regions || regions.contains(region_id);
  }
};

// Lowercase hex SHA-256 of `token`: what the registry stores.
std::string TokenSha256Hex(std::string_view token);

// A fresh random token (32 random bytes, hex) for a new hub.
std::string NewHubToken();

class HubRegistry {
 public:
  // Parses the file; errors name the line. Every hub id and every token hash must be unique, and
  // when `known_regions` is given every listed region must be one of them.
  static Result<std::shared_ptr<const HubRegistry>> Load(
      const std::string& path, const std::set<std::string>* known_regions = nullptr);
  static Result<std::shared_ptr<const HubRegistry>> Parse(
      std::string_view text, const std::set<std::string>* known_regions = nullptr);

  // The hub whose token this is; nullptr for an unknown token. Compares hashes, so the time taken
  // does not depend on how much of a stored token matches.
  const Hub* Authenticate(std::string_view token) const;
  const Hub* Find(std::string_view hub_id) const;
  const std::vector<Hub>& hubs() const { return hubs_; }

  // The file's text for `hubs` with their token hashes (the inverse of Parse).
  static std::string Format(const std::vector<std::pair<Hub, std::string>>& hubs_and_hashes);

 private:
  HubRegistry() = default;
  std::vector<Hub> hubs_;
  std::unordered_map<std::string, size_t> by_token_hash_;
  std::unordered_map<std::string, size_t> by_id_;
};

}  // namespace hattama::domain
