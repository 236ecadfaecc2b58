#include "common/domain/checks.h"

#include <fmt/format.h>

#include <optional>
#include <string>
#include <unordered_set>

namespace hattama::domain {

v1::Reason MakeReason(std::string field, v1::ReasonCode code, std::string message) {
  v1::Reason reason;
  reason.set_field(std::move(field));
  reason.set_code(code);
  reason.set_message(std::move(message));
  return reason;
}

namespace {

// Checks one required figure; returns its value when it is present and in range.
std::optional<int64_t> RequireFigure(bool present, int64_t value, const std::string& name,
                                     std::vector<v1::Reason>& rejections) {
  const std::string field = "protocol.figures." + name;
  if (!present) {
    rejections.push_back(MakeReason(field, v1::REASON_CODE_MISSING, name + " is missing"));
    return std::nullopt;
  }
  if (value < 0) {
    rejections.push_back(MakeReason(field, v1::REASON_CODE_NEGATIVE,
                                    fmt::format("{} is negative ({})", name, value)));
    return std::nullopt;
  }
  if (value > kMaxFigure) {
    rejections.push_back(MakeReason(field, v1::REASON_CODE_INVALID_VALUE,
                                    fmt::format("{} is {}, above the largest accepted figure {}",
                                                name, value, kMaxFigure)));
    return std::nullopt;
  }
  return value;
}

void CheckFigures(const v1::Figures& figures, const v1::Contest& contest, Validation& result) {
  auto& rejections = result.rejections;
#define HATTAMA_REQUIRE(name) \
  RequireFigure(figures.has_##name(), figures.name(), #name, rejections)
  auto registered = HATTAMA_REQUIRE(registered_voters);
  auto received = HATTAMA_REQUIRE(ballots_received);
  auto issued = HATTAMA_REQUIRE(ballots_issued);
  auto cancelled = HATTAMA_REQUIRE(ballots_cancelled);
  auto in_box = HATTAMA_REQUIRE(ballots_in_box);
  auto spoiled = HATTAMA_REQUIRE(ballots_spoiled);
  auto valid = HATTAMA_REQUIRE(ballots_valid);
#undef HATTAMA_REQUIRE
  int64_t additional = 0;
  if (figures.has_additional_list_voters()) {
    auto value = RequireFigure(true, figures.additional_list_voters(), "additional_list_voters",
                               rejections);
    additional = value.value_or(0);
  }

  std::unordered_set<std::string> seen;
  int64_t option_sum = 0;
  for (int i = 0; i < figures.option_votes_size(); ++i) {
    const auto& line = figures.option_votes(i);
    const std::string field = fmt::format("protocol.figures.option_votes[{}]", i);
    bool known = false;
    for (const auto& option : contest.options()) known |= option.option_id() == line.option_id();
    if (!known) {
      rejections.push_back(MakeReason(
          field + ".option_id", v1::REASON_CODE_UNKNOWN_OPTION,
          fmt::format("option '{}' is not on the ballot of {}", line.option_id(),
                      contest.contest_id())));
      continue;
    }
    if (!seen.insert(line.option_id()).second) {
      rejections.push_back(MakeReason(field + ".option_id", v1::REASON_CODE_DUPLICATE_OPTION,
                                      fmt::format("option '{}' is listed twice",
                                                  line.option_id())));
      continue;
    }
    auto votes = RequireFigure(line.has_votes(), line.votes(),
                               "option_votes[" + std::to_string(i) + "].votes", rejections);
    option_sum += votes.value_or(0);
  }
  for (const auto& option : contest.options()) {
    if (!seen.contains(option.option_id())) {
      rejections.push_back(MakeReason("protocol.figures.option_votes", v1::REASON_CODE_MISSING,
                                      fmt::format("no votes given for option '{}'",
                                                  option.option_id())));
    }
  }
  if (result.rejected()) return;

  // Control relations: a protocol that breaks one is what the commission signed; it is counted
  // and flagged so that the number of such protocols can be published beside the totals.
  auto& flags = result.flags;
  if (*valid + *spoiled != *in_box) {
    flags.push_back(MakeReason("protocol.figures.ballots_in_box",
                               v1::REASON_CODE_VALID_PLUS_SPOILED_NOT_IN_BOX,
                               fmt::format("valid {} + spoiled {} = {}, but {} in the box", *valid,
                                           *spoiled, *valid + *spoiled, *in_box)));
  }
  if (option_sum != *valid) {
    flags.push_back(MakeReason("protocol.figures.option_votes",
                               v1::REASON_CODE_OPTION_VOTES_NOT_VALID,
                               fmt::format("votes for the options add up to {}, but {} valid",
                                           option_sum, *valid)));
  }
  if (*in_box > *issued) {
    flags.push_back(MakeReason("protocol.figures.ballots_in_box",
                               v1::REASON_CODE_IN_BOX_ABOVE_ISSUED,
                               fmt::format("{} in the box, above {} issued", *in_box, *issued)));
  }
  if (*issued > *registered + additional) {
    flags.push_back(MakeReason(
        "protocol.figures.ballots_issued", v1::REASON_CODE_ISSUED_ABOVE_REGISTERED,
        fmt::format("{} issued, above {} registered (+{} on the additional list)", *issued,
                    *registered, additional)));
  }
  if (*received != *issued + *cancelled) {
    flags.push_back(MakeReason(
        "protocol.figures.ballots_received", v1::REASON_CODE_RECEIVED_NOT_ISSUED_PLUS_CANCELLED,
        fmt::format("{} received, but issued {} + cancelled {} = {}", *received, *issued,
                    *cancelled, *issued + *cancelled)));
  }
}

}  // namespace

Validation Validate(const v1::Submission& submission, const Registry& registry) {
  Validation result;
  auto& rejections = result.rejections;
  if (submission.submission_id().empty()) {
    rejections.push_back(
        MakeReason("submission_id", v1::REASON_CODE_MISSING, "submission_id is missing"));
  } else if (submission.submission_id().size() > 128) {
    rejections.push_back(MakeReason("submission_id", v1::REASON_CODE_INVALID_VALUE,
                                    "submission_id is longer than 128 characters"));
  }
  if (submission.observer_id().empty()) {
    rejections.push_back(
        MakeReason("observer_id", v1::REASON_CODE_MISSING, "observer_id is missing"));
  }
  if (submission.source() == v1::SOURCE_UNSPECIFIED) {
    rejections.push_back(MakeReason("source", v1::REASON_CODE_MISSING,
                                    "source must be SOURCE_OBSERVER or SOURCE_OFFICIAL"));
  }
  if (submission.revision() < 0) {
    rejections.push_back(MakeReason("revision", v1::REASON_CODE_NEGATIVE,
                                    fmt::format("revision is negative ({})",
                                                submission.revision())));
  }
  if (!submission.photo_sha256().empty() && submission.photo_sha256().size() != 32) {
    rejections.push_back(MakeReason(
        "photo_sha256", v1::REASON_CODE_INVALID_VALUE,
        fmt::format("photo_sha256 must be 32 bytes, not {}", submission.photo_sha256().size())));
  }
  if (!submission.has_protocol()) {
    rejections.push_back(MakeReason("protocol", v1::REASON_CODE_MISSING, "protocol is missing"));
    return result;
  }
  const auto& protocol = submission.protocol();
  const v1::Station* station = registry.FindStation(protocol.station_id());
  if (station == nullptr) {
    rejections.push_back(MakeReason(
        "protocol.station_id", v1::REASON_CODE_UNKNOWN_STATION,
        fmt::format("station '{}' is not in the registry", protocol.station_id())));
  }
  const v1::Contest* contest = registry.FindContest(protocol.contest_id());
  if (contest == nullptr) {
    rejections.push_back(
        MakeReason("protocol.contest_id", v1::REASON_CODE_UNKNOWN_CONTEST,
                   fmt::format("contest '{}' is not in this election", protocol.contest_id())));
  }
  if (station != nullptr && contest != nullptr) {
    bool votes_here = false;
    for (const auto& id : station->contest_ids()) votes_here |= id == contest->contest_id();
    if (!votes_here) {
      rejections.push_back(MakeReason(
          "protocol.contest_id", v1::REASON_CODE_CONTEST_NOT_AT_STATION,
          fmt::format("station '{}' does not vote in '{}'", station->station_id(),
                      contest->contest_id())));
    }
  }
  if (contest != nullptr && !submission.retraction()) {
    CheckFigures(protocol.figures(), *contest, result);
  }
  if (result.rejected()) result.flags.clear();
  return result;
}

}  // namespace hattama::domain
