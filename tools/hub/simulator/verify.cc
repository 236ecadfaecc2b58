#include "tools/hub/simulator/verify.h"

#include <fmt/format.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <variant>

#include "hattama/v1/publication.grpc.pb.h"

namespace hattama::hub {
namespace {

using Clock = std::chrono::steady_clock;

std::string KindName(SubmissionKind kind) {
  switch (kind) {
    case SubmissionKind::kClean:
      return "clean";
    case SubmissionKind::kBroken:
      return "broken";
    case SubmissionKind::kMalformed:
      return "malformed";
    case SubmissionKind::kResend:
      return "resend";
  }
  return "?";
}

std::string Codes(const std::vector<v1::Reason>& reasons) {
  std::string text;
  for (const auto& reason : reasons) {
    text += fmt::format("{}{}", text.empty() ? "" : ", ", v1::ReasonCode_Name(reason.code()));
  }
  return "[" + text + "]";
}

bool HasCode(const std::vector<v1::Reason>& reasons, v1::ReasonCode code) {
  return std::any_of(reasons.begin(), reasons.end(),
                     [&](const v1::Reason& r) { return r.code() == code; });
}

std::string RpcError(const grpc::Status& status) {
  return fmt::format("code {} ({})", static_cast<int>(status.error_code()), status.error_message());
}

std::unique_ptr<grpc::ClientContext> ContextWithDeadline() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return context;
}

// Mismatch lines tagged by the position of the check that found them, so that the report lists
// them in a stable order whatever the thread interleaving.
struct Found {
  size_t task;
  std::string line;
};

class Comparer {
 public:
  Comparer(const domain::Registry& registry, const Truth& truth, const VerifyOptions& options)
      : registry_(registry), truth_(truth), options_(options) {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(64 << 20);
    channel_ = grpc::CreateCustomChannel(options.publication_address,
                                         grpc::InsecureChannelCredentials(), args);
    stub_ = v1::PublicationService::NewStub(channel_);
  }

  // Returns the published nation total of a contest, or the error text.
  std::variant<v1::AreaTotals, std::string> NationTotals(const std::string& contest_id) {
    v1::GetAreaTotalsRequest request;
    request.set_area_id(registry_.nation_id());
    request.set_contest_id(contest_id);
    v1::AreaTotals totals;
    auto context = ContextWithDeadline();
    auto status = stub_->GetAreaTotals(context.get(), request, &totals);
    if (!status.ok()) return RpcError(status);
    return totals;
  }

  // One full round over every area × contest of the truth and every station.
  std::vector<Found> CompareAll(int64_t& areas_checked, int64_t& stations_checked) {
    std::vector<std::pair<std::string, std::string>> areas;  // (area_id, contest_id)
    for (const auto& area : registry_.election().areas()) {
      for (const auto& contest : registry_.election().contests()) {
        if (truth_.FindArea(area.area_id(), contest.contest_id()) != nullptr) {
          areas.emplace_back(area.area_id(), contest.contest_id());
        }
      }
    }
    const size_t stations = options_.check_stations ? registry_.stations().size() : 0;
    const size_t tasks = areas.size() + stations;
    std::atomic<size_t> next{0};
    std::mutex mutex;
    std::vector<Found> found;
    auto work = [&] {
      std::vector<std::string> lines;
      for (size_t task; (task = next++) < tasks;) {
        lines.clear();
        if (task < areas.size()) {
          CompareArea(areas[task].first, areas[task].second, lines);
        } else {
          CompareStation(registry_.stations()[task - areas.size()], lines);
        }
        if (lines.empty()) continue;
        std::lock_guard lock(mutex);
        for (auto& line : lines) found.push_back({task, std::move(line)});
      }
    };
    std::vector<std::thread> threads;
    for (int w = 0; w < std::max(1, options_.workers); ++w) threads.emplace_back(work);
    for (auto& thread : threads) thread.join();
    std::stable_sort(found.begin(), found.end(),
                     [](const Found& a, const Found& b) { return a.task < b.task; });
    areas_checked = static_cast<int64_t>(areas.size());
    stations_checked = static_cast<int64_t>(stations);
    return found;
  }

 private:
  void CompareArea(const std::string& area_id, const std::string& contest_id,
                   std::vector<std::string>& out) {
    const std::string where = fmt::format("area {} × {}", area_id, contest_id);
    v1::GetAreaTotalsRequest request;
    request.set_area_id(area_id);
    request.set_contest_id(contest_id);
    v1::AreaTotals totals;
    auto context = ContextWithDeadline();
    auto status = stub_->GetAreaTotals(context.get(), request, &totals);
    if (!status.ok()) {
      out.push_back(fmt::format("{}: GetAreaTotals failed: {}", where, RpcError(status)));
      return;
    }
    const Tally& want = *truth_.FindArea(area_id, contest_id);
    Tally got = TallyOf(totals.figures());
    got.stations_reporting = totals.stations_reporting();
    got.flagged_count = totals.flagged_count();
    DiffTally(where, got, want, out);

    // The option lines shown beside the figures must agree with the truth as well.
    Tally options = want;
    options.option_votes.clear();
    for (const auto& line : totals.options())
      options.option_votes[line.option_id()] += line.votes();
    std::vector<std::string> option_lines;
    DiffTally(where + " options[]", options, want, option_lines);
    out.insert(out.end(), option_lines.begin(), option_lines.end());

    auto disputed = truth_.disputed.find(AreaContestKey(area_id, contest_id));
    const int64_t want_disputed = disputed == truth_.disputed.end() ? 0 : disputed->second;
    if (totals.disputed_count() != want_disputed) {
      out.push_back(fmt::format("{}: disputed_count {}, expected {}", where,
                                totals.disputed_count(), want_disputed));
    }
    CompareOfficialArea(area_id, contest_id, out);

    const int64_t registered = registry_.StationsRegistered(area_id, contest_id);
    if (totals.stations_registered() != registered) {
      out.push_back(fmt::format("{}: stations_registered {}, expected {}", where,
                                totals.stations_registered(), registered));
    }
    if (totals.contest_id() != contest_id || totals.area().area_id() != area_id) {
      out.push_back(fmt::format("{}: answered for area '{}' × '{}'", where, totals.area().area_id(),
                                totals.contest_id()));
    }
  }

  // The official totals: their own figures, never the observers'; empty where none was sent.
  void CompareOfficialArea(const std::string& area_id, const std::string& contest_id,
                           std::vector<std::string>& out) {
    const std::string where = fmt::format("official area {} × {}", area_id, contest_id);
    v1::GetOfficialTotalsRequest request;
    request.set_area_id(area_id);
    request.set_contest_id(contest_id);
    v1::AreaTotals totals;
    auto context = ContextWithDeadline();
    auto status = stub_->GetOfficialTotals(context.get(), request, &totals);
    if (!status.ok()) {
      out.push_back(fmt::format("{}: GetOfficialTotals failed: {}", where, RpcError(status)));
      return;
    }
    auto it = truth_.official_areas.find(AreaContestKey(area_id, contest_id));
    Tally want;
    if (it != truth_.official_areas.end()) {
      want = it->second;
    } else {
      for (const auto& option : registry_.FindContest(contest_id)->options()) {
        want.option_votes[option.option_id()] = 0;
      }
    }
    Tally got = TallyOf(totals.figures());
    got.stations_reporting = totals.stations_reporting();
    got.flagged_count = totals.flagged_count();
    DiffTally(where, got, want, out);
  }

  void CompareStation(const domain::Station& station, std::vector<std::string>& out) {
    v1::GetStationResultsRequest request;
    request.set_station_id(station.station_id());
    v1::StationResults results;
    auto context = ContextWithDeadline();
    auto status = stub_->GetStationResults(context.get(), request, &results);
    if (!status.ok()) {
      out.push_back(fmt::format("station {}: GetStationResults failed: {}", station.station_id(),
                                RpcError(status)));
      return;
    }
    for (const auto& contest_id : station.contest_ids()) {
      const std::string where = fmt::format("station {} × {}", station.station_id(), contest_id);
      const StationTruth* want = truth_.FindStation(station.station_id(), contest_id);
      const v1::StationContestResult* got = nullptr;
      for (const auto& result : results.contests()) {
        if (result.contest_id() == contest_id) got = &result;
      }
      const StationTruth* official =
          truth_.official_stations.empty() ? nullptr : [&]() -> const StationTruth* {
        auto it = truth_.official_stations.find(AreaContestKey(station.station_id(), contest_id));
        return it == truth_.official_stations.end() ? nullptr : &it->second;
      }();
      if (official != nullptr && (got == nullptr || !got->has_official())) {
        out.push_back(
            fmt::format("{}: no official protocol, expected '{}'", where, official->submission_id));
      } else if (official != nullptr) {
        DiffTally(where + " official", TallyOf(got->official().figures()),
                  TallyOf(official->figures), out);
      } else if (got != nullptr && got->has_official()) {
        out.push_back(fmt::format("{}: shows official '{}', but none was sent", where,
                                  got->official_submission_id()));
      }
      const bool counted = got != nullptr && got->has_counted();
      if (want == nullptr) {
        if (counted) {
          out.push_back(fmt::format("{}: shows counted submission '{}', but none was sent", where,
                                    got->counted_submission_id()));
        }
        continue;
      }
      if (!counted) {
        out.push_back(fmt::format("{}: no counted protocol, expected submission '{}'", where,
                                  want->submission_id));
        continue;
      }
      if (got->confirmations() != want->confirmations || got->disputed() != want->disputed) {
        out.push_back(fmt::format("{}: confirmations {} disputed {}, expected {} and {}", where,
                                  got->confirmations(), got->disputed(), want->confirmations,
                                  want->disputed));
      }
      if (got->counted_submission_id() != want->submission_id) {
        out.push_back(fmt::format("{}: counted_submission_id '{}', expected '{}'", where,
                                  got->counted_submission_id(), want->submission_id));
      }
      if (got->counted().station_id() != station.station_id() ||
          got->counted().contest_id() != contest_id) {
        out.push_back(fmt::format("{}: counted protocol is for '{}' × '{}'", where,
                                  got->counted().station_id(), got->counted().contest_id()));
      }
      DiffTally(where, TallyOf(got->counted().figures()), TallyOf(want->figures), out);
      std::set<int> got_flags, want_flags(want->flags.begin(), want->flags.end());
      for (const auto& flag : got->flags()) got_flags.insert(flag.code());
      if (got_flags != want_flags) {
        std::vector<v1::Reason> got_reasons(got->flags().begin(), got->flags().end());
        std::vector<v1::Reason> want_reasons;
        for (auto code : want->flags) want_reasons.emplace_back().set_code(code);
        out.push_back(fmt::format("{}: flags {}, expected {}", where, Codes(got_reasons),
                                  Codes(want_reasons)));
      }
    }
  }

  const domain::Registry& registry_;
  const Truth& truth_;
  const VerifyOptions& options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::PublicationService::Stub> stub_;
};

}  // namespace

OutcomeCheck CheckOutcomes(std::span<const PlannedSubmission> submissions,
                           const StreamReport& report, size_t max_listed) {
  OutcomeCheck check;
  auto mismatch = [&](const PlannedSubmission& planned, const AckRecord& ack,
                      const std::string& what) {
    check.mismatch_count += 1;
    if (check.mismatches.size() >= max_listed) return;
    const auto& protocol = planned.submission.protocol();
    check.mismatches.push_back(fmt::format(
        "submission {} ({} × {}, {}): expected {}{}, got {} {}{}",
        planned.submission.submission_id(), protocol.station_id(), protocol.contest_id(),
        KindName(planned.kind), v1::Outcome_Name(planned.expected_outcome),
        planned.expected_code == v1::REASON_CODE_UNSPECIFIED
            ? ""
            : " with " + v1::ReasonCode_Name(planned.expected_code),
        v1::Outcome_Name(ack.outcome), Codes(ack.reasons), what));
  };
  for (size_t i = 0; i < submissions.size() && i < report.acks.size(); ++i) {
    const auto& planned = submissions[i];
    const auto& ack = report.acks[i];
    if (!ack.answered) {
      mismatch(planned, ack, " (no answer)");
      continue;
    }
    const bool counted_kind = planned.expected_outcome == v1::OUTCOME_ACCEPTED ||
                              planned.expected_outcome == v1::OUTCOME_ACCEPTED_WITH_FLAGS;
    if (counted_kind && ack.resent_after_reconnect && ack.outcome == v1::OUTCOME_DUPLICATE) {
      check.duplicates_after_reconnect += 1;
      continue;
    }
    const bool accepted =
        ack.outcome == v1::OUTCOME_ACCEPTED || ack.outcome == v1::OUTCOME_ACCEPTED_WITH_FLAGS;
    if (planned.expected_outcome == v1::OUTCOME_DUPLICATE && accepted && report.reconnects > 0) {
      check.resends_accepted_again += 1;
      continue;
    }
    if (ack.outcome != planned.expected_outcome) {
      mismatch(planned, ack, "");
      continue;
    }
    switch (planned.expected_outcome) {
      case v1::OUTCOME_ACCEPTED_WITH_FLAGS:
        // Exactly the one relation the simulator broke.
        if (ack.reasons.size() != 1 || ack.reasons[0].code() != planned.expected_code) {
          mismatch(planned, ack, " (wrong flags)");
        }
        break;
      case v1::OUTCOME_REJECTED:
        if (!HasCode(ack.reasons, planned.expected_code)) {
          mismatch(planned, ack, " (reason missing)");
        }
        break;
      default:
        break;
    }
  }
  return check;
}

Tally TallyOf(const v1::Figures& figures) {
  Tally tally;
  tally.registered_voters = figures.registered_voters();
  tally.additional_list_voters = figures.additional_list_voters();
  tally.ballots_received = figures.ballots_received();
  tally.ballots_issued = figures.ballots_issued();
  tally.ballots_cancelled = figures.ballots_cancelled();
  tally.ballots_in_box = figures.ballots_in_box();
  tally.ballots_spoiled = figures.ballots_spoiled();
  tally.ballots_valid = figures.ballots_valid();
  for (const auto& line : figures.option_votes()) {
    tally.option_votes[line.option_id()] += line.votes();
  }
  return tally;
}

void DiffTally(const std::string& where, const Tally& got, const Tally& want,
               std::vector<std::string>& out) {
  auto check = [&](const char* field, int64_t g, int64_t w) {
    if (g != w) {
      out.push_back(fmt::format("{}: {} {}, expected {} ({:+})", where, field, g, w, g - w));
    }
  };
  check("registered_voters", got.registered_voters, want.registered_voters);
  check("additional_list_voters", got.additional_list_voters, want.additional_list_voters);
  check("ballots_received", got.ballots_received, want.ballots_received);
  check("ballots_issued", got.ballots_issued, want.ballots_issued);
  check("ballots_cancelled", got.ballots_cancelled, want.ballots_cancelled);
  check("ballots_in_box", got.ballots_in_box, want.ballots_in_box);
  check("ballots_spoiled", got.ballots_spoiled, want.ballots_spoiled);
  check("ballots_valid", got.ballots_valid, want.ballots_valid);
  check("stations_reporting", got.stations_reporting, want.stations_reporting);
  check("flagged_count", got.flagged_count, want.flagged_count);
  for (const auto& [option_id, votes] : want.option_votes) {
    auto it = got.option_votes.find(option_id);
    if (it == got.option_votes.end()) {
      out.push_back(
          fmt::format("{}: option '{}' missing, expected {} votes", where, option_id, votes));
    } else {
      check(("votes of '" + option_id + "'").c_str(), it->second, votes);
    }
  }
  for (const auto& [option_id, votes] : got.option_votes) {
    if (!want.option_votes.contains(option_id)) {
      out.push_back(
          fmt::format("{}: unexpected option '{}' with {} votes", where, option_id, votes));
    }
  }
}

VerifyReport VerifyPublication(const domain::Registry& registry, const Truth& truth,
                               const VerifyOptions& options) {
  VerifyReport report;
  Comparer comparer(registry, truth, options);
  const auto deadline = Clock::now() + options.timeout;
  std::vector<std::string> contests;
  for (const auto& contest : registry.election().contests()) {
    if (truth.FindArea(registry.nation_id(), contest.contest_id()) != nullptr) {
      contests.push_back(contest.contest_id());
    }
  }

  // Wait until every counted protocol shows in the nation totals.
  auto last_report = Clock::now() - std::chrono::seconds(1);
  std::vector<std::string> waiting;
  while (true) {
    waiting.clear();
    std::string progress;
    for (const auto& contest_id : contests) {
      const int64_t want = truth.FindArea(registry.nation_id(), contest_id)->stations_reporting;
      auto totals = comparer.NationTotals(contest_id);
      if (auto* error = std::get_if<std::string>(&totals)) {
        waiting.push_back(fmt::format("nation × {}: GetAreaTotals failed: {}", contest_id, *error));
        progress += fmt::format(" {} unavailable;", contest_id);
        continue;
      }
      const auto& published = std::get<v1::AreaTotals>(totals);
      Tally tally = TallyOf(published.figures());
      tally.option_votes.clear();
      for (const auto& line : published.options())
        tally.option_votes[line.option_id()] += line.votes();
      tally.stations_reporting = published.stations_reporting();
      tally.flagged_count = published.flagged_count();
      report.published_nation[contest_id] = tally;
      progress += fmt::format(" {} {}/{};", contest_id, published.stations_reporting(), want);
      if (published.stations_reporting() != want) {
        waiting.push_back(fmt::format("nation × {}: stations_reporting {}, expected {}", contest_id,
                                      published.stations_reporting(), want));
      }
    }
    if (waiting.empty()) {
      report.reporting_complete = true;
      break;
    }
    if (Clock::now() >= deadline) break;
    if (options.on_progress && Clock::now() - last_report >= std::chrono::seconds(1)) {
      options.on_progress("waiting for publication:" + progress);
      last_report = Clock::now();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }

  // Compare everything; publication may lag a moment behind on some keys, so a round with
  // mismatches is repeated while time is left.
  while (true) {
    report.rounds += 1;
    auto found = comparer.CompareAll(report.areas_checked, report.stations_checked);
    report.mismatches.clear();
    if (!report.reporting_complete) {
      for (auto& line : waiting) report.mismatches.push_back("timed out: " + line);
    }
    report.mismatch_count = static_cast<int64_t>(report.mismatches.size() + found.size());
    for (auto& entry : found) {
      if (report.mismatches.size() >= options.max_listed) break;
      report.mismatches.push_back(std::move(entry.line));
    }
    if (report.mismatch_count == 0 || Clock::now() >= deadline) break;
    if (options.on_progress) {
      options.on_progress(fmt::format("{} mismatches in round {}, checking again",
                                      report.mismatch_count, report.rounds));
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  return report;
}

}  // namespace hattama::hub
