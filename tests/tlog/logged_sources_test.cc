// Where the writer resumes: the lowest source offset of each partition the log does not hold.
#include "services/tlog/logged_sources.h"

#include <gtest/gtest.h>

namespace hattama::transparency {
namespace {

TEST(TlogLoggedSources, AnUnreadPartitionResumesAtItsBeginning) {
  LoggedSources sources;
  EXPECT_EQ(sources.ResumeOffset(0), 0);
  sources.Add({.partition = 1, .offset = 0});
  EXPECT_EQ(sources.ResumeOffset(0), 0);
  EXPECT_EQ(sources.ResumeOffset(1), 1);
}

TEST(TlogLoggedSources, ResumesAfterTheRunFromOffsetZero) {
  LoggedSources sources;
  for (int64_t offset = 0; offset < 100; ++offset) {
    EXPECT_TRUE(sources.Add({.partition = 2, .offset = offset}));
  }
  EXPECT_EQ(sources.ResumeOffset(2), 100);
  EXPECT_EQ(sources.size(), 100);
}

TEST(TlogLoggedSources, AWriteRedoneLaterLeavesAHoleToResumeAt) {
  // Offsets 0..9 and 11..19 logged; 10 failed and is not in the log.
  LoggedSources sources;
  for (int64_t offset = 0; offset < 20; ++offset) {
    if (offset != 10) sources.Add({.partition = 0, .offset = offset});
  }
  EXPECT_EQ(sources.ResumeOffset(0), 10);
  EXPECT_FALSE(sources.Contains({.partition = 0, .offset = 10}));
  EXPECT_TRUE(sources.Contains({.partition = 0, .offset = 11}));
  EXPECT_TRUE(sources.Contains({.partition = 0, .offset = 19}));
  EXPECT_FALSE(sources.Contains({.partition = 0, .offset = 20}));
  // Logged at last, the hole closes and the runs join.
  EXPECT_TRUE(sources.Add({.partition = 0, .offset = 10}));
  EXPECT_EQ(sources.ResumeOffset(0), 20);
}

TEST(TlogLoggedSources, ARecordLoggedTwiceIsAddedOnce) {
  LoggedSources sources;
  EXPECT_TRUE(sources.Add({.partition = 0, .offset = 5}));
  EXPECT_FALSE(sources.Add({.partition = 0, .offset = 5}));
  EXPECT_EQ(sources.size(), 1);
}

TEST(TlogLoggedSources, RunsJoinInAnyOrder) {
  LoggedSources sources;
  for (int64_t offset : {4, 2, 0, 3, 1, 7, 6, 5}) sources.Add({.partition = 0, .offset = offset});
  EXPECT_EQ(sources.ResumeOffset(0), 8);
  EXPECT_EQ(sources.size(), 8);
  for (int64_t offset = 0; offset < 8; ++offset) {
    EXPECT_TRUE(sources.Contains({.partition = 0, .offset = offset}));
  }
}

TEST(TlogLoggedSources, APartitionWhoseStartWasNeverLoggedResumesAtZero) {
  // Records 0..4 were never logged (say retention took them): resuming at 0 makes reading fail
  // loudly instead of skipping them.
  LoggedSources sources;
  sources.Add({.partition = 0, .offset = 5});
  EXPECT_EQ(sources.ResumeOffset(0), 0);
}

}  // namespace
}  // namespace hattama::transparency
