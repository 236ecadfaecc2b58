// hattama-verify inclusion: every submission a hub's answers file says is logged has a leaf in
// the log at its current checkpoint, proven against the signed root.
#include <fmt/format.h>

#include <cstdio>

#include "tools/verify/answers.h"
#include "tools/verify/commands.h"

namespace hattama::verify {
namespace {

constexpr char kInclusionCommand[] = "inclusion";

const char* OutcomeName(const v1::SubmissionAck& answer) {
  switch (answer.outcome()) {
    case v1::OUTCOME_ACCEPTED:
      return "accepted";
    case v1::OUTCOME_ACCEPTED_WITH_FLAGS:
      return "accepted with flags";
    case v1::OUTCOME_DUPLICATE:
      return "duplicate";
    default:
      return "rejected";
  }
}

}  // namespace

int Inclusion(const InclusionArgs& args) {
  auto answers = ReadAnswers(args.answers_file);
  if (!answers.ok()) return CannotCheck(kInclusionCommand, answers.status().message());
  for (const std::int64_t line : answers->unreadable_lines) {
    std::fprintf(stderr, "%s:%lld: not an answer (a torn line?); skipped\n",
                 args.answers_file.c_str(), static_cast<long long>(line));
  }
  auto opened = OpenLog(kInclusionCommand, args.log);
  if (const int* exit_status = std::get_if<int>(&opened)) return *exit_status;
  LogClient& log = *std::get<OpenedLog>(opened).client;
  const tlog::Checkpoint& head = std::get<OpenedLog>(opened).checkpoint.checkpoint;

  std::int64_t to_prove = 0;
  for (const auto& answer : answers->answers) to_prove += SaysLogged(answer) ? 1 : 0;
  const Progress progress = StderrProgress("inclusion proofs checked");
  std::int64_t proven = 0;
  std::int64_t missing = 0;
  std::int64_t skipped = 0;
  for (const auto& answer : answers->answers) {
    if (!SaysLogged(answer)) {
      ++skipped;
      continue;
    }
    auto included = log.ProveIncluded(answer.submission_id(), head);
    if (included.ok()) {
      ++proven;
    } else if (ExitStatusOf(included.status()) == kDoesNotHold) {
      ++missing;
      std::printf("NOT PROVEN %s (%s): %s\n", answer.submission_id().c_str(), OutcomeName(answer),
                  included.status().message().c_str());
    } else {
      return CannotCheck(kInclusionCommand, included.status().message());
    }
    progress(proven + missing, to_prove);
  }
  std::printf(
      "%s: %lld of %lld logged answers proven in the log at %s; %lld not proven; %lld rejected "
      "answers skipped; %zu unreadable lines\n",
      missing == 0 ? "HOLDS" : "DOES NOT HOLD", static_cast<long long>(proven),
      static_cast<long long>(to_prove), Describe(head).c_str(), static_cast<long long>(missing),
      static_cast<long long>(skipped), answers->unreadable_lines.size());
  return missing == 0 ? kHolds : kDoesNotHold;
}

}  // namespace hattama::verify
