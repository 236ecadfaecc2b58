#include "tools/hub/simulator/pvt_phases.h"

#include <fmt/format.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <thread>

#include "hattama/v1/analysis.grpc.pb.h"
#include "hattama/v1/publication.grpc.pb.h"

namespace hattama::hub {
namespace {

bool Counts(const PlannedSubmission& planned, const std::string& contest_id) {
  return (planned.kind == SubmissionKind::kClean || planned.kind == SubmissionKind::kBroken) &&
         planned.submission.source() != v1::SOURCE_OFFICIAL &&
         planned.submission.protocol().contest_id() == contest_id;
}

// Adds `part`, streamed after what `whole` holds, into `whole`.
void Append(StreamReport& whole, StreamReport part) {
  for (auto& ack : part.acks) whole.acks.push_back(std::move(ack));
  whole.accepted += part.accepted;
  whole.flagged += part.flagged;
  whole.duplicate += part.duplicate;
  whole.rejected += part.rejected;
  whole.reconnects += part.reconnects;
  whole.throttled += part.throttled;
  whole.seconds += part.seconds;
  whole.peak_accepted_per_second =
      std::max(whole.peak_accepted_per_second, part.peak_accepted_per_second);
  for (auto& line : part.unexpected_acks) whole.unexpected_acks.push_back(std::move(line));
}

// True when the published nation totals of the contest are exactly the truth's.
bool Shows(const v1::AreaTotals& published, const Tally& truth) {
  if (published.stations_reporting() != truth.stations_reporting ||
      published.figures().ballots_valid() != truth.ballots_valid) {
    return false;
  }
  for (const auto& option : published.options()) {
    auto it = truth.option_votes.find(option.option_id());
    if (option.votes() != (it == truth.option_votes.end() ? 0 : it->second)) return false;
  }
  return true;
}

}  // namespace

std::vector<size_t> PhaseEnds(const domain::Registry& registry,
                              std::span<const PlannedSubmission> submissions,
                              const std::string& contest_id, const std::vector<double>& marks) {
  const int64_t registered = registry.StationsRegistered(registry.nation_id(), contest_id);
  std::vector<size_t> ends;
  std::set<std::string> reported;
  size_t next = 0;
  for (size_t i = 0; i < submissions.size() && next < marks.size(); ++i) {
    if (Counts(submissions[i], contest_id)) {
      reported.insert(submissions[i].submission.protocol().station_id());
    }
    while (next < marks.size() &&
           static_cast<double>(reported.size()) >= marks[next] * static_cast<double>(registered)) {
      ends.push_back(i + 1);
      ++next;
    }
  }
  while (ends.size() < marks.size()) ends.push_back(submissions.size());
  return ends;
}

Result<PhasedStream> StreamInPhases(const domain::Registry& registry,
                                    std::span<const PlannedSubmission> submissions,
                                    const PhasedStreamOptions& options) {
  auto channel =
      grpc::CreateChannel(options.publication_address, grpc::InsecureChannelCredentials());
  auto publication = v1::PublicationService::NewStub(channel);
  auto analysis = v1::AnalysisService::NewStub(channel);
  PhasedStream out;
  size_t from = 0;
  const auto ends = PhaseEnds(registry, submissions, options.contest_id, options.marks);
  for (size_t phase = 0; phase <= ends.size(); ++phase) {
    const size_t to = phase < ends.size() ? ends[phase] : submissions.size();
    if (to > from) {
      auto streamed = StreamSubmissions(submissions.subspan(from, to - from), options.stream);
      if (!streamed.ok()) return streamed.status();
      Append(out.report, std::move(streamed).value());
    }
    from = to;
    if (phase == ends.size()) break;

    // Publication must show exactly what was sent so far before the estimate means "at this mark".
    const Truth truth = ComputeTruth(registry, submissions.first(to));
    PvtPhase result;
    result.mark = options.marks[phase];
    const auto deadline = std::chrono::steady_clock::now() + options.timeout;
    for (const auto& contest : registry.election().contests()) {
      auto expected = truth.areas.find(AreaContestKey(registry.nation_id(), contest.contest_id()));
      if (expected == truth.areas.end()) continue;
      v1::AreaTotals totals;
      for (;;) {
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
        v1::GetAreaTotalsRequest request;
        request.set_area_id(registry.nation_id());
        request.set_contest_id(contest.contest_id());
        auto status = publication->GetAreaTotals(&context, request, &totals);
        if (status.ok() && Shows(totals, expected->second)) break;
        if (std::chrono::steady_clock::now() > deadline) {
          return Status::Error(fmt::format(
              "publication did not show the {:.0f} % phase of {} in time: {} of {} stations",
              100 * result.mark, contest.contest_id(), totals.stations_reporting(),
              expected->second.stations_reporting));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
      v1::GetPvtEstimateRequest request;
      request.set_contest_id(contest.contest_id());
      v1::PvtEstimate estimate;
      auto status = analysis->GetPvtEstimate(&context, request, &estimate);
      if (!status.ok()) {
        return Status::Error("GetPvtEstimate(" + contest.contest_id() +
                             "): " + status.error_message());
      }
      result.stations_reporting[contest.contest_id()] = totals.stations_reporting();
      result.estimates[contest.contest_id()] = std::move(estimate);
    }
    if (options.on_phase) options.on_phase(result);
    out.phases.push_back(std::move(result));
  }
  return out;
}

namespace {

// The final share of an option in `tally`, in percent of valid votes.
double FinalShare(const Tally& tally, const std::string& option_id) {
  auto votes = tally.option_votes.find(option_id);
  return tally.ballots_valid == 0 || votes == tally.option_votes.end()
             ? 0
             : 100.0 * static_cast<double>(votes->second) /
                   static_cast<double>(tally.ballots_valid);
}

// "share ± margin", with " *" when the final share lies outside the interval.
std::string Cell(const v1::OptionEstimate& estimate, double final_share) {
  const bool misses = std::abs(estimate.share_percent() - final_share) > estimate.margin_percent();
  return fmt::format("{:.2f} ± {:.2f}{}", estimate.share_percent(), estimate.margin_percent(),
                     misses ? " *" : "  ");
}

// One row an option: its estimate at each phase (from `pick`, null when absent) and its final
// share.
template <typename Pick>
std::string OptionRows(const v1::Contest& contest, const std::vector<PvtPhase>& phases,
                       const Tally& final_tally, Pick pick) {
  std::string out;
  for (int k = 0; k < contest.options_size(); ++k) {
    const auto& option = contest.options(k);
    const double final_share = FinalShare(final_tally, option.option_id());
    out += fmt::format("  {:<28}", option.name().substr(0, 28));
    for (const auto& phase : phases) {
      const auto* options = pick(phase);
      out += fmt::format(" {:>20}", options == nullptr || options->size() <= k
                                        ? std::string("–")
                                        : Cell((*options)[k], final_share));
    }
    out += fmt::format(" {:>9.2f}\n", final_share);
  }
  return out;
}

}  // namespace

std::string FormatPvtPhases(const domain::Registry& registry, const std::vector<PvtPhase>& phases,
                            const std::map<std::string, Tally>& final_nation) {
  std::string out;
  for (const auto& contest : registry.election().contests()) {
    auto final_tally = final_nation.find(contest.contest_id());
    if (final_tally == final_nation.end()) continue;
    const int64_t registered =
        registry.StationsRegistered(registry.nation_id(), contest.contest_id());
    auto estimate_at = [&](const PvtPhase& phase) -> const v1::PvtEstimate* {
      auto it = phase.estimates.find(contest.contest_id());
      return it == phase.estimates.end() ? nullptr : &it->second;
    };
    out += fmt::format(
        "PVT estimate of {} (share of valid votes, ± 95 % margin; * the final share is outside "
        "it) against the complete count.\nFrom the stations reported so far:\n",
        contest.name().empty() ? contest.contest_id() : contest.name());
    out += fmt::format("  {:<28}", "");
    for (const auto& phase : phases) {
      const auto* estimate = estimate_at(phase);
      const int64_t sampled = estimate == nullptr ? 0 : estimate->stations_sampled();
      out += fmt::format(" {:>20}",
                         fmt::format("{:.0f} % ({}/{})", 100 * phase.mark, sampled, registered));
    }
    out += fmt::format(" {:>9}\n", "final");
    out += OptionRows(contest, phases, final_tally->second, [&](const PvtPhase& phase) {
      const auto* estimate = estimate_at(phase);
      return estimate == nullptr ? nullptr : &estimate->options();
    });
    // Beside it, the estimate from the PVT sample drawn before the night, when publication has one.
    const v1::PvtSampleEstimate* first_sample = nullptr;
    for (const auto& phase : phases) {
      const auto* estimate = estimate_at(phase);
      if (estimate != nullptr && estimate->has_sample()) first_sample = &estimate->sample();
    }
    if (first_sample != nullptr) {
      out += fmt::format(
          "From the PVT sample alone (sha256 {}; ! a region under {:.0f} % reported):\n",
          first_sample->sha256(), first_sample->min_completion_percent());
      out += fmt::format("  {:<28}", "sampled stations reported");
      for (const auto& phase : phases) {
        const auto* estimate = estimate_at(phase);
        const auto& sample =
            estimate == nullptr ? v1::PvtSampleEstimate::default_instance() : estimate->sample();
        out += fmt::format(
            " {:>20}", fmt::format("{}/{}{}", sample.stations_reported(), sample.stations_sampled(),
                                   sample.under_reported() ? " !" : "  "));
      }
      out += "\n";
      out += OptionRows(contest, phases, final_tally->second, [&](const PvtPhase& phase) {
        const auto* estimate = estimate_at(phase);
        return estimate == nullptr || !estimate->has_sample() ? nullptr
                                                              : &estimate->sample().options();
      });
    }
    out += "\n";
  }
  return out;
}

}  // namespace hattama::hub
