#include "common/analysis/share.h"

#include <gtest/gtest.h>

#include <vector>

#include "common/analysis/seats.h"

namespace hattama::analysis {
namespace {

TEST(Share, IsTheOptionsVotesOverAllOptionsVotes) {
  const std::vector<int64_t> votes = {700, 200, 100};
  EXPECT_EQ(AllOptionVotes(votes), 1000);
  EXPECT_DOUBLE_EQ(SharePercent(700, AllOptionVotes(votes)), 70.0);
  EXPECT_DOUBLE_EQ(SharePercent(0, 1000), 0.0);
}

TEST(Share, IsZeroWhenNoOptionHasAVote) {
  EXPECT_DOUBLE_EQ(SharePercent(0, 0), 0.0);
  EXPECT_EQ(AllOptionVotes({}), 0);
}

TEST(Share, SeatsPublishTheSameShareAsTheDefinition) {
  // A flagged protocol's options add up to 1,010 though it says 1,000 valid: the share is over
  // the 1,010, in the seats as anywhere else.
  const std::vector<ListVotes> lists = {
      {"nur", 710, false}, {"akzhol", 200, false}, {"against", 100, true}};
  const auto seats = AllocateSeats(lists, 98, 7.0);
  for (size_t i = 0; i < lists.size(); ++i) {
    EXPECT_DOUBLE_EQ(seats[i].share_percent, SharePercent(lists[i].votes, 1010)) << i;
  }
}

}  // namespace
}  // namespace hattama::analysis
