// hattama-tlog SIGKILLed again and again while a synthetic night streams through the whole stack:
// afterwards every record ingestion wrote is a leaf exactly once, every accepted submission is
// proven included, and a writer that never died, reading the same hattama.tlog.v1, gives the same
// tree and the same tiles.
#include <csignal>
#include <filesystem>
#include <fstream>

#include "tests/testing/injecting_stream.h"
#include "tests/tlog/tlog_stack_fixture.h"
#include "tests/tlog/tlog_testing.h"

namespace hattama::transparency::testing {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kWindow = 64;

int CountLines(const std::string& path, const std::string& needle) {
  std::ifstream in(path);
  int count = 0;
  for (std::string line; std::getline(in, line);) count += line.find(needle) != std::string::npos;
  return count;
}

TEST_F(TlogStack, WriterKilledMidStreamLogsEveryRecordOnceAsAWriterThatNeverDied) {
  // At most two leaf writes in flight keep the writer behind the hubs, so that every kill finds
  // records it has not logged yet, and writes it has started.
  StartStack(800, {"--max-in-flight", "2"});
  auto tlog_end = kafka::Reader::Create(stack_->kafka().bootstrap(), kafka::kTlogTopic);
  auto records_end = kafka::Reader::Create(stack_->kafka().bootstrap(), kafka::kSubmissionsTopic);
  ASSERT_TRUE(tlog_end.ok() && records_end.ok());
  auto logged_now = [&] {
    EXPECT_TRUE((*tlog_end)->AssignAtEnd(std::chrono::seconds(10)).ok());
    return (*tlog_end)->Positions().at(0);
  };
  auto records_now = [&] {
    EXPECT_TRUE((*records_end)->AssignAtEnd(std::chrono::seconds(10)).ok());
    return Sum((*records_end)->Positions());
  };
  int kills = 0;
  int waiting_for = -1;
  int64_t logged_at_start = 0;
  int64_t logged_before = 0;
  int64_t records_before = 0;
  auto report = hattama::testing::StreamInjecting(
      plan_.submissions,
      {.ingestion_address = stack_->ingestion_address(),
       .window = kWindow,
       .fractions = {0.2, 0.45, 0.7},
       // Each kill also waits for this writer to have logged a hundred records since its wait
       // began, and for records it has not logged yet, looked at just before: it lands while the
       // writer is writing, not while it starts or idles.
       .ready =
           [&](int kill) {
             if (kill != waiting_for) {
               waiting_for = kill;
               logged_at_start = logged_now();
             }
             logged_before = logged_now();
             records_before = records_now();
             return logged_before >= logged_at_start + 100 && records_before - logged_before >= 5;
           },
       .wait = std::chrono::seconds(60),
       .poll = std::chrono::milliseconds(2),
       .answer_delay = std::chrono::milliseconds(4),
       .inject =
           [&](int) {
             stack_->tlog().Signal(SIGKILL);
             (void)stack_->tlog().Wait(std::chrono::seconds(5));
             ++kills;
           },
       .after =
           [&](int) {
             Say(fmt::format(
                 "kill {}: the writer, which had logged {} records, was {} behind the "
                 "{} in {}; {} in {} after it",
                 kills, logged_before - logged_at_start, records_before - logged_before,
                 records_before, kafka::kSubmissionsTopic, logged_now(), kafka::kTlogTopic));
             ASSERT_TRUE(stack_->RestartTlog().ok());
           },
       .say = Say});
  ASSERT_EQ(kills, 3);
  Say(
      fmt::format("injected: {} SIGKILLs of hattama-tlog mid-stream, each restarted over the same "
                  "tiles directory",
                  kills));
  const tlog::Checkpoint checkpoint = CheckEveryRecordLoggedOnce(report);
  const int skipped = CountLines(stack_->log_dir() + "/tlog.log", "not a leaf twice");
  const int resyncs = CountLines(stack_->log_dir() + "/tlog.log", "reading hattama.submissions.v1");
  Say(
      fmt::format("the writers resynced {} times; {} records of {} logged a source again and were "
                  "no leaf",
                  resyncs, skipped, kafka::kTlogTopic));

  // A writer that never died, reading the same hattama.tlog.v1 into a directory of its own.
  stack_->tlog().Stop();
  stack::TempDir fresh_dir("hattama-tlog-fresh");
  const std::string address = "127.0.0.1:" + std::to_string(stack::FreePort());
  const int http_port = stack::FreePort();
  const std::string http_address = "127.0.0.1:" + std::to_string(http_port);
  auto fresh = stack::Process::Start(
      {.argv = {stack::BinaryPath("hattama-tlog"), "--kafka-bootstrap", stack_->kafka().bootstrap(),
                "--tiles-dir", fresh_dir.path() + "/tiles", "--log-key", stack_->tlog_key_path(),
                "--listen", address, "--http-listen", http_address, "--log-format", "json"},
       .log_path = stack_->log_dir() + "/tlog-fresh.log"});
  ASSERT_TRUE(fresh.ok());
  ASSERT_TRUE(stack::WaitUntilListening(**fresh, http_port, std::chrono::seconds(30)).ok());
  TlogClient fresh_client(address, http_address, stack_->tlog_verifier_key());
  auto fresh_checkpoint = fresh_client.WaitForSize(checkpoint.size, std::chrono::seconds(60));
  ASSERT_TRUE(fresh_checkpoint.ok()) << fresh_checkpoint.status().message();
  EXPECT_EQ(fresh_checkpoint->size, checkpoint.size);
  EXPECT_EQ(fresh_checkpoint->root, checkpoint.root);
  (*fresh)->Stop();
  EXPECT_EQ(CheckpointFileDifferences(TileFiles(fresh_dir.path() + "/tiles"),
                                      TileFiles(stack_->tlog_tiles_dir()), checkpoint.size),
            "");
  Say(fmt::format("a writer that never died read {} into the same tree: size {}, root {}",
                  kafka::kTlogTopic, fresh_checkpoint->size,
                  tlog::HashToBase64(fresh_checkpoint->root)));
}

}  // namespace
}  // namespace hattama::transparency::testing
