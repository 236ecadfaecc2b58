#include "common/domain/localized_names.h"

#include <fmt/format.h>

#include <algorithm>

namespace hattama::domain {
namespace {

// Why `name` cannot be the name in `language`; empty when it can.
std::string NameProblem(std::string_view language, std::string_view name) {
  if (std::find(kNameLanguages.begin(), kNameLanguages.end(), language) == kNameLanguages.end()) {
    return fmt::format("has a name in language '{}', which is none of kk, ru and en", language);
  }
  if (name.empty()) return fmt::format("has an empty name in '{}'", language);
  if (name.size() > kMaxLocalizedNameBytes) {
    return fmt::format("has a name in '{}' of {} bytes, more than {}", language, name.size(),
                       kMaxLocalizedNameBytes);
  }
  if (std::any_of(name.begin(), name.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
    return fmt::format("has a name in '{}' holding a control character", language);
  }
  return "";
}

// The first problem of one map, prefixed with `what` (e.g. "area kz-01"); OK when none.
Status CheckMap(const google::protobuf::Map<std::string, std::string>& names,
                const std::string& what) {
  // The map's order is unspecified: the smallest offending tag is reported, so that the same
  // file always gives the same message.
  std::string worst_language, problem;
  for (const auto& [language, name] : names) {
    std::string found = NameProblem(language, name);
    if (!found.empty() && (problem.empty() || language < worst_language)) {
      worst_language = language;
      problem = std::move(found);
    }
  }
  if (problem.empty()) return Status::Ok();
  return Status::Error(fmt::format("{} {}", what, problem));
}

}  // namespace

Status CheckLocalizedNames(const v1::Election& election) {
  if (Status s = CheckMap(election.localized_names(), "the election"); !s.ok()) return s;
  for (const auto& contest : election.contests()) {
    if (Status s = CheckMap(contest.localized_names(), "contest " + contest.contest_id());
        !s.ok()) {
      return s;
    }
    for (const auto& option : contest.options()) {
      if (Status s = CheckMap(
              option.localized_names(),
              fmt::format("option {} of contest {}", option.option_id(), contest.contest_id()));
          !s.ok()) {
        return s;
      }
    }
  }
  for (const auto& area : election.areas()) {
    if (Status s = CheckMap(area.localized_names(), "area " + area.area_id()); !s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace hattama::domain
