#include "services/ingestion/seen_ids.h"

#include <gtest/gtest.h>

#include "services/ingestion/ingestion_service.h"

namespace hattama::ingestion {
namespace {

TEST(SeenIds, RemembersTheDigestOfAnId) {
  SeenIds seen(10);
  seen.Insert("a", "digest-a");
  EXPECT_EQ(seen.Find("a"), "digest-a");
  EXPECT_EQ(seen.Find("b"), std::nullopt);
}

TEST(SeenIds, KeepsTheFirstDigestOfAnId) {
  SeenIds seen(10);
  seen.Insert("a", "first");
  seen.Insert("a", "second");
  EXPECT_EQ(seen.Find("a"), "first");
  EXPECT_EQ(seen.size(), 1u);
}

TEST(SeenIds, ForgetsTheOldestIdsBeyondCapacity) {
  SeenIds seen(3);
  for (const char* id : {"a", "b", "c", "d", "e"}) seen.Insert(id, std::string("d-") + id);
  EXPECT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen.Find("a"), std::nullopt);
  EXPECT_EQ(seen.Find("b"), std::nullopt);
  EXPECT_EQ(seen.Find("c"), "d-c");
  EXPECT_EQ(seen.Find("e"), "d-e");
}

TEST(SubmissionDigest, IsEqualForEqualSubmissionsAndDiffersOtherwise) {
  v1::Submission a;
  a.set_submission_id("x");
  a.mutable_protocol()->set_station_id("s1");
  v1::Submission b = a;
  EXPECT_EQ(SubmissionDigest(a), SubmissionDigest(b));
  EXPECT_EQ(SubmissionDigest(a).size(), 32u);
  b.mutable_protocol()->mutable_figures()->set_ballots_valid(0);
  EXPECT_NE(SubmissionDigest(a), SubmissionDigest(b));
}

}  // namespace
}  // namespace hattama::ingestion
