#include "bench/samples.h"

#include "hattama/v1/records.pb.h"
#include "tools/hub/simulator/plan.h"
#include "tools/hub/simulator/synthetic.h"

namespace hattama::bench {

std::vector<v1::Submission> SampleSubmissions(int64_t stations) {
  std::vector<v1::Submission> out;
  auto registry = hub::GenerateRegistry({.stations = stations, .seed = 2021});
  if (!registry.ok()) return out;
  auto plan = hub::DrawPlan(**registry, {.seed = 2021, .malformed_rate = 0, .resend_rate = 0});
  if (!plan.ok()) return out;
  for (auto& planned : plan->submissions) out.push_back(std::move(planned.submission));
  return out;
}

std::string RecordBytes(const v1::Submission& submission) {
  v1::SubmissionRecord record;
  *record.mutable_submission() = submission;
  record.mutable_accepted_time()->set_seconds(1'600'000'000);
  record.set_digest(std::string(32, '\x5a'));
  return record.SerializeAsString();
}

}  // namespace hattama::bench
