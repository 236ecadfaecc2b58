#include "tools/hub/simulator/truth.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/hub/simulator/night.h"
#include "tools/hub/simulator/plan.h"
#include "tools/hub/simulator/synthetic.h"

namespace hattama::hub {
namespace {

const testing::Night& TwoThousand() {
  static const testing::Night night = testing::DrawNight(2'000, 11, {.seed = 11});
  return night;
}

Tally SumOf(const Truth& truth, const std::vector<const v1::Area*>& areas,
            const std::string& contest_id) {
  Tally sum;
  for (const auto* area : areas) {
    const Tally* t = truth.FindArea(area->area_id(), contest_id);
    if (t == nullptr) continue;
    sum.registered_voters += t->registered_voters;
    sum.additional_list_voters += t->additional_list_voters;
    sum.ballots_received += t->ballots_received;
    sum.ballots_issued += t->ballots_issued;
    sum.ballots_cancelled += t->ballots_cancelled;
    sum.ballots_in_box += t->ballots_in_box;
    sum.ballots_spoiled += t->ballots_spoiled;
    sum.ballots_valid += t->ballots_valid;
    for (const auto& [option, votes] : t->option_votes) sum.option_votes[option] += votes;
    sum.stations_reporting += t->stations_reporting;
    sum.flagged_count += t->flagged_count;
  }
  return sum;
}

TEST(Truth, NationIsTheSumOfRegionsAndEachRegionOfItsDistricts) {
  const auto& [registry, plan] = TwoThousand();
  for (const auto& contest : registry->election().contests()) {
    SCOPED_TRACE(contest.contest_id());
    const Tally* nation = plan.truth.FindArea("kz", contest.contest_id());
    ASSERT_NE(nation, nullptr);
    EXPECT_EQ(SumOf(plan.truth, registry->Children("kz"), contest.contest_id()), *nation);
    for (const auto* region : registry->Children("kz")) {
      const Tally* t = plan.truth.FindArea(region->area_id(), contest.contest_id());
      if (t == nullptr) continue;
      EXPECT_EQ(SumOf(plan.truth, registry->Children(region->area_id()), contest.contest_id()), *t)
          << region->area_id();
    }
  }
}

TEST(Truth, NationSumsEveryCountedStationProtocol) {
  const auto& [registry, plan] = TwoThousand();
  Tally sum;
  int64_t flagged = 0;
  for (const auto& [key, station] : plan.truth.stations) {
    if (key.ends_with("|" + std::string(kMazhilis))) {
      sum.Add(station.figures, !station.flags.empty());
      flagged += station.flags.empty() ? 0 : 1;
    }
  }
  const Tally* nation = plan.truth.FindArea("kz", kMazhilis);
  EXPECT_EQ(sum.ballots_valid, nation->ballots_valid);
  EXPECT_EQ(sum.option_votes, nation->option_votes);
  EXPECT_EQ(sum.stations_reporting, 2'000);
  EXPECT_EQ(nation->stations_reporting, 2'000);
  EXPECT_EQ(nation->flagged_count, flagged);
  EXPECT_GT(flagged, 0);
}

TEST(Truth, ResendIsCountedOnceAndMalformedNever) {
  const auto& [registry, plan] = TwoThousand();
  const PlannedSubmission* clean = nullptr;
  const PlannedSubmission* malformed = nullptr;
  for (const auto& p : plan.submissions) {
    if (p.kind == SubmissionKind::kClean && clean == nullptr) clean = &p;
    if (p.kind == SubmissionKind::kMalformed &&
        p.expected_code != v1::REASON_CODE_UNKNOWN_STATION && malformed == nullptr) {
      malformed = &p;
    }
  }
  ASSERT_NE(clean, nullptr);
  ASSERT_NE(malformed, nullptr);
  PlannedSubmission resend = *clean;
  resend.kind = SubmissionKind::kResend;
  resend.expected_outcome = v1::OUTCOME_DUPLICATE;

  const std::vector<PlannedSubmission> once = {*clean};
  const std::vector<PlannedSubmission> twice = {*clean, resend, *malformed};
  const Truth a = ComputeTruth(*registry, once);
  const Truth b = ComputeTruth(*registry, twice);
  EXPECT_EQ(a.areas, b.areas);
  EXPECT_EQ(b.stations.size(), 1u);
  EXPECT_EQ(b.FindArea("kz", clean->submission.protocol().contest_id())->stations_reporting, 1);
  EXPECT_EQ(b.FindArea("kz", clean->submission.protocol().contest_id())->ballots_valid,
            clean->submission.protocol().figures().ballots_valid());

  const auto counts = CountExpected(twice);
  EXPECT_EQ(counts, (ExpectedCounts{.accepted = 1, .flagged = 0, .duplicate = 1, .rejected = 1}));
}

TEST(Truth, AreasNoProtocolReachedYetShowZeros) {
  const auto& [registry, plan] = TwoThousand();
  const Truth empty = ComputeTruth(*registry, {});
  EXPECT_EQ(empty.areas.size(), plan.truth.areas.size());
  const Tally* nation = empty.FindArea("kz", kMazhilis);
  ASSERT_NE(nation, nullptr);
  EXPECT_EQ(nation->stations_reporting, 0);
  EXPECT_EQ(nation->option_votes.size(), 6u);  // five lists and "against all"
  EXPECT_EQ(nation->option_votes.at("nur-otan"), 0);
  // No area shows a contest none of its stations votes in.
  EXPECT_EQ(empty.FindArea("kz-almaty", kOblastMaslikhat), nullptr);
}

TEST(Truth, FirstHalfAndTheRestAddUpToTheWhole) {
  const auto& [registry, plan] = TwoThousand();
  const std::span<const PlannedSubmission> all(plan.submissions);
  const auto half = all.size() / 2;
  const Truth first = ComputeTruth(*registry, all.first(half));
  const Tally* nation_first = first.FindArea("kz", kMazhilis);
  const Tally* nation_all = plan.truth.FindArea("kz", kMazhilis);
  EXPECT_GT(nation_first->stations_reporting, 0);
  EXPECT_LT(nation_first->stations_reporting, nation_all->stations_reporting);

  const auto a = CountExpected(all.first(half));
  const auto b = CountExpected(all.subspan(half));
  EXPECT_EQ(a.accepted + b.accepted, plan.expected.accepted);
  EXPECT_EQ(a.flagged + b.flagged, plan.expected.flagged);
  EXPECT_EQ(a.duplicate + b.duplicate, plan.expected.duplicate);
  EXPECT_EQ(a.rejected + b.rejected, plan.expected.rejected);
  EXPECT_EQ(plan.expected.total(), static_cast<int64_t>(plan.submissions.size()));
}

TEST(Truth, JsonFileIsValidJsonWithEveryAreaAndStation) {
  const auto& [registry, plan] = TwoThousand();
  const auto path = std::filesystem::temp_directory_path() /
                    ("hattama-truth-" + std::to_string(::getpid()) + ".json");
  ASSERT_TRUE(WriteTruthJson(*registry, plan.truth, plan.expected, path.string()).ok());
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::filesystem::remove(path);

  google::protobuf::Struct parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(text.str(), &parsed).ok());
  EXPECT_EQ(parsed.fields().at("areas").list_value().values_size(),
            static_cast<int>(plan.truth.areas.size()));
  EXPECT_EQ(parsed.fields().at("stations").list_value().values_size(),
            static_cast<int>(plan.truth.stations.size()));
  const auto& nation = parsed.fields().at("areas").list_value().values(0).struct_value();
  EXPECT_EQ(nation.fields().at("area_id").string_value(), "kz");
  EXPECT_EQ(nation.fields().at("ballots_valid").number_value(),
            static_cast<double>(
                plan.truth.FindArea("kz", nation.fields().at("contest_id").string_value())
                    ->ballots_valid));
}

}  // namespace
}  // namespace hattama::hub
