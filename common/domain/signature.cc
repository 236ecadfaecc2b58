#include "common/domain/signature.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/base/digest.h"

namespace hattama::domain {
namespace {

class FormWriter {
 public:
  explicit FormWriter(std::string& out) : out_(out) {}

  // Appends "name=value\n"; false (and `bad_field_` set) when the value holds a control
  // character.
  bool Text(std::string_view name, std::string_view value) {
    if (std::any_of(value.begin(), value.end(),
                    [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
      bad_field_ = std::string(name);
      return false;
    }
    Line(name, value);
    return true;
  }
  void Line(std::string_view name, std::string_view value) {
    out_.append(name);
    out_ += '=';
    out_.append(value);
    out_ += '\n';
  }
  void Figure(std::string_view name, bool present, int64_t value) {
    Line(name, present ? std::to_string(value) : "");
  }
  const std::string& bad_field() const { return bad_field_; }

 private:
  std::string& out_;
  std::string bad_field_;
};

}  // namespace

Result<std::string> SignedForm(const v1::Submission& submission) {
  std::string form(kSignedFormFirstLine);
  form += '\n';
  FormWriter w(form);
  const v1::Protocol& protocol = submission.protocol();
  const std::string source = v1::Source_IsValid(submission.source())
                                 ? v1::Source_Name(submission.source())
                                 : std::to_string(submission.source());
  const bool texts_ok = w.Text("submission_id", submission.submission_id()) &&
                        w.Text("observer_id", submission.observer_id()) &&
                        w.Text("organisation_id", submission.organisation_id()) &&
                        w.Text("source", source) && w.Text("station_id", protocol.station_id()) &&
                        w.Text("contest_id", protocol.contest_id());
  if (!texts_ok) {
    return Status::InvalidArgument(
        fmt::format("{} holds a control character: it cannot be signed", w.bad_field()));
  }
  w.Line("revision", std::to_string(submission.revision()));
  w.Line("retraction", submission.retraction() ? "true" : "false");
  const bool timed = submission.has_captured_time();
  w.Figure("captured_time_seconds", timed, submission.captured_time().seconds());
  w.Figure("captured_time_nanos", timed, submission.captured_time().nanos());
  w.Line("photo_sha256", Hex(submission.photo_sha256()));
  const v1::Figures& f = protocol.figures();
  w.Figure("registered_voters", f.has_registered_voters(), f.registered_voters());
  w.Figure("additional_list_voters", f.has_additional_list_voters(), f.additional_list_voters());
  w.Figure("ballots_received", f.has_ballots_received(), f.ballots_received());
  w.Figure("ballots_issued", f.has_ballots_issued(), f.ballots_issued());
  w.Figure("ballots_cancelled", f.has_ballots_cancelled(), f.ballots_cancelled());
  w.Figure("ballots_in_box", f.has_ballots_in_box(), f.ballots_in_box());
  w.Figure("ballots_spoiled", f.has_ballots_spoiled(), f.ballots_spoiled());
  w.Figure("ballots_valid", f.has_ballots_valid(), f.ballots_valid());
  for (int i = 0; i < f.option_votes_size(); ++i) {
    const auto& line = f.option_votes(i);
    const std::string value =
        line.option_id() + ":" + (line.has_votes() ? std::to_string(line.votes()) : "");
    if (!w.Text("option", value)) {
      return Status::InvalidArgument(fmt::format(
          "protocol.figures.option_votes[{}].option_id holds a control character: it cannot be "
          "signed",
          i));
    }
  }
  return form;
}

Status Sign(v1::Submission& submission, const crypto::Ed25519PrivateKey& key) {
  auto form = SignedForm(submission);
  if (!form.ok()) return form.status();
  submission.set_signature(key.Sign(*form));
  return Status::Ok();
}

Status VerifySignature(const v1::Submission& submission, const crypto::Ed25519PublicKey& key) {
  auto form = SignedForm(submission);
  if (!form.ok()) return form.status();
  return key.Verify(*form, submission.signature());
}

}  // namespace hattama::domain
