// libFuzzer target: ingestion's validation of what a hub sends (domain::Validate of a Submission,
// domain::ValidateDeploymentEvent of a DeploymentEvent) against the tests' election.
//
// The first input byte chooses how the rest is read:
//   even: a recipe (FuzzedDataProvider) that builds a submission and an event field by field from
//         values near every limit (ids of 128 and 129 bytes, figures at the plausibility limit and
//         one above, timestamps at each end of the accepted window, more option lines than the
//         ballot), so the fuzzer reaches every check in a few thousand runs;
//   odd:  the protobuf wire bytes of a Submission, as a hostile hub could send them.
// Beyond not crashing (ASan, UBSan), each input is held to what the checks promise: an accepted
// protocol is possible for its station and every id fits its limit, a rejection carries no flags
// and stays small, the answer does not change when asked twice, and identical figures have one
// digest. A broken promise aborts, which libFuzzer reports as a crash with its input.
#include <fuzzer/FuzzedDataProvider.h>
#include <google/protobuf/stubs/logging.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "common/domain/checks.h"
#include "common/domain/dispute.h"
#include "common/domain/registry.h"
#include "tests/testing/election.h"

namespace {

using namespace hattama;

// Ingestion's clock for every input: 2026-06-01T00:00:00Z.
constexpr int64_t kNowUnix = 1'780'272'000;
const domain::Clock::time_point kNow{std::chrono::seconds(kNowUnix)};

void Require(bool holds, const char* promise) {
  if (holds) return;
  std::fprintf(stderr, "broken promise: %s\n", promise);
  std::abort();
}

// The tests' election (tests/testing/election.h): stations of 600 to 1,200 voters, the Mazhilis
// everywhere and a maslikhat in one region, so a station can be asked for a contest it does not
// hold.
const domain::Registry& TheRegistry() {
  static const std::shared_ptr<const domain::Registry> registry = hattama::testing::TinyRegistry();
  return *registry;
}

const std::vector<std::string> kStations = {"S1", "S2", "S3", "S4", "S5", "S6"};

// An id: one the registry knows, empty, at or one above the length limit, non-ASCII, or any
// bytes.
std::string PickId(FuzzedDataProvider& in, const std::vector<std::string>& known) {
  switch (in.ConsumeIntegralInRange<int>(0, 6)) {
    case 0:
    case 1:
      return known[in.ConsumeIntegralInRange<size_t>(0, known.size() - 1)];
    case 2:
      return "";
    case 3:
      return std::string(domain::kMaxIdBytes, 'i');
    case 4:
      return std::string(domain::kMaxIdBytes + in.ConsumeIntegralInRange<size_t>(1, 4096), 'L');
    case 5:
      return "\xc3\xa9" + in.ConsumeRandomLengthString(16);
    default:
      return in.ConsumeRandomLengthString(200);
  }
}

// A figure near a limit for a station of `registered` voters, or anything.
int64_t PickFigure(FuzzedDataProvider& in, int64_t registered) {
  const int64_t limit = domain::PlausibleVoterLimit(registered);
  const int64_t choices[] = {0,
                             -1,
                             registered,
                             limit,
                             limit + 1,
                             domain::kReserveFactor * limit,
                             domain::kReserveFactor * limit + 1,
                             domain::kMaxFigure,
                             domain::kMaxFigure + 1,
                             std::numeric_limits<int64_t>::min(),
                             std::numeric_limits<int64_t>::max()};
  const size_t pick = in.ConsumeIntegralInRange<size_t>(0, std::size(choices) + 1);
  if (pick < std::size(choices)) return choices[pick];
  if (pick == std::size(choices)) return in.ConsumeIntegralInRange<int64_t>(0, 2 * limit);
  return in.ConsumeIntegral<int64_t>();
}

void PickTime(FuzzedDataProvider& in, google::protobuf::Timestamp& time) {
  const int64_t seconds[] = {-62'135'596'801,
                             -62'135'596'800,
                             0,
                             domain::kEarliestTimeUnix - 1,
                             domain::kEarliestTimeUnix,
                             1'610'287'200,
                             kNowUnix,
                             kNowUnix + 86'400,
                             kNowUnix + 86'401,
                             253'402'300'799,
                             253'402'300'800};
  const size_t pick = in.ConsumeIntegralInRange<size_t>(0, std::size(seconds));
  time.set_seconds(pick < std::size(seconds) ? seconds[pick] : in.ConsumeIntegral<int64_t>());
  const int32_t nanos[] = {0, 999'999'999, 1'000'000'000, -1};
  const size_t n = in.ConsumeIntegralInRange<size_t>(0, std::size(nanos));
  time.set_nanos(n < std::size(nanos) ? nanos[n] : in.ConsumeIntegral<int32_t>());
}

v1::Submission BuildSubmission(FuzzedDataProvider& in) {
  const auto& registry = TheRegistry();
  v1::Submission s;
  s.set_submission_id(PickId(in, {"sub-1", "sub-2"}));
  s.set_observer_id(PickId(in, {"obs-1", "obs-2"}));
  s.set_organisation_id(PickId(in, {"org-1"}));
  s.set_hub_id(PickId(in, {"hub-1"}));
  s.set_source(static_cast<v1::Source>(in.ConsumeIntegralInRange<int>(-1, 3)));
  s.set_revision(in.ConsumeIntegralInRange<int32_t>(-2, 5));
  s.set_retraction(in.ConsumeIntegralInRange<int>(0, 7) == 0);
  if (in.ConsumeBool()) s.set_photo_sha256(in.ConsumeBytesAsString(in.ConsumeBool() ? 32 : 40));
  if (in.ConsumeBool()) PickTime(in, *s.mutable_captured_time());
  if (in.ConsumeIntegralInRange<int>(0, 15) == 0) return s;  // no protocol
  auto* protocol = s.mutable_protocol();
  protocol->set_station_id(PickId(in, kStations));
  protocol->set_contest_id(PickId(in, {"mazhilis", "maslikhat"}));
  const domain::Station* station = registry.FindStation(protocol->station_id());
  const int64_t registered = station ? station->registered_voters() : 1000;
  auto* f = protocol->mutable_figures();
  using Setter = void (v1::Figures::*)(int64_t);
  for (Setter set : {&v1::Figures::set_registered_voters, &v1::Figures::set_additional_list_voters,
                     &v1::Figures::set_ballots_received, &v1::Figures::set_ballots_issued,
                     &v1::Figures::set_ballots_cancelled, &v1::Figures::set_ballots_in_box,
                     &v1::Figures::set_ballots_spoiled, &v1::Figures::set_ballots_valid}) {
    if (in.ConsumeIntegralInRange<int>(0, 9) != 0) (f->*set)(PickFigure(in, registered));
  }
  // Usually the ballot's own lines; sometimes missing, duplicated, unknown, or thousands.
  const v1::Contest* contest = registry.FindContest(protocol->contest_id());
  std::vector<std::string> options = {"nur", "akzhol", "adal", "x", "y", "green"};
  if (contest != nullptr && in.ConsumeBool()) {
    options.clear();
    for (const auto& option : contest->options()) options.push_back(option.option_id());
  }
  int lines = static_cast<int>(options.size());
  switch (in.ConsumeIntegralInRange<int>(0, 31)) {
    case 0:
      lines = in.ConsumeIntegralInRange<int>(0, 3000);  // rare: they are slow to build
      break;
    case 1:
    case 2:
    case 3:
      lines = in.ConsumeIntegralInRange<int>(0, 40);
      break;
    default:
      break;
  }
  for (int i = 0; i < lines; ++i) {
    auto* line = f->add_option_votes();
    line->set_option_id(i < static_cast<int>(options.size()) && in.ConsumeIntegralInRange<int>(0, 7)
                            ? options[i]
                            : PickId(in, options));
    if (in.ConsumeIntegralInRange<int>(0, 15) != 0) line->set_votes(PickFigure(in, registered));
  }
  return s;
}

v1::DeploymentEvent BuildEvent(FuzzedDataProvider& in) {
  v1::DeploymentEvent e;
  e.set_event_id(PickId(in, {"event-1"}));
  e.set_station_id(PickId(in, kStations));
  e.set_organisation_id(PickId(in, {"org-1"}));
  e.set_observer_id(PickId(in, {"obs-1"}));
  e.set_hub_id(PickId(in, {"hub-1"}));
  e.set_kind(static_cast<v1::DeploymentEventKind>(in.ConsumeIntegralInRange<int>(-1, 9)));
  e.set_contest_id(PickId(in, {"mazhilis", "maslikhat"}));
  if (in.ConsumeBool()) PickTime(in, *e.mutable_time());
  return e;
}

bool TimeAccepted(const google::protobuf::Timestamp& time) {
  return time.nanos() >= 0 && time.nanos() < 1'000'000'000 &&
         time.seconds() >= domain::kEarliestTimeUnix &&
         time.seconds() <= kNowUnix + domain::kClockSkewAllowance.count();
}

void CheckSubmission(const v1::Submission& s) {
  const auto& registry = TheRegistry();
  const domain::Validation result = domain::Validate(s, registry, kNow);
  const domain::Validation again = domain::Validate(s, registry, kNow);
  Require(result.rejections.size() == again.rejections.size() &&
              result.flags.size() == again.flags.size(),
          "the same submission gets the same answer");

  if (result.rejected()) {
    Require(result.flags.empty(), "a rejection carries no flags");
    // At most kMaxReasonsPerCode + 1 per code, and each message bounded: a small answer.
    Require(result.rejections.size() <= 32 * (domain::kMaxReasonsPerCode + 1),
            "a rejection lists a bounded number of reasons");
    for (const auto& reason : result.rejections) {
      Require(reason.code() != v1::REASON_CODE_UNSPECIFIED, "every reason has a code");
      Require(reason.ByteSizeLong() <= 2048, "a reason is small");
    }
    return;
  }
  for (const auto& id : {s.submission_id(), s.observer_id(), s.organisation_id(), s.hub_id()}) {
    Require(id.size() <= domain::kMaxIdBytes, "an accepted id fits its limit");
  }
  Require(!s.submission_id().empty() && !s.observer_id().empty(), "ids are present");
  if (s.has_captured_time()) Require(TimeAccepted(s.captured_time()), "captured_time is sane");
  const domain::Station* station = registry.FindStation(s.protocol().station_id());
  Require(station != nullptr, "an accepted protocol's station exists");
  if (s.retraction()) return;

  const v1::Figures& f = s.protocol().figures();
  const v1::Contest* contest = registry.FindContest(s.protocol().contest_id());
  Require(contest != nullptr, "an accepted protocol's contest exists");
  Require(f.option_votes_size() == contest->options_size(), "one line per option");
  const int64_t limit = domain::PlausibleVoterLimit(station->registered_voters());
  for (int64_t voters : {f.registered_voters(), f.additional_list_voters(), f.ballots_issued(),
                         f.ballots_in_box(), f.ballots_spoiled(), f.ballots_valid()}) {
    Require(voters >= 0 && voters <= limit, "voter figures are possible for the station");
  }
  for (int64_t ballots : {f.ballots_received(), f.ballots_cancelled()}) {
    Require(ballots >= 0 && ballots <= domain::kReserveFactor * limit,
            "ballot figures are possible for the station");
  }
  for (const auto& line : f.option_votes()) {
    Require(line.has_votes() && line.votes() >= 0 && line.votes() <= limit,
            "option votes are possible for the station");
    Require(line.option_id().size() <= domain::kMaxIdBytes, "an option id fits its limit");
  }
  bool registry_flag = false;
  for (const auto& flag : result.flags) {
    registry_flag |= flag.code() == v1::REASON_CODE_REGISTERED_NOT_REGISTRY;
  }
  Require(registry_flag == (f.registered_voters() != station->registered_voters()),
          "registered voters other than the registry's are flagged, and only those");

  // Identical figures have one digest: the order of the lines and an empty additional list do
  // not matter.
  v1::Figures reordered = f;
  std::reverse(reordered.mutable_option_votes()->begin(), reordered.mutable_option_votes()->end());
  if (!reordered.has_additional_list_voters()) reordered.set_additional_list_voters(0);
  Require(domain::FiguresDigest(f) == domain::FiguresDigest(reordered),
          "identical figures have one digest");
}

void CheckEvent(const v1::DeploymentEvent& e) {
  const auto reasons = domain::ValidateDeploymentEvent(e, TheRegistry(), kNow);
  if (!reasons.empty()) {
    for (const auto& reason : reasons) Require(reason.ByteSizeLong() <= 2048, "a reason is small");
    return;
  }
  for (const auto& id : {e.event_id(), e.station_id(), e.organisation_id(), e.observer_id(),
                         e.hub_id(), e.contest_id()}) {
    Require(id.size() <= domain::kMaxIdBytes, "an accepted event's ids fit their limit");
  }
  Require(!e.event_id().empty(), "an accepted event has an id");
  Require(TheRegistry().FindStation(e.station_id()) != nullptr,
          "an accepted event's station exists");
  Require(v1::DeploymentEventKind_IsValid(e.kind()) &&
              e.kind() != v1::DEPLOYMENT_EVENT_KIND_UNSPECIFIED,
          "an accepted event has a known kind");
  if (e.has_time()) Require(TimeAccepted(e.time()), "an accepted event's time is sane");
}

}  // namespace

// Protobuf logs every string field with invalid UTF-8 it refuses to parse: millions of lines that
// would cost more than the checks.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  if (data[0] % 2 == 1) {
    v1::Submission submission;
    if (submission.ParseFromArray(data + 1, static_cast<int>(size - 1))) {
      CheckSubmission(submission);
    }
    v1::DeploymentEvent event;
    if (event.ParseFromArray(data + 1, static_cast<int>(size - 1))) CheckEvent(event);
    return 0;
  }
  FuzzedDataProvider in(data + 1, size - 1);
  CheckSubmission(BuildSubmission(in));
  CheckEvent(BuildEvent(in));
  return 0;
}
