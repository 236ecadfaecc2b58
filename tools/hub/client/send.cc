#include "tools/hub/client/send.h"

#include <fmt/format.h>
#include <google/protobuf/util/json_util.h>

#include <fstream>
#include <mutex>
#include <optional>
#include <set>
#include <unordered_map>

#include "common/crypto/key_file.h"
#include "common/domain/signature.h"

namespace hattama::hub {
namespace {

std::string OneLineJson(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = false;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

// The last answer per submission id in the journal; a torn last line (a crash mid-write) is
// ignored, and its submission is resent.
std::unordered_map<std::string, v1::SubmissionAck> ReadJournal(const std::string& path) {
  std::unordered_map<std::string, v1::SubmissionAck> answers;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    v1::SubmissionAck ack;
    if (line.empty() || !google::protobuf::util::JsonStringToMessage(line, &ack).ok()) continue;
    if (ack.outcome() == v1::OUTCOME_UNSPECIFIED) continue;
    answers[ack.submission_id()] = ack;
  }
  return answers;
}

}  // namespace

Result<SendSummary> SendFile(const SendOptions& options) {
  const std::string journal_path =
      options.journal.empty() ? options.file + ".answers.jsonl" : options.journal;
  const std::string not_accepted_path =
      options.not_accepted.empty() ? options.file + ".not-accepted.jsonl" : options.not_accepted;

  std::optional<crypto::Ed25519PrivateKey> sign_key;
  if (!options.sign_key.empty()) {
    auto key = crypto::ReadPrivateKeyFile(options.sign_key);
    if (!key.ok()) return Status::Error("--sign-key: " + key.status().message());
    sign_key = std::move(key).value();
  }
  std::ifstream in(options.file);
  if (!in) return Status::Error("cannot read " + options.file);
  std::vector<v1::Submission> submissions;
  std::set<std::string> ids;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    v1::Submission submission;
    if (auto parsed = google::protobuf::util::JsonStringToMessage(line, &submission);
        !parsed.ok()) {
      return Status::Error(fmt::format("{}:{}: not a hattama.v1.Submission: {}", options.file,
                                       number, parsed.message().as_string()));
    }
    if (submission.submission_id().empty()) {
      return Status::Error(fmt::format("{}:{}: no submissionId", options.file, number));
    }
    // The client keeps one copy of an id in flight at a time; a file naming an id twice would
    // have the second answered DUPLICATE or ID_REUSED, which is what the hub should learn.
    ids.insert(submission.submission_id());
    if (submission.hub_id().empty()) {
      if (options.hub_id.empty()) {
        return Status::Error(
            fmt::format("{}:{}: no hubId in the submission and no --hub-id", options.file, number));
      }
      submission.set_hub_id(options.hub_id);
    }
    if (sign_key) {
      if (auto signed_ok = domain::Sign(submission, *sign_key); !signed_ok.ok()) {
        return Status::Error(
            fmt::format("{}:{}: cannot sign: {}", options.file, number, signed_ok.message()));
      }
    }
    submissions.push_back(std::move(submission));
  }

  auto answered = ReadJournal(journal_path);
  SendSummary summary;
  summary.submissions = static_cast<int64_t>(submissions.size());
  std::vector<const v1::Submission*> to_send;
  for (const auto& submission : submissions) {
    if (answered.contains(submission.submission_id())) {
      ++summary.already_answered;
    } else {
      to_send.push_back(&submission);
    }
  }

  // A crash mid-write leaves a torn last line: end it, so the next answer starts a line of its own.
  bool torn = false;
  {
    std::ifstream last(journal_path, std::ios::binary | std::ios::ate);
    if (last && last.tellg() > 0) {
      last.seekg(-1, std::ios::end);
      torn = last.get() != '\n';
    }
  }
  std::ofstream journal(journal_path, std::ios::app);
  if (!journal) return Status::Error("cannot write the journal " + journal_path);
  if (torn) journal << '\n';
  std::mutex journal_mu;
  StreamOptions stream = options.stream;
  if (!options.token.empty()) {
    for (const auto* submission : to_send) stream.tokens[submission->hub_id()] = options.token;
  }
  stream.on_answer = [&](size_t, const v1::SubmissionAck& ack) {
    std::lock_guard lock(journal_mu);
    journal << OneLineJson(ack) << '\n' << std::flush;  // Survives a crash of this process.
  };
  Result<StreamReport> report = StreamReport{};
  if (!to_send.empty()) report = StreamSubmissions(to_send, stream);
  journal.close();
  if (!report.ok()) return report.status();
  summary.reconnects = report->reconnects;
  summary.not_sent = report->not_sent;
  summary.seconds = report->seconds;

  // Everything answered, in this run or before: the counts and the not-accepted file.
  answered = ReadJournal(journal_path);
  std::ofstream not_accepted(not_accepted_path, std::ios::trunc);
  for (const auto& submission : submissions) {
    auto it = answered.find(submission.submission_id());
    if (it == answered.end()) continue;
    switch (it->second.outcome()) {
      case v1::OUTCOME_ACCEPTED:
        ++summary.accepted;
        continue;
      case v1::OUTCOME_ACCEPTED_WITH_FLAGS:
        ++summary.flagged;
        break;
      case v1::OUTCOME_DUPLICATE:
        ++summary.duplicate;
        break;
      default:
        ++summary.rejected;
        break;
    }
    not_accepted << OneLineJson(it->second) << '\n';
  }
  // Not in the journal (no answer came), so a rerun sends them again.
  for (size_t i = 0; i < report->acks.size(); ++i) {
    if (report->acks[i].not_sent.empty()) continue;
    v1::SubmissionAck none;
    none.set_submission_id(to_send[i]->submission_id());
    none.add_reasons()->set_message(report->acks[i].not_sent);
    not_accepted << OneLineJson(none) << '\n';
  }
  if (!not_accepted) return Status::Error("cannot write " + not_accepted_path);
  return summary;
}

}  // namespace hattama::hub
