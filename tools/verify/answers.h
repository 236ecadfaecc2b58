// A hub's answers file, as hattama-hub send writes it (FILE.answers.jsonl): one
// hattama.v1.SubmissionAck a line in protobuf's JSON mapping, appended as answers arrive, so that
// a rerun may add a later answer for an id (the last one counts, as for send itself) and a crash
// may leave a torn last line.
//
// Pure reading, safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "hattama/v1/ingestion.pb.h"

namespace hattama::verify {

struct Answers {
  // The last answer of each id, in the order the ids first appear.
  std::vector<v1::SubmissionAck> answers;
  // Line numbers (from 1) of non-blank lines that are no answer (a torn line, another file).
  std::vector<std::int64_t> unreadable_lines;
};

// Whether an answer says the submission is in the log: accepted, accepted with flags, or a
// duplicate of one accepted earlier.
bool SaysLogged(const v1::SubmissionAck& answer);

// The answers in the file at `path`; NotFound or Unavailable when it cannot be read.
Result<Answers> ReadAnswers(const std::string& path);

}  // namespace hattama::verify
