#include "tools/hub/simulator/planned_submission.h"

#include <vector>

namespace hattama::hub {

Result<StreamReport> StreamSubmissions(std::span<const PlannedSubmission> planned,
                                       const StreamOptions& options) {
  std::vector<const v1::Submission*> submissions;
  submissions.reserve(planned.size());
  for (const auto& one : planned) submissions.push_back(&one.submission);
  return StreamSubmissions(std::span<const v1::Submission* const>(submissions), options);
}

}  // namespace hattama::hub
