// The benchmark's hub: streams submissions over bidi gRPC streams with a window per stream and an
// optional rate, records when each was sent and answered, and (optionally) how long each sampled
// submission took from being sent to being visible in publication, by polling GetStationResults
// until the station's counted_submission_id is the sampled submission's.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "hattama/v1/ingestion.pb.h"

namespace hattama::bench {

using Clock = std::chrono::steady_clock;

using SubmissionStream = grpc::ClientReaderWriter<v1::StreamSubmissionsRequest, v1::SubmissionAck>;
// Opens one stream on `context` (ingestion's StreamSubmissions, or the echo service's Echo).
using OpenStream = std::function<std::unique_ptr<SubmissionStream>(grpc::ClientContext*)>;

struct LoadOptions {
  OpenStream open;
  int streams = 4;
  // Submissions sent and not answered yet, per stream.
  int64_t window = 1024;
  // Submissions per second over all streams; 0: as fast as the windows allow. When paced, a
  // submission's send time is its scheduled time, so a client held back by a full window (the
  // service falling behind) shows in the latency rather than hiding it.
  double rate = 0;
  // When paced: each stream wakes once a tick and sends the submissions due within it together
  // (their clocks still start when each was due). Zero: each when it is due.
  Clock::duration send_tick{};
  // Publication's gRPC address; empty: no visibility sampling.
  std::string publication_address;
  // Every n-th submission is watched until it is visible (only accepted ones count).
  int64_t sample_every = 1;
  // Gives up on a sample that is not visible this long after the last answer.
  std::chrono::milliseconds visible_timeout{60'000};
  // Called on a stream's reader thread with each answer: submissions[index] was answered
  // `outcome` at `answered` (the portal benchmark times freshness from there).
  std::function<void(size_t index, v1::Outcome outcome, Clock::time_point answered)> on_answer;
};

struct LoadResult {
  int64_t sent = 0;
  int64_t accepted = 0;  // ACCEPTED and ACCEPTED_WITH_FLAGS
  int64_t flagged = 0;
  int64_t duplicate = 0;
  int64_t rejected = 0;
  int64_t unanswered = 0;
  Clock::time_point first_send;
  Clock::time_point last_answer;
  // Send -> answer of every answered submission, milliseconds.
  std::vector<double> answer_ms;
  // Send -> visible in publication of every sampled accepted submission, milliseconds.
  std::vector<double> visible_ms;
  int64_t samples_not_visible = 0;
  // Mean time from one pass of the poller to the next: how often the oldest pending samples are
  // asked for, the resolution of visible_ms.
  double poll_pass_ms = 0;
  // outcome[i] answers submissions[i] (OUTCOME_UNSPECIFIED when unanswered).
  std::vector<v1::Outcome> outcomes;

  double seconds() const { return std::chrono::duration<double>(last_answer - first_send).count(); }
  double accepted_per_second() const { return seconds() > 0 ? accepted / seconds() : 0; }
  double answered_per_second() const { return seconds() > 0 ? (sent - unanswered) / seconds() : 0; }
};

// Streams `submissions` (split round-robin over the streams) and waits for every answer and
// sample. An error when a stream fails: the benchmark measures a healthy stack, it does not retry.
Result<LoadResult> RunLoad(std::span<const v1::Submission> submissions, const LoadOptions& options);

// The q-quantile (0..1) of `values` (sorted in place); 0 for none.
double Quantile(std::vector<double>& values, double q);

}  // namespace hattama::bench
