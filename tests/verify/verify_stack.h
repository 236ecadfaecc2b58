// The whole stack with hattama-tlog and a synthetic night with signed protocols, sent in two
// halves by `hattama-hub send` as a real hub sends them, for the tests of hattama-verify, which
// run it as a process the way a user would: the log's URL and verifier key on the command line.
#pragma once

#include <fmt/format.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/testing/eventually.h"
#include "tests/testing/night.h"
#include "tools/hub/simulator/observer_registry.h"
#include "tools/hub/simulator/plan.h"
#include "tools/hub/simulator/registry_files.h"
#include "tools/hub/simulator/synthetic.h"
#include "tools/stack/stack.h"
#include "tools/verify/log_client.h"

namespace hattama::verify::testing {

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

// What a run of a binary printed (stdout and stderr together) and its exit status.
struct Run {
  int status = -1;
  std::string output;
};

// Runs `argv` to its end (at most `timeout`), its output in `log`.
inline Run RunBinary(std::vector<std::string> argv, const std::string& log,
                     std::chrono::seconds timeout = std::chrono::seconds(120)) {
  std::filesystem::remove(log);
  auto process = stack::Process::Start({.argv = std::move(argv), .log_path = log});
  EXPECT_TRUE(process.ok()) << process.status().message();
  if (!process.ok()) return {};
  auto status = (*process)->Wait(timeout);
  EXPECT_TRUE(status.ok()) << "did not end within " << timeout.count() << " s";
  return {.status = status.ok() ? *status : -1, .output = ReadFile(log)};
}

class VerifyStack : public ::testing::Test {
 protected:
  // Starts the stack (hattama-tlog with `tlog_flags`) and sends the night in two halves, saving the
  // log's checkpoint after the first half in old_checkpoint_.
  void StartAndSendNight(std::vector<std::string> tlog_flags = {}) {
    auto generated = hub::GenerateRegistryFiles({.stations = 120, .seed = kSeed}, dir());
    ASSERT_TRUE(generated.ok()) << generated.status().message();
    // As generate --signing does: one organisation's observers sign with keys.
    auto unsigned_plan = hub::DrawPlan(**generated, NightOptions());
    ASSERT_TRUE(unsigned_plan.ok());
    ASSERT_TRUE(
        hub::WriteObserverRegistry(*unsigned_plan, dir(), {.seed = kSeed, .signing = true}).ok());
    auto registry = hub::LoadRegistryFiles(dir());
    ASSERT_TRUE(registry.ok()) << registry.status().message();
    auto plan = hub::DrawPlan(**registry, NightOptions());
    ASSERT_TRUE(plan.ok()) << plan.status().message();
    plan_ = std::move(plan).value();

    auto stack = stack::Stack::Start({.registry_dir = dir(),
                                      .partitions = 4,
                                      .tlog = true,
                                      .tlog_flags = std::move(tlog_flags)});
    ASSERT_TRUE(stack.ok()) << stack.status().message();
    stack_ = std::move(stack).value();
    log_url_ = "http://" + stack_->tlog_http_address();
    auto key = tlog::NoteVerifier::FromVerifierKey(stack_->tlog_verifier_key());
    ASSERT_TRUE(key.ok());
    auto client = LogClient::Create(log_url_, *key);
    ASSERT_TRUE(client.ok());
    client_ = std::move(client).value();

    const std::size_t half = plan_.submissions.size() / 2;
    const std::string first = Send("night-1.jsonl", 0, half);
    const std::string old_note = WaitForLogToHoldAnswers(first);
    WriteFile(old_checkpoint(), old_note);
    answers_ = Send("night-2.jsonl", half, plan_.submissions.size());
    WaitForLogToHoldAnswers(answers_);
  }

  // Writes submissions [begin, end) as a hub's JSON Lines file and runs hattama-hub send on it;
  // returns the answers file it wrote.
  std::string Send(const std::string& name, std::size_t begin, std::size_t end) {
    const std::string file = dir() + "/" + name;
    std::string lines;
    for (std::size_t i = begin; i < end; ++i) {
      const v1::Submission& submission = plan_.submissions[i].submission;
      // send refuses a file whose line names no id or hub; a real hub's file has both.
      if (submission.submission_id().empty() || submission.hub_id().empty()) continue;
      std::string json;
      EXPECT_TRUE(google::protobuf::util::MessageToJsonString(submission, &json).ok());
      lines += json + "\n";
    }
    WriteFile(file, lines);
    const testing::Run sent = RunBinary({stack::BinaryPath("hattama-hub"), "send", file,
                                         "--ingestion", stack_->ingestion_address()},
                                        file + ".log");
    // 1: some were rejected, as the night plans.
    EXPECT_TRUE(sent.status == 0 || sent.status == 1) << sent.output;
    return file + ".answers.jsonl";
  }

  // Waits until the log's signed checkpoint proves every submission `answers` says is logged
  // (the writer follows ingestion's topic); returns that checkpoint's signed note.
  std::string WaitForLogToHoldAnswers(const std::string& answers) {
    std::string note;
    const bool held = hattama::testing::Eventually(
        [&] {
          const testing::Run run = Verify({"inclusion", answers}, "wait");
          auto checkpoint = client_->FetchCheckpoint();
          if (checkpoint.ok()) note = checkpoint->signed_note;
          return run.status == 0;
        },
        std::chrono::seconds(60), std::chrono::milliseconds(500));
    EXPECT_TRUE(held) << "the log did not come to hold " << answers;
    return note;
  }

  // Runs hattama-verify <args> with --log-url and --log-key of the stack's log.
  testing::Run Verify(std::vector<std::string> args, const std::string& name) {
    std::vector<std::string> argv = {stack::BinaryPath("hattama-verify")};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--log-url", log_url_, "--log-key", stack_->tlog_verifier_key()});
    return RunBinary(std::move(argv), dir() + "/verify-" + name + ".log");
  }

  const std::string& dir() const { return dir_.path(); }
  std::string old_checkpoint() const { return dir() + "/old.checkpoint"; }

  static constexpr std::uint64_t kSeed = 31;
  static hub::PlanOptions NightOptions() {
    return hattama::testing::NightPlanOptions(kSeed, /*hubs=*/2);
  }

  stack::TempDir dir_{"hattama-verify-stack"};
  hub::Plan plan_;
  std::unique_ptr<stack::Stack> stack_;
  std::string log_url_;
  std::unique_ptr<LogClient> client_;
  std::string answers_;  // of the night's second half
};

}  // namespace hattama::verify::testing
