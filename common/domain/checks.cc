#include "common/domain/checks.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string>

#include "common/domain/attribution.h"

namespace hattama::domain {

v1::Reason MakeReason(std::string field, v1::ReasonCode code, std::string message) {
  v1::Reason reason;
  reason.set_field(std::move(field));
  reason.set_code(code);
  reason.set_message(std::move(message));
  return reason;
}

namespace {

// google.protobuf.Timestamp's own range: 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z.
constexpr int64_t kTimestampMinSeconds = -62'135'596'800;
constexpr int64_t kTimestampMaxSeconds = 253'402'300'799;
constexpr int32_t kNanosPerSecond = 1'000'000'000;

// Appends TOO_LONG when `value` is longer than kMaxIdBytes; true when it fits. The value itself is
// not echoed: it may be a megabyte.
bool FitsLength(const std::string& value, const std::string& field,
                std::vector<v1::Reason>& reasons) {
  if (value.size() <= kMaxIdBytes) return true;
  reasons.push_back(MakeReason(field, v1::REASON_CODE_TOO_LONG,
                               fmt::format("{} is {} bytes long, above the limit of {} bytes",
                                           field, value.size(), kMaxIdBytes)));
  return false;
}

void CheckTime(const google::protobuf::Timestamp& time, const std::string& field,
               Clock::time_point now, std::vector<v1::Reason>& reasons) {
  if (time.seconds() < kTimestampMinSeconds || time.seconds() > kTimestampMaxSeconds ||
      time.nanos() < 0 || time.nanos() >= kNanosPerSecond) {
    reasons.push_back(MakeReason(
        field, v1::REASON_CODE_INVALID_TIME,
        fmt::format("{} is not a valid timestamp (seconds {}, nanos {}): seconds must lie within "
                    "0001-01-01..9999-12-31 and nanos in [0, 1e9)",
                    field, time.seconds(), time.nanos())));
    return;
  }
  if (time.seconds() < kEarliestTimeUnix) {
    reasons.push_back(
        MakeReason(field, v1::REASON_CODE_INVALID_TIME,
                   fmt::format("{} is {} s since 1970, before 2000-01-01", field, time.seconds())));
    return;
  }
  const int64_t latest =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch() + kClockSkewAllowance)
          .count();
  if (time.seconds() > latest) {
    reasons.push_back(MakeReason(
        field, v1::REASON_CODE_INVALID_TIME,
        fmt::format("{} is {} s since 1970, more than {} h after ingestion's clock ({})", field,
                    time.seconds(),
                    std::chrono::duration_cast<std::chrono::hours>(kClockSkewAllowance).count(),
                    latest - kClockSkewAllowance.count())));
  }
}

// Keeps the first kMaxReasonsPerCode reasons of each code and sums up the rest of that code in
// one more reason, so that 20,000 bad lines give a dozen reasons, not 20,000. The summary carries
// the code and field of the first reason it stands for, and comes after every kept reason. Even a
// single reason too many is summed up: the README promises at most kMaxReasonsPerCode of a code.
void CapReasons(std::vector<v1::Reason>& reasons) {
  std::map<int, size_t> total;
  for (const auto& reason : reasons) ++total[reason.code()];
  std::map<int, size_t> kept_of_code;
  std::vector<v1::Reason> kept;
  std::vector<v1::Reason> summaries;
  for (auto& reason : reasons) {
    const size_t index = kept_of_code[reason.code()]++;
    if (index < kMaxReasonsPerCode) {
      kept.push_back(std::move(reason));
    } else if (index == kMaxReasonsPerCode) {
      const size_t left_out = total[reason.code()] - kMaxReasonsPerCode;
      summaries.push_back(MakeReason(
          reason.field(), reason.code(),
          fmt::format("and {} more {} of this kind, not listed (the first {} are)", left_out,
                      left_out == 1 ? "reason" : "reasons", kMaxReasonsPerCode)));
    }
  }
  for (auto& summary : summaries) kept.push_back(std::move(summary));
  reasons = std::move(kept);
}

// Checks one required figure; returns its value when it is present and in range. `name` is a
// callable giving the figure's name, called only for a reason: a well-formed protocol costs no
// string building (the fuzzer and ingestion's hot path both noticed).
template <typename Name>
std::optional<int64_t> RequireFigure(bool present, int64_t value, const Name& name,
                                     std::vector<v1::Reason>& rejections) {
  if (!present) {
    rejections.push_back(
        MakeReason("protocol.figures." + name(), v1::REASON_CODE_MISSING, name() + " is missing"));
    return std::nullopt;
  }
  if (value < 0) {
    rejections.push_back(MakeReason("protocol.figures." + name(), v1::REASON_CODE_NEGATIVE,
                                    fmt::format("{} is negative ({})", name(), value)));
    return std::nullopt;
  }
  if (value > kMaxFigure) {
    rejections.push_back(MakeReason(
        "protocol.figures." + name(), v1::REASON_CODE_INVALID_VALUE,
        fmt::format("{} is {}, above the largest accepted figure {}", name(), value, kMaxFigure)));
    return std::nullopt;
  }
  return value;
}

// The limits figures are held to at one station (see PlausibleVoterLimit).
struct StationLimits {
  int64_t registry_registered = 0;
  int64_t voters = 0;   // for voters and ballots used
  int64_t ballots = 0;  // for ballots received and cancelled
};

// Rejects a figure impossible for the station. `reserve`: held to the ballots limit.
template <typename Name>
void CheckPlausible(const std::optional<int64_t>& value, const Name& name,
                    const StationLimits& limits, bool reserve,
                    std::vector<v1::Reason>& rejections) {
  const int64_t limit = reserve ? limits.ballots : limits.voters;
  if (!value || *value <= limit) return;
  std::string rule = fmt::format("{} + max({}, {} %)", limits.registry_registered,
                                 kAllowanceMinimum, kAllowancePercent);
  if (reserve) rule = fmt::format("{} × ({})", kReserveFactor, rule);
  rejections.push_back(MakeReason(
      "protocol.figures." + name(), v1::REASON_CODE_IMPLAUSIBLE,
      fmt::format("{} is {}, impossible for a station the registry lists with {} registered "
                  "voters: the limit is {} ({})",
                  name(), *value, limits.registry_registered, limit, rule)));
}

// A name callable for a figure whose name is known at compile time.
struct Named {
  const char* text;
  std::string operator()() const { return text; }
};

void CheckFigures(const v1::Figures& figures, const v1::Contest& contest,
                  const domain::Station* station, Validation& result) {
  auto& rejections = result.rejections;
#define HATTAMA_REQUIRE(name) \
  RequireFigure(figures.has_##name(), figures.name(), Named{#name}, rejections)
  auto registered = HATTAMA_REQUIRE(registered_voters);
  auto received = HATTAMA_REQUIRE(ballots_received);
  auto issued = HATTAMA_REQUIRE(ballots_issued);
  auto cancelled = HATTAMA_REQUIRE(ballots_cancelled);
  auto in_box = HATTAMA_REQUIRE(ballots_in_box);
  auto spoiled = HATTAMA_REQUIRE(ballots_spoiled);
  auto valid = HATTAMA_REQUIRE(ballots_valid);
#undef HATTAMA_REQUIRE
  std::optional<int64_t> additional_value;
  if (figures.has_additional_list_voters()) {
    additional_value = RequireFigure(true, figures.additional_list_voters(),
                                     Named{"additional_list_voters"}, rejections);
  }
  const int64_t additional = additional_value.value_or(0);

  // Known only when the station is; an unknown station is rejected already.
  StationLimits limits;
  if (station != nullptr) {
    limits.registry_registered = station->registered_voters();
    limits.voters = PlausibleVoterLimit(limits.registry_registered);
    limits.ballots = kReserveFactor * limits.voters;
    CheckPlausible(registered, Named{"registered_voters"}, limits, false, rejections);
    CheckPlausible(additional_value, Named{"additional_list_voters"}, limits, false, rejections);
    CheckPlausible(received, Named{"ballots_received"}, limits, true, rejections);
    CheckPlausible(issued, Named{"ballots_issued"}, limits, false, rejections);
    CheckPlausible(cancelled, Named{"ballots_cancelled"}, limits, true, rejections);
    CheckPlausible(in_box, Named{"ballots_in_box"}, limits, false, rejections);
    CheckPlausible(spoiled, Named{"ballots_spoiled"}, limits, false, rejections);
    CheckPlausible(valid, Named{"ballots_valid"}, limits, false, rejections);
  }

  if (figures.option_votes_size() > contest.options_size()) {
    rejections.push_back(MakeReason(
        "protocol.figures.option_votes", v1::REASON_CODE_TOO_MANY_LINES,
        fmt::format("{} option lines, but the ballot of {} has {} options",
                    figures.option_votes_size(), contest.contest_id(), contest.options_size())));
  }
  // seen[k]: the ballot's k-th option has had its line.
  std::vector<bool> seen(contest.options_size(), false);
  int64_t option_sum = 0;
  for (int i = 0; i < figures.option_votes_size(); ++i) {
    const auto& line = figures.option_votes(i);
    auto id_field = [i] { return fmt::format("protocol.figures.option_votes[{}].option_id", i); };
    if (line.option_id().size() > kMaxIdBytes) {
      FitsLength(line.option_id(), id_field(), rejections);
      continue;
    }
    int k = 0;
    while (k < contest.options_size() && contest.options(k).option_id() != line.option_id()) ++k;
    if (k == contest.options_size()) {
      rejections.push_back(MakeReason(id_field(), v1::REASON_CODE_UNKNOWN_OPTION,
                                      fmt::format("option '{}' is not on the ballot of {}",
                                                  line.option_id(), contest.contest_id())));
      continue;
    }
    if (seen[k]) {
      rejections.push_back(
          MakeReason(id_field(), v1::REASON_CODE_DUPLICATE_OPTION,
                     fmt::format("option '{}' is listed twice", line.option_id())));
      continue;
    }
    seen[k] = true;
    auto name = [i] { return fmt::format("option_votes[{}].votes", i); };
    auto votes = RequireFigure(line.has_votes(), line.votes(), name, rejections);
    if (station != nullptr) CheckPlausible(votes, name, limits, false, rejections);
    option_sum += votes.value_or(0);
  }
  for (int k = 0; k < contest.options_size(); ++k) {
    const auto& option = contest.options(k);
    if (!seen[k]) {
      rejections.push_back(
          MakeReason("protocol.figures.option_votes", v1::REASON_CODE_MISSING,
                     fmt::format("no votes given for option '{}'", option.option_id())));
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
    flags.push_back(MakeReason(
        "protocol.figures.option_votes", v1::REASON_CODE_OPTION_VOTES_NOT_VALID,
        fmt::format("votes for the options add up to {}, but {} valid", option_sum, *valid)));
  }
  if (*in_box > *issued) {
    flags.push_back(MakeReason("protocol.figures.ballots_in_box",
                               v1::REASON_CODE_IN_BOX_ABOVE_ISSUED,
                               fmt::format("{} in the box, above {} issued", *in_box, *issued)));
  }
  if (*issued > *registered + additional) {
    flags.push_back(
        MakeReason("protocol.figures.ballots_issued", v1::REASON_CODE_ISSUED_ABOVE_REGISTERED,
                   fmt::format("{} issued, above {} registered (+{} on the additional list)",
                               *issued, *registered, additional)));
  }
  if (*received != *issued + *cancelled) {
    flags.push_back(MakeReason("protocol.figures.ballots_received",
                               v1::REASON_CODE_RECEIVED_NOT_ISSUED_PLUS_CANCELLED,
                               fmt::format("{} received, but issued {} + cancelled {} = {}",
                                           *received, *issued, *cancelled, *issued + *cancelled)));
  }
  if (station != nullptr && *registered != limits.registry_registered) {
    flags.push_back(MakeReason(
        "protocol.figures.registered_voters", v1::REASON_CODE_REGISTERED_NOT_REGISTRY,
        fmt::format("{} registered voters on the protocol, but the registry lists {} for {}",
                    *registered, limits.registry_registered, station->station_id())));
  }
}

bool IsProtocolEvent(v1::DeploymentEventKind kind) {
  return kind == v1::DEPLOYMENT_EVENT_KIND_PROTOCOL_OBTAINED ||
         kind == v1::DEPLOYMENT_EVENT_KIND_PROTOCOL_REFUSED ||
         kind == v1::DEPLOYMENT_EVENT_KIND_PROTOCOL_CONFISCATED;
}

}  // namespace

int64_t PlausibleVoterLimit(int64_t registry_registered) {
  const int64_t percent = (registry_registered * kAllowancePercent + 99) / 100;
  return registry_registered + std::max(kAllowanceMinimum, percent);
}

Validation Validate(const v1::Submission& submission, const Registry& registry,
                    Clock::time_point now) {
  Validation result;
  auto& rejections = result.rejections;
  if (submission.submission_id().empty()) {
    rejections.push_back(
        MakeReason("submission_id", v1::REASON_CODE_MISSING, "submission_id is missing"));
  } else {
    FitsLength(submission.submission_id(), "submission_id", rejections);
  }
  // Whether the registry can judge who sent it: the ids it looks up fit, the source is known.
  bool attributable = !submission.observer_id().empty();
  if (!attributable) {
    rejections.push_back(
        MakeReason("observer_id", v1::REASON_CODE_MISSING, "observer_id is missing"));
  } else {
    attributable = FitsLength(submission.observer_id(), "observer_id", rejections);
  }
  attributable &= FitsLength(submission.organisation_id(), "organisation_id", rejections);
  attributable &= FitsLength(submission.hub_id(), "hub_id", rejections);
  if (submission.source() == v1::SOURCE_UNSPECIFIED || !v1::Source_IsValid(submission.source())) {
    rejections.push_back(MakeReason("source", v1::REASON_CODE_MISSING,
                                    "source must be SOURCE_OBSERVER or SOURCE_OFFICIAL"));
    attributable = false;
  }
  if (attributable) {
    for (auto& reason : CheckAttribution(submission, registry.observers())) {
      rejections.push_back(std::move(reason));
    }
  }
  if (submission.revision() < 0) {
    rejections.push_back(
        MakeReason("revision", v1::REASON_CODE_NEGATIVE,
                   fmt::format("revision is negative ({})", submission.revision())));
  }
  const size_t photo = submission.photo_sha256().size();
  if (photo > kPhotoSha256Bytes) {
    rejections.push_back(MakeReason(
        "photo_sha256", v1::REASON_CODE_TOO_LONG,
        fmt::format("photo_sha256 is {} bytes, a SHA-256 is {}", photo, kPhotoSha256Bytes)));
  } else if (photo != 0 && photo != kPhotoSha256Bytes) {
    rejections.push_back(
        MakeReason("photo_sha256", v1::REASON_CODE_INVALID_VALUE,
                   fmt::format("photo_sha256 must be {} bytes, not {}", kPhotoSha256Bytes, photo)));
  }
  if (submission.has_captured_time()) {
    CheckTime(submission.captured_time(), "captured_time", now, rejections);
  }
  if (!submission.has_protocol()) {
    rejections.push_back(MakeReason("protocol", v1::REASON_CODE_MISSING, "protocol is missing"));
    return result;
  }
  const auto& protocol = submission.protocol();
  const domain::Station* station = nullptr;
  if (FitsLength(protocol.station_id(), "protocol.station_id", rejections)) {
    station = registry.FindStation(protocol.station_id());
    if (station == nullptr) {
      rejections.push_back(
          MakeReason("protocol.station_id", v1::REASON_CODE_UNKNOWN_STATION,
                     fmt::format("station '{}' is not in the registry", protocol.station_id())));
    }
  }
  const v1::Contest* contest = nullptr;
  if (FitsLength(protocol.contest_id(), "protocol.contest_id", rejections)) {
    contest = registry.FindContest(protocol.contest_id());
    if (contest == nullptr) {
      rejections.push_back(
          MakeReason("protocol.contest_id", v1::REASON_CODE_UNKNOWN_CONTEST,
                     fmt::format("contest '{}' is not in this election", protocol.contest_id())));
    }
  }
  if (station != nullptr && contest != nullptr) {
    if (!Registry::HoldsContest(*station, contest->contest_id())) {
      rejections.push_back(MakeReason("protocol.contest_id", v1::REASON_CODE_CONTEST_NOT_AT_STATION,
                                      fmt::format("station '{}' does not vote in '{}'",
                                                  station->station_id(), contest->contest_id())));
    }
  }
  if (contest != nullptr && !submission.retraction()) {
    // Plausibility is judged against a station that holds the contest, or not at all.
    CheckFigures(protocol.figures(), *contest, result.rejected() ? nullptr : station, result);
  }
  if (result.rejected()) {
    result.flags.clear();
    CapReasons(rejections);
  }
  return result;
}

std::vector<v1::Reason> ValidateDeploymentEvent(const v1::DeploymentEvent& event,
                                                const Registry& registry, Clock::time_point now) {
  std::vector<v1::Reason> reasons;
  if (event.event_id().empty()) {
    reasons.push_back(MakeReason("event_id", v1::REASON_CODE_MISSING, "no event id"));
  } else {
    FitsLength(event.event_id(), "event_id", reasons);
  }
  if (FitsLength(event.organisation_id(), "organisation_id", reasons)) {
    for (auto& reason : CheckEventOrganisation(event, registry.observers())) {
      reasons.push_back(std::move(reason));
    }
  }
  FitsLength(event.observer_id(), "observer_id", reasons);
  FitsLength(event.hub_id(), "hub_id", reasons);
  if (event.kind() == v1::DEPLOYMENT_EVENT_KIND_UNSPECIFIED ||
      !v1::DeploymentEventKind_IsValid(event.kind())) {
    reasons.push_back(MakeReason("kind", v1::REASON_CODE_INVALID_VALUE, "no known event kind"));
  }
  if (event.has_time()) CheckTime(event.time(), "time", now, reasons);
  const bool contest_fits = FitsLength(event.contest_id(), "contest_id", reasons);
  if (!FitsLength(event.station_id(), "station_id", reasons)) return reasons;
  const domain::Station* station = registry.FindStation(event.station_id());
  if (station == nullptr) {
    reasons.push_back(MakeReason("station_id", v1::REASON_CODE_UNKNOWN_STATION,
                                 "unknown station '" + event.station_id() + "'"));
    return reasons;
  }
  if (IsProtocolEvent(event.kind()) && contest_fits) {
    if (registry.FindContest(event.contest_id()) == nullptr) {
      reasons.push_back(MakeReason("contest_id", v1::REASON_CODE_UNKNOWN_CONTEST,
                                   "unknown contest '" + event.contest_id() + "'"));
    } else if (!Registry::HoldsContest(*station, event.contest_id())) {
      reasons.push_back(
          MakeReason("contest_id", v1::REASON_CODE_CONTEST_NOT_AT_STATION,
                     "contest " + event.contest_id() + " is not held at " + station->station_id()));
    }
  }
  return reasons;
}

}  // namespace hattama::domain
