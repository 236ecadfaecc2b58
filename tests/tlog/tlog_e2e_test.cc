// A synthetic election night through the whole stack with hattama-tlog: every record ingestion
// wrote is a leaf exactly once, every accepted submission is proven included in the signed
// checkpoint, and the tiles directory, deleted, is written again with the same root and the same
// bytes in every file a verifier of the last checkpoint reads.
#include <filesystem>

#include "tests/tlog/tlog_stack_fixture.h"
#include "tests/tlog/tlog_testing.h"

namespace hattama::transparency::testing {
namespace {

namespace fs = std::filesystem;

TEST_F(TlogStack, EveryAcceptedSubmissionOfTheNightIsALeafOnceAndTheTilesComeBackTheSame) {
  StartStack(300);
  auto report =
      hub::StreamSubmissions(plan_.submissions, {.ingestion_address = stack_->ingestion_address()});
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->accepted, plan_.expected.accepted);
  EXPECT_GT(report->duplicate, 0);
  EXPECT_GT(report->rejected, 0);
  const tlog::Checkpoint checkpoint = CheckEveryRecordLoggedOnce(*report);

  // The tiles directory lost: the writer, restarted, rebuilds it from hattama.tlog.v1.
  stack_->tlog().Stop();
  const auto written = TileFiles(stack_->tlog_tiles_dir());
  fs::remove_all(stack_->tlog_tiles_dir());
  ASSERT_TRUE(stack_->RestartTlog().ok());
  auto rebuilt = client_->WaitForSize(checkpoint.size, std::chrono::seconds(60));
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status().message();
  EXPECT_EQ(rebuilt->size, checkpoint.size);
  EXPECT_EQ(rebuilt->root, checkpoint.root);
  stack_->tlog().Stop();
  EXPECT_EQ(
      CheckpointFileDifferences(TileFiles(stack_->tlog_tiles_dir()), written, checkpoint.size), "");
  Say(
      fmt::format("the tiles directory deleted and rebuilt from {}: the same root at size {} and "
                  "the same bytes in every file a verifier of it reads",
                  kafka::kTlogTopic, checkpoint.size));
}

}  // namespace
}  // namespace hattama::transparency::testing
