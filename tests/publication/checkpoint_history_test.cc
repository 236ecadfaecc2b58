// Which checkpoint of the transparency log covers a published total's partition ends.
#include "services/publication/checkpoint_history.h"

#include <gtest/gtest.h>

namespace hattama::publication {
namespace {

v1::SignedCheckpoint Checkpoint(int64_t size, const std::vector<int64_t>& ends) {
  v1::SignedCheckpoint checkpoint;
  checkpoint.set_tree_size(size);
  checkpoint.set_signed_note("note of size " + std::to_string(size));
  for (int64_t end : ends) checkpoint.add_partition_ends(end);
  return checkpoint;
}

TEST(CheckpointHistory, CoversWithTheSmallestCheckpointHoldingEveryPartitionsEnd) {
  CheckpointHistory history;
  history.Add(Checkpoint(4, {2, 1, 1}));
  history.Add(Checkpoint(9, {4, 3, 2}));
  history.Add(Checkpoint(15, {6, 5, 4}));

  EXPECT_EQ(history.CoveringTreeSize(std::vector<int64_t>{2, 1, 1}), 4);
  EXPECT_EQ(history.CoveringTreeSize(std::vector<int64_t>{2, 1, 2}), 9);
  EXPECT_EQ(history.CoveringTreeSize(std::vector<int64_t>{5, 0, 0}), 15);
  EXPECT_EQ(history.CoveringTreeSize(std::vector<int64_t>{6, 5, 5}), 0) << "the log is behind";
  // A partition the totals do not name holds nothing of theirs; one the checkpoint does not name
  // holds nothing at all.
  EXPECT_EQ(history.CoveringTreeSize(std::vector<int64_t>{3}), 9);
  EXPECT_EQ(history.CoveringTreeSize(std::vector<int64_t>{0, 0, 0, 1}), 0);
}

TEST(CheckpointHistory, NothingIsCoveredBeforeTheFirstCheckpoint) {
  CheckpointHistory history;
  EXPECT_FALSE(history.Newest().has_value());
  EXPECT_EQ(history.CoveringTreeSize(std::vector<int64_t>{1, 0}), 0);
}

TEST(CheckpointHistory, ACheckpointWithoutPartitionEndsCoversNoRecord) {
  CheckpointHistory history;
  history.Add(Checkpoint(30, {}));
  EXPECT_EQ(history.CoveringTreeSize(std::vector<int64_t>{1, 0}), 0);
  EXPECT_EQ(history.CoveringTreeSize(std::vector<int64_t>{0, 0}), 30);
}

TEST(CheckpointHistory, TheNewestIsKeptWholeAndTheSameSizeAgainReplacesIt) {
  CheckpointHistory history;
  history.Add(Checkpoint(4, {2, 2}));
  auto cosigned = Checkpoint(4, {2, 2});
  cosigned.add_cosignatures()->set_witness("witness-1");
  history.Add(cosigned);

  ASSERT_TRUE(history.Newest().has_value());
  EXPECT_EQ(history.Newest()->SerializeAsString(), cosigned.SerializeAsString());
  EXPECT_EQ(history.CoveringTreeSize(std::vector<int64_t>{2, 2}), 4);
}

TEST(CheckpointHistory, RemembersItsDepthOfCheckpointsAndForgetsOlderOnes) {
  CheckpointHistory history(/*depth=*/3);
  for (int64_t size = 1; size <= 5; ++size) history.Add(Checkpoint(size, {size}));

  // Sizes 3, 4 and 5 are remembered: an older total is covered by the oldest of them.
  EXPECT_EQ(history.CoveringTreeSize(std::vector<int64_t>{1}), 3);
  EXPECT_EQ(history.CoveringTreeSize(std::vector<int64_t>{4}), 4);
  EXPECT_EQ(history.Newest()->tree_size(), 5);
}

TEST(CheckpointHistory, ASmallerTreeStartsTheHistoryAnew) {
  CheckpointHistory history;
  history.Add(Checkpoint(10, {5, 5}));
  history.Add(Checkpoint(2, {1, 1}));

  EXPECT_EQ(history.Newest()->tree_size(), 2);
  EXPECT_EQ(history.CoveringTreeSize(std::vector<int64_t>{3, 3}), 0);
  EXPECT_EQ(history.CoveringTreeSize(std::vector<int64_t>{1, 1}), 2);
}

}  // namespace
}  // namespace hattama::publication
