// Faults injected while work is in flight, for the chaos suites (tests/chaos,
// tests/tlog/tlog_chaos_test.cc): a night's submissions streamed to ingestion on a worker thread
// while the calling thread injects each fault at its moment, and a check that every fault landed
// while the hubs still had more to send than their windows hold, so that the parts had to carry
// that work through the fault.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "hattama/v1/ingestion.pb.h"
#include "tests/testing/eventually.h"
#include "tools/hub/client/client.h"
#include "tools/hub/simulator/planned_submission.h"

namespace hattama::testing {

struct InjectingStreamOptions {
  std::string ingestion_address;
  // Submissions each hub keeps unanswered (hub::StreamOptions::window).
  int64_t window = 64;
  // Injection k comes once fractions[k] of the submissions are answered...
  std::vector<double> fractions;
  // ...and ready(k) holds, when given: the state of the system the fault is meant for. It is
  // polled from the start of injection k's wait, before the answers are counted, so its first
  // call for k sees the system as that wait begins.
  std::function<bool(int k)> ready;
  // How long injection k may wait for its moment, and how often it looks.
  std::chrono::milliseconds wait = std::chrono::seconds(120);
  std::chrono::milliseconds poll = std::chrono::milliseconds(1);
  // How long the hubs take over each answer until the last injection: read a little slowly, a
  // fast stream cannot outrun the faults.
  std::chrono::milliseconds answer_delay = std::chrono::milliseconds(2);
  // Injects fault k. Called on the calling thread, like `after`: a process (re)started there
  // lives as long as that thread (PR_SET_PDEATHSIG), not as long as the stream's worker.
  std::function<void(int k)> inject;
  // Called once injection k was checked and said (e.g. to restart what it killed); optional.
  std::function<void(int k)> after;
  // Says where each injection landed, e.g. a suite's "[chaos] ..." printer.
  std::function<void(const std::string&)> say;
};

// Streams `submissions` (in their hubs, answers counted as they arrive) and injects each fault of
// `options` at its moment; returns the stream's report once it ended. Fails the running test when
// an injection's moment never came before the stream ended or its wait ran out, or when it landed
// with no more left to send than the hubs' windows hold.
inline hub::StreamReport StreamInjecting(const std::vector<hub::PlannedSubmission>& submissions,
                                         const InjectingStreamOptions& options) {
  const int64_t total = static_cast<int64_t>(submissions.size());
  std::set<std::string> hub_ids;
  for (const auto& planned : submissions) hub_ids.insert(planned.submission.hub_id());
  const int64_t hubs = static_cast<int64_t>(hub_ids.size());
  std::atomic<int64_t> acked{0};
  std::atomic<bool> injecting{true};
  std::atomic<bool> finished{false};
  hub::StreamReport report;
  std::thread streamer([&] {
    auto streamed =
        hub::StreamSubmissions(submissions, {.ingestion_address = options.ingestion_address,
                                             .window = options.window,
                                             .on_answer = [&](size_t, const v1::SubmissionAck&) {
                                               ++acked;
                                               if (injecting)
                                                 std::this_thread::sleep_for(options.answer_delay);
                                             }});
    EXPECT_TRUE(streamed.ok()) << streamed.status().message();
    if (streamed.ok()) report = std::move(streamed).value();
    finished = true;
  });
  for (size_t next = 0; next < options.fractions.size(); ++next) {
    const int k = static_cast<int>(next);
    const auto due = static_cast<int64_t>(options.fractions[next] * total);
    bool ready = false;
    bool moment = false;
    Eventually(
        [&] {
          if (finished) return true;
          ready = !options.ready || options.ready(k);
          moment = ready && acked.load() >= due;
          return moment;
        },
        options.wait, options.poll);
    EXPECT_TRUE(moment) << "injection " << k << " waited in vain: " << acked.load() << " of " << due
                        << " answers, " << (ready ? "" : "not ") << "ready, the stream "
                        << (finished ? "" : "not ") << "finished";
    options.inject(k);
    const int64_t answered = acked.load();
    EXPECT_LT(answered + hubs * options.window, total)
        << "injection " << k << " came after the stream had sent everything: " << answered << " of "
        << total << " answered";
    options.say(
        fmt::format("injection {} landed with {} of {} submissions answered", k, answered, total));
    if (options.after) options.after(k);
  }
  injecting = false;
  streamer.join();
  return report;
}

}  // namespace hattama::testing
