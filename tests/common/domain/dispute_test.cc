// The dispute rule as a person would check it: who confirms whom, which figures count, and that
// no order of arrival changes the answer.
#include "common/domain/dispute.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace hattama::domain {
namespace {

v1::Figures Votes(std::vector<int64_t> votes) {
  v1::Figures figures;
  int64_t valid = 0;
  const char* ids[] = {"nur", "akzhol", "adal"};
  for (size_t i = 0; i < votes.size(); ++i) {
    auto* line = figures.add_option_votes();
    line->set_option_id(ids[i]);
    line->set_votes(votes[i]);
    valid += votes[i];
  }
  figures.set_ballots_valid(valid);
  return figures;
}

DisputeVersion Version(const std::string& id, const std::string& observer,
                       const v1::Figures& figures, int32_t revision = 0) {
  return {id, observer, revision, false, FiguresDigest(figures), false};
}

DisputeVersion Retraction(const std::string& id, const std::string& observer, int32_t revision) {
  return {id, observer, revision, true, "", false};
}

TEST(FiguresDigest, IgnoresTheOrderOptionsAreListedIn) {
  v1::Figures a = Votes({10, 20, 30});
  v1::Figures b = a;
  std::swap(*b.mutable_option_votes(0), *b.mutable_option_votes(2));

  EXPECT_EQ(FiguresDigest(a), FiguresDigest(b));
  EXPECT_NE(FiguresDigest(a), FiguresDigest(Votes({10, 21, 29})));
  EXPECT_EQ(FiguresDigest(a).size(), 64u);
}

TEST(CanonicalFigures, IsTheDocumentedTextWithAbsentFiguresAsZero) {
  v1::Figures figures;
  figures.set_registered_voters(1000);
  figures.set_ballots_received(1000);
  figures.set_ballots_issued(400);
  figures.set_ballots_cancelled(600);
  figures.set_ballots_in_box(390);
  figures.set_ballots_spoiled(10);
  figures.set_ballots_valid(380);
  for (auto [id, votes] : {std::pair{"nur-otan", 200}, {"ak-zhol", 100}, {"adal", 80}}) {
    auto* line = figures.add_option_votes();
    line->set_option_id(id);
    line->set_votes(votes);
  }
  EXPECT_EQ(CanonicalFigures(figures),
            "f:registered_voters=1000;f:additional_list_voters=0;f:ballots_received=1000;"
            "f:ballots_issued=400;f:ballots_cancelled=600;f:ballots_in_box=390;"
            "f:ballots_spoiled=10;f:ballots_valid=380;v:adal=80;v:ak-zhol=100;v:nur-otan=200;");
  // The digest someone else computes from that text: sha256sum of the bytes above.
  EXPECT_EQ(FiguresDigest(figures),
            "162708ab32f72dbcf79de9750ec29b1e03760ddd788a67ae581b821bae2ecb30");
}

TEST(FiguresDigest, AnEmptyAdditionalListAndAZeroOneAreTheSameFigures) {
  v1::Figures empty = Votes({10, 20, 30});
  v1::Figures zero = empty;
  zero.set_additional_list_voters(0);
  EXPECT_EQ(FiguresDigest(empty), FiguresDigest(zero));
  zero.set_additional_list_voters(1);
  EXPECT_NE(FiguresDigest(empty), FiguresDigest(zero));
}

TEST(FiguresDigest, OptionsAreSortedByBytesNotByLocale) {
  v1::Figures figures;
  for (const char* id : {"b", "\xc3\xa9", "B", "a"}) {
    auto* line = figures.add_option_votes();
    line->set_option_id(id);
    line->set_votes(1);
  }
  const std::string text = CanonicalFigures(figures);
  EXPECT_EQ(text.substr(text.find("v:")), "v:B=1;v:a=1;v:b=1;v:\xc3\xa9=1;");
}

TEST(Decide, AnEmptyAdditionalListAndAZeroOneConfirmEachOther) {
  v1::Figures empty = Votes({10, 20, 30});
  v1::Figures zero = empty;
  zero.set_additional_list_voters(0);
  std::vector<DisputeVersion> versions = {Version("a", "obs-1", empty),
                                          Version("b", "obs-2", zero)};
  auto decision = Decide(versions);
  EXPECT_FALSE(decision.disputed());
  EXPECT_EQ(decision.confirmations, 2);
}

TEST(Decide, SubmissionIdsAreOrderedByBytes) {
  auto figures = Votes({10, 20, 30});
  // Bytes: "B" (0x42) < "a" (0x61) < "\xc3\xa9" (é); a collating locale says a < B < é.
  std::vector<DisputeVersion> confirming = {Version("a", "obs-1", figures),
                                            Version("\xc3\xa9", "obs-2", figures),
                                            Version("B", "obs-3", figures)};
  EXPECT_EQ(Decide(confirming).submission_id, "B");
  // One observer's two versions of one revision: the greater id in bytes stands.
  auto other = Votes({11, 19, 30});
  std::vector<DisputeVersion> same_observer = {Version("a", "obs-1", figures, 1),
                                               Version("B", "obs-1", other, 1)};
  EXPECT_EQ(Decide(same_observer).submission_id, "a");
}

TEST(Decide, IdenticalFiguresFromTwoObserversConfirmEachOther) {
  auto figures = Votes({10, 20, 30});
  std::vector<DisputeVersion> versions = {Version("b", "obs-2", figures),
                                          Version("a", "obs-1", figures)};

  auto decision = Decide(versions);

  EXPECT_TRUE(decision.counted);
  EXPECT_EQ(decision.confirmations, 2);
  EXPECT_FALSE(decision.disputed());
  EXPECT_EQ(decision.submission_id, "a");
}

TEST(Decide, MostConfirmedFiguresCountAndTheStationIsDisputed) {
  auto majority = Votes({10, 20, 30});
  auto minority = Votes({50, 5, 5});
  std::vector<DisputeVersion> versions = {Version("x", "obs-1", minority),
                                          Version("y", "obs-2", majority),
                                          Version("z", "obs-3", majority)};

  auto decision = Decide(versions);

  EXPECT_EQ(decision.figures_digest, FiguresDigest(majority));
  EXPECT_EQ(decision.confirmations, 2);
  EXPECT_EQ(decision.variants, 2);
  EXPECT_TRUE(decision.disputed());
}

TEST(Decide, TieGoesToTheSmallestFiguresDigest) {
  auto a = Votes({10, 20, 30});
  auto b = Votes({11, 19, 30});
  const auto& smaller = FiguresDigest(a) < FiguresDigest(b) ? a : b;

  auto decision =
      Decide(std::vector<DisputeVersion>{Version("1", "obs-1", a), Version("2", "obs-2", b)});

  EXPECT_EQ(decision.figures_digest, FiguresDigest(smaller));
  EXPECT_TRUE(decision.disputed());
}

TEST(Decide, RevisionReplacesTheObserversEarlierVersionEvenWhenItArrivesFirst) {
  auto original = Votes({10, 20, 30});
  auto corrected = Votes({12, 18, 30});

  auto decision = Decide(std::vector<DisputeVersion>{Version("rev1", "obs-1", corrected, 1),
                                                     Version("rev0", "obs-1", original, 0)});

  EXPECT_EQ(decision.figures_digest, FiguresDigest(corrected));
  EXPECT_EQ(decision.confirmations, 1);
  EXPECT_FALSE(decision.disputed());  // One observer cannot dispute themselves.
}

TEST(Decide, RetractionWithdrawsTheObserversVersionAndNothingElse) {
  auto figures = Votes({10, 20, 30});
  auto other = Votes({1, 2, 3});
  std::vector<DisputeVersion> versions = {
      Version("a", "obs-1", figures), Version("b", "obs-2", other), Retraction("c", "obs-1", 0)};

  auto decision = Decide(versions);

  EXPECT_EQ(decision.figures_digest, FiguresDigest(other));
  EXPECT_FALSE(decision.disputed());
  EXPECT_FALSE(Decide(std::vector<DisputeVersion>{versions[0], versions[2]}).counted);
}

TEST(Decide, HigherRevisionAfterARetractionStandsAgain) {
  auto figures = Votes({10, 20, 30});
  auto decision = Decide(std::vector<DisputeVersion>{Retraction("r", "obs-1", 0),
                                                     Version("a", "obs-1", figures, 0),
                                                     Version("b", "obs-1", figures, 1)});

  EXPECT_TRUE(decision.counted);
  EXPECT_EQ(decision.submission_id, "b");
}

TEST(Decide, AnyOrderOfTheSameVersionsGivesTheSameDecision) {
  std::mt19937 random(2021);
  const std::vector<v1::Figures> figures = {Votes({10, 20, 30}), Votes({11, 19, 30}),
                                            Votes({0, 0, 60}), Votes({30, 20, 10})};
  for (int scenario = 0; scenario < 200; ++scenario) {
    std::vector<DisputeVersion> versions;
    const int count = 1 + static_cast<int>(random() % 8);
    for (int i = 0; i < count; ++i) {
      const std::string observer = "obs-" + std::to_string(random() % 4);
      const auto revision = static_cast<int32_t>(random() % 3);
      const std::string id = "s" + std::to_string(scenario) + "-" + std::to_string(i);
      if (random() % 6 == 0) {
        versions.push_back(Retraction(id, observer, revision));
      } else {
        versions.push_back(Version(id, observer, figures[random() % figures.size()], revision));
      }
    }
    const auto expected = Decide(versions);
    for (int order = 0; order < 20; ++order) {
      std::shuffle(versions.begin(), versions.end(), random);
      ASSERT_EQ(Decide(versions), expected) << "scenario " << scenario;
    }
  }
}

}  // namespace
}  // namespace hattama::domain
