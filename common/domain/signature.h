// Signed protocols: the bytes an observer signs with Ed25519 (RFC 8032), defined apart from
// protobuf's serialization so that any implementation can produce and check them from the
// submission's fields. Pure code; the keys are common/crypto's.
//
// The signed form is ASCII text (ids as their UTF-8 bytes): the first line below, then one
// "name=value" line per covered field in exactly this order, every line ending in "\n" (0x0A),
// the last one too:
//
//   hattama-submission-signature-v1
//   submission_id=<id>
//   observer_id=<id>
//   organisation_id=<id>
//   source=<SOURCE_OBSERVER | SOURCE_OFFICIAL | SOURCE_UNSPECIFIED | the number, if unnamed>
//   station_id=<protocol.station_id>
//   contest_id=<protocol.contest_id>
//   revision=<decimal>
//   retraction=<true | false>
//   captured_time_seconds=<decimal, empty when captured_time is absent>
//   captured_time_nanos=<decimal, empty when captured_time is absent>
//   photo_sha256=<lower-case hex of the bytes, empty when absent>
//   registered_voters=<decimal, empty when absent>
//   additional_list_voters=…  ballots_received=…  ballots_issued=…  ballots_cancelled=…
//   ballots_in_box=…  ballots_spoiled=…  ballots_valid=…     (one line each, in this order)
//   option=<option_id>:<votes, empty when absent>            (one line per option line, in the
//                                                              order the protocol lists them)
//
// Decimals: ASCII digits, a '-' only before a negative value, no leading zeros, "0" for zero.
// Figures absent and figures 0 differ here (unlike the canonical figures of dispute.h): the
// observer signs what they sent. Not covered: hub_id (any hub the observer registry allows may
// relay a signed protocol) and the signature itself. A covered string holding a control character
// (a byte below 0x20, or 0x7F) has no signed form: a line must not end inside a value. Values run
// to the end of their line, and an option line's votes follow its last ':'.
#pragma once

#include <string>
#include <string_view>

#include "common/base/result.h"
#include "common/crypto/ed25519.h"
#include "hattama/v1/protocol.pb.h"

namespace hattama::domain {

inline constexpr std::string_view kSignedFormFirstLine = "hattama-submission-signature-v1";

// The signed form of `submission`; InvalidArgument naming the field when a covered string holds a
// control character.
Result<std::string> SignedForm(const v1::Submission& submission);

// Sets `submission`'s signature: the key's signature of SignedForm. The error of SignedForm.
Status Sign(v1::Submission& submission, const crypto::Ed25519PrivateKey& key);

// Ok when `submission.signature()` is the key's valid signature of its signed form; otherwise
// InvalidArgument saying what is wrong.
Status VerifySignature(const v1::Submission& submission, const crypto::Ed25519PublicKey& key);

}  // namespace hattama::domain
