// The log's rule: hattama.tlog.v1's records in order are the leaves, except a record that is no
// entry and one whose source an earlier leaf logs.
#include "services/tlog/log_tree.h"

#include <gtest/gtest.h>

#include "tests/tlog/tlog_testing.h"

namespace hattama::transparency {
namespace {

using testing::EntryOf;

TEST(TlogLogTree, EveryRecordWithANewSourceIsTheNextLeaf) {
  LogTree tree;
  tlog::MemoryTree expected;
  for (int64_t offset = 0; offset < 10; ++offset) {
    const std::string entry = EntryOf("s-" + std::to_string(offset), offset % 3, offset);
    auto appended = tree.Append(entry);
    EXPECT_EQ(appended.outcome, LogTree::Outcome::kLeaf);
    EXPECT_EQ(appended.index, offset);
    expected.Append(tlog::LeafHash(entry));
  }
  EXPECT_EQ(tree.Head(), expected.Head());
  EXPECT_EQ(tree.logged(), 10);
}

TEST(TlogLogTree, ARecordLoggingASourceAgainIsNoLeaf) {
  LogTree tree;
  tree.Append(EntryOf("s-1", 0, 0));
  tree.Append(EntryOf("s-2", 0, 1));
  const auto before = tree.Head();
  // The same source, whatever the record now says.
  auto again = tree.Append(EntryOf("s-1", 0, 0));
  EXPECT_EQ(again.outcome, LogTree::Outcome::kDuplicateSource);
  auto other_content = tree.Append(EntryOf("s-9", 0, 1));
  EXPECT_EQ(other_content.outcome, LogTree::Outcome::kDuplicateSource);
  EXPECT_EQ(tree.Head(), before);
  EXPECT_EQ(tree.Append(EntryOf("s-3", 0, 2)).index, 2);
}

TEST(TlogLogTree, ARecordThatIsNoEntryIsNoLeaf) {
  LogTree tree;
  tree.Append(EntryOf("s-1", 0, 0));
  auto garbage = tree.Append("not an entry");
  EXPECT_EQ(garbage.outcome, LogTree::Outcome::kMalformed);
  EXPECT_FALSE(garbage.why.empty());
  EXPECT_EQ(tree.Head().size, 1);
}

TEST(TlogLogTree, ResumesEachPartitionAtItsFirstOffsetNotLogged) {
  LogTree tree;
  for (int64_t offset : {0, 1, 2, 4}) tree.Append(EntryOf("a", 0, offset));
  tree.Append(EntryOf("b", 1, 0));
  EXPECT_EQ(tree.ResumeOffset(0), 3);
  EXPECT_EQ(tree.ResumeOffset(1), 1);
  EXPECT_EQ(tree.ResumeOffset(2), 0);
  EXPECT_TRUE(tree.IsLogged({.partition = 0, .offset = 4}));
  EXPECT_FALSE(tree.IsLogged({.partition = 0, .offset = 3}));
}

TEST(TlogLogTree, FindsEveryLeafOfASubmissionId) {
  LogTree tree;
  tree.Append(EntryOf("s-1", 0, 0));
  tree.Append(EntryOf("s-2", 1, 0));
  tree.Append(EntryOf("s-1", 2, 0));  // a copy written twice: two records, two leaves
  EXPECT_EQ(tree.CandidateLeaves("s-1"), (std::vector<int64_t>{0, 2}));
  EXPECT_EQ(tree.CandidateLeaves("s-2"), (std::vector<int64_t>{1}));
  EXPECT_TRUE(tree.CandidateLeaves("s-3").empty());
}

TEST(TlogLogTree, PartitionEndsAreTheOffsetsBelowWhichEveryRecordIsALeaf) {
  LogTree tree;
  EXPECT_EQ(tree.PartitionEnds(3), (std::vector<int64_t>{0, 0, 0}));
  for (int64_t offset : {0, 1, 2, 4}) tree.Append(EntryOf("a", 0, offset));  // 3 is missing
  tree.Append(EntryOf("b", 2, 0));
  // Partition 1 has no leaf; offset 4 of partition 0 is a leaf, but 3 is not, so the end is 3.
  EXPECT_EQ(tree.PartitionEnds(3), (std::vector<int64_t>{3, 0, 1}));
  tree.Append(EntryOf("a", 0, 3));
  EXPECT_EQ(tree.PartitionEnds(3), (std::vector<int64_t>{5, 0, 1}));
  // A leaf of a partition beyond the count given counts that partition too.
  tree.Append(EntryOf("c", 4, 0));
  EXPECT_EQ(tree.PartitionEnds(3), (std::vector<int64_t>{5, 0, 1, 0, 1}));
  // A partition whose first leaf is not offset 0 ends at 0: nothing below is known to be there.
  LogTree late;
  late.Append(EntryOf("d", 0, 7));
  EXPECT_EQ(late.PartitionEnds(1), (std::vector<int64_t>{0}));
}

}  // namespace
}  // namespace hattama::transparency
