// hattama-hub send: a real hub's own submissions, streamed from a JSON Lines file with the
// answers journaled (SendFile, tools/hub/client/send.h), and the counts a person reads.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstdio>

#include "tools/hub/commands.h"

namespace hattama::hub {

int Send(const Flags& flags, SendOptions options) {
  ApplyConnectionFlags(flags, options.stream);
  options.stream.on_progress = [](const StreamProgress& p) {
    fmt::print("sending: {}/{} answered, {:.0f} answers/s, {:.1f} s{}\n", p.acked, p.total,
               p.acks_per_second, p.elapsed_seconds,
               p.reconnects > 0 ? fmt::format(", {} reconnects", p.reconnects) : "");
    std::fflush(stdout);
  };
  auto summary = SendFile(options);
  if (!summary.ok()) {
    spdlog::error("{}", summary.status().message());
    return kFailure;
  }
  fmt::print(
      "{} submissions: {} accepted, {} accepted with flags, {} duplicate, {} rejected, {} not "
      "sent ({} answered in an earlier run, {} reconnects, {:.1f} s)\nanswers journaled in {}; "
      "not accepted ones with reasons in {}\n",
      summary->submissions, summary->accepted, summary->flagged, summary->duplicate,
      summary->rejected, summary->not_sent, summary->already_answered, summary->reconnects,
      summary->seconds, options.journal.empty() ? options.file + ".answers.jsonl" : options.journal,
      options.not_accepted.empty() ? options.file + ".not-accepted.jsonl" : options.not_accepted);
  return summary->rejected > 0 || summary->not_sent > 0 ? kMismatch : 0;
}

}  // namespace hattama::hub
