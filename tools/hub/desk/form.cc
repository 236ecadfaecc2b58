#include "tools/hub/desk/form.h"

#include <fmt/format.h>

#include "common/base/digest.h"
#include "common/domain/checks.h"

namespace hattama::desk {
namespace {

template <typename Named>
Names NamesOfNamed(const Named& named) {
  Names names;
  names.set_name(named.name());
  names.mutable_localized_names()->insert(named.localized_names().begin(),
                                          named.localized_names().end());
  return names;
}

// The raw 32 bytes of a lower-case hex SHA-256.
std::string Unhex(const std::string& hex) {
  std::string bytes;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return bytes;
}

}  // namespace

Names NamesOf(const v1::Area& area) { return NamesOfNamed(area); }

std::string SubmissionIdOf(const std::string& hub_id, const std::string& photo_sha256_hex,
                           int32_t revision) {
  return fmt::format("desk-{}-{}-r{}", hub_id, photo_sha256_hex.substr(0, 32), revision);
}

v1::Submission BuildSubmission(const std::string& hub_id, const PhotoRow& photo,
                               const v1::Figures& figures, int32_t protocol_revision) {
  v1::Submission submission;
  submission.set_submission_id(SubmissionIdOf(hub_id, photo.sha256, photo.revision));
  submission.set_observer_id(photo.observer_id);
  submission.set_organisation_id(photo.organisation_id);
  submission.set_hub_id(hub_id);
  submission.set_source(v1::SOURCE_OBSERVER);
  submission.mutable_captured_time()->set_seconds(photo.uploaded_at);
  submission.set_photo_sha256(Unhex(photo.sha256));
  submission.set_revision(protocol_revision);
  v1::Protocol& protocol = *submission.mutable_protocol();
  protocol.set_station_id(photo.station_id);
  protocol.set_contest_id(photo.contest_id);
  *protocol.mutable_figures() = figures;
  return submission;
}

CheckResult Check(const domain::Registry& registry, const v1::Submission& submission,
                  std::chrono::system_clock::time_point now) {
  domain::Validation validation = domain::Validate(submission, registry, now);
  CheckResult result;
  for (auto& reason : validation.rejections) *result.add_rejections() = std::move(reason);
  for (auto& reason : validation.flags) *result.add_flags() = std::move(reason);
  return result;
}

std::vector<v1::Reason> CheckPhotoTarget(const domain::Registry& registry,
                                         const std::string& hub_id, const PhotoRow& photo) {
  // Validate with no figures: its rejections about the figures are expected, the others are not.
  const v1::Submission submission = BuildSubmission(hub_id, photo, v1::Figures(), photo.revision);
  domain::Validation validation =
      domain::Validate(submission, registry, std::chrono::system_clock::now());
  std::vector<v1::Reason> reasons;
  for (auto& reason : validation.rejections) {
    if (!reason.field().starts_with("protocol.figures")) reasons.push_back(std::move(reason));
  }
  return reasons;
}

Result<Form> BuildForm(const domain::Registry& registry, const PhotoRow& photo) {
  const domain::Station* station = registry.FindStation(photo.station_id);
  if (station == nullptr) return Status::NotFound("unknown station " + photo.station_id);
  const v1::Contest* contest = registry.FindContest(photo.contest_id);
  if (contest == nullptr) return Status::NotFound("unknown contest " + photo.contest_id);
  Form form;
  form.set_photo_sha256(photo.sha256);
  form.set_station_id(photo.station_id);
  form.set_revision(photo.revision);
  *form.mutable_contest() = NamesOfNamed(*contest);
  const auto& enclosing = registry.EnclosingAreas(*station);
  if (!enclosing.empty()) *form.mutable_district() = NamesOf(*enclosing.front());
  if (const v1::Area* region = registry.RegionOf(*station))
    *form.mutable_region() = NamesOf(*region);
  for (const v1::Option& option : contest->options()) {
    FormOption& line = *form.add_options();
    line.set_option_id(option.option_id());
    *line.mutable_names() = NamesOfNamed(option);
  }
  const int64_t limit = domain::PlausibleVoterLimit(station->registered_voters());
  form.set_registry_registered_voters(station->registered_voters());
  form.set_plausible_voter_limit(limit);
  form.set_plausible_ballot_limit(limit * domain::kReserveFactor);
  return form;
}

}  // namespace hattama::desk
