#include "tools/verify/answers.h"

#include <google/protobuf/util/json_util.h>

#include <filesystem>
#include <fstream>
#include <unordered_map>

namespace hattama::verify {

bool SaysLogged(const v1::SubmissionAck& answer) {
  return answer.outcome() == v1::OUTCOME_ACCEPTED ||
         answer.outcome() == v1::OUTCOME_ACCEPTED_WITH_FLAGS ||
         answer.outcome() == v1::OUTCOME_DUPLICATE;
}

Result<Answers> ReadAnswers(const std::string& path) {
  if (!std::filesystem::exists(path)) return Status::NotFound("no answers file " + path);
  std::ifstream in(path);
  if (!in) return Status::Unavailable("cannot read " + path);
  Answers answers;
  std::unordered_map<std::string, std::size_t> position;
  std::string line;
  for (std::int64_t number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    v1::SubmissionAck answer;
    if (!google::protobuf::util::JsonStringToMessage(line, &answer).ok() ||
        answer.submission_id().empty() || answer.outcome() == v1::OUTCOME_UNSPECIFIED) {
      answers.unreadable_lines.push_back(number);
      continue;
    }
    const auto [it, added] = position.emplace(answer.submission_id(), answers.answers.size());
    if (added) {
      answers.answers.push_back(std::move(answer));
    } else {
      answers.answers[it->second] = std::move(answer);
    }
  }
  if (in.bad()) return Status::Unavailable("cannot read " + path);
  return answers;
}

}  // namespace hattama::verify
