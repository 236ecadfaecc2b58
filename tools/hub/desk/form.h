// The form a photo is typed into, made from the registry, and the submission its figures become,
// checked by Validate (common/domain/checks.h): the code ingestion runs, so that the reasons the
// operator sees while typing are ingestion's reasons, word for word, and what the desk lets through
// ingestion accepts. Pure code over the registry; no I/O.
#pragma once

#include <chrono>
#include <string>

#include "common/base/result.h"
#include "common/domain/registry.h"
#include "hattama/v1/protocol.pb.h"
#include "tools/hub/desk/desk.pb.h"
#include "tools/hub/desk/desk_store.h"

namespace hattama::desk {

// The submission id of a photo's revision: "desk-<hub>-<first 32 hex of the photo's SHA-256>-r<n>".
// The same photo and revision always make the same id, so that a resend after a crash is answered
// DUPLICATE rather than counted again.
std::string SubmissionIdOf(const std::string& hub_id, const std::string& photo_sha256_hex,
                           int32_t revision);

// The submission `figures` of the photo's current revision make, relayed by `hub_id`: the
// observer's result (SOURCE_OBSERVER), captured when the photo was received, with the photo's
// SHA-256, as the observer's protocol revision `protocol_revision` (higher replaces lower, so one
// more than any the desk sent for that observer, station and contest).
v1::Submission BuildSubmission(const std::string& hub_id, const PhotoRow& photo,
                               const v1::Figures& figures, int32_t protocol_revision);

// Validate's verdict on the submission, at `now`.
CheckResult Check(const domain::Registry& registry, const v1::Submission& submission,
                  std::chrono::system_clock::time_point now);

// What makes a photo untypable whatever its figures: an unknown station or contest, a contest not
// held there, an observer the registry does not let this hub relay (Validate's reasons outside
// protocol.figures). Empty: the photo may be typed.
std::vector<v1::Reason> CheckPhotoTarget(const domain::Registry& registry,
                                         const std::string& hub_id, const PhotoRow& photo);

// An area's names in every language the registry gives (the form's and the progress's places).
Names NamesOf(const v1::Area& area);

// The form of `photo`: its contest's ballot in ballot order, its station's place and limits.
// NotFound for a station or contest the registry lacks.
Result<Form> BuildForm(const domain::Registry& registry, const PhotoRow& photo);

}  // namespace hattama::desk
