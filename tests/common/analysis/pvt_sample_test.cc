#include "common/analysis/pvt_sample.h"

#include <gtest/gtest.h>

namespace hattama::analysis {
namespace {

PvtSample TwoRegions() {
  PvtSample sample;
  sample.election_id = "kz-2021-01-10";
  sample.seed = 7;
  sample.margin_percent = 1.5;
  sample.spread_percent = 15;
  sample.strata = {{"kz-a", 10, 2}, {"kz-b", 5, 1}};
  sample.stations = {{"UIK-00002", "kz-a"}, {"UIK-00009", "kz-a"}, {"UIK-00011", "kz-b"}};
  return sample;
}

TEST(PvtSampleFile, IsTheDocumentedTextAndReadsBackAsWritten) {
  auto text = FormatPvtSample(TwoRegions());
  ASSERT_TRUE(text.ok()) << text.status().message();
  EXPECT_EQ(*text,
            "# Hattama PVT sample (hattama-hub draw-sample): its SHA-256 is published before the "
            "night\n"
            "format 1\n"
            "election kz-2021-01-10\n"
            "seed 7\n"
            "margin 1.5\n"
            "spread 15\n"
            "stratum kz-a 10 2\n"
            "stratum kz-b 5 1\n"
            "station UIK-00002 kz-a\n"
            "station UIK-00009 kz-a\n"
            "station UIK-00011 kz-b\n");
  auto parsed = ParsePvtSample(*text);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->election_id, "kz-2021-01-10");
  EXPECT_EQ(parsed->seed, 7u);
  EXPECT_DOUBLE_EQ(parsed->margin_percent, 1.5);
  ASSERT_EQ(parsed->strata.size(), 2u);
  EXPECT_EQ(parsed->strata[1].region_id, "kz-b");
  EXPECT_EQ(parsed->strata[1].stations, 5);
  ASSERT_EQ(parsed->stations.size(), 3u);
  EXPECT_EQ(parsed->stations[2].station_id, "UIK-00011");
  // Written again, byte for byte the same: the SHA-256 names the sample.
  EXPECT_EQ(*FormatPvtSample(*parsed), *text);
}

TEST(PvtSampleFile, ABrokenFileIsRefusedNamingTheLine) {
  const std::string good = *FormatPvtSample(TwoRegions());
  auto error_of = [](std::string_view text) {
    auto parsed = ParsePvtSample(text);
    return parsed.ok() ? std::string("accepted") : parsed.status().message();
  };
  EXPECT_EQ(error_of("format 2\n"), "line 1: only format 1 is known: 'format 2'");
  EXPECT_EQ(error_of(""), "empty: no 'format 1' record");
  EXPECT_EQ(error_of(good.substr(0, good.size() - 1)), "line 11: does not end in a newline");
  EXPECT_EQ(error_of(good + "station UIK-00002 kz-a\n"),
            "line 12: the station is listed twice: 'station UIK-00002 kz-a'");
  EXPECT_EQ(error_of(good + "station UIK-00003 kz-c\n"),
            "line 12: the station's region has no stratum line: 'station UIK-00003 kz-c'");
  EXPECT_EQ(error_of(good + "station UIK-00003 kz-b\n"),
            "stratum kz-b says 1 sampled stations, 2 listed");
  EXPECT_EQ(error_of(good + "stratum kz-c 1 2\n"),
            "line 12: a stratum is 'stratum <region> <stations> <sampled>', 0 <= sampled <= "
            "stations: 'stratum kz-c 1 2'");
  EXPECT_EQ(error_of("format 1\nseed -1\n"),
            "line 2: the seed is not an unsigned integer: 'seed -1'");
  EXPECT_EQ(error_of("format 1\nmargin 1\n"), "no 'election' record");
  EXPECT_EQ(error_of("format 1\nelection e\nstations 3\n"),
            "line 3: not a record of a PVT sample file: 'stations 3'");
}

TEST(PvtSampleFile, AnIdWithASpaceCannotBeWritten) {
  PvtSample sample = TwoRegions();
  sample.stations[0].station_id = "UIK 2";
  EXPECT_FALSE(FormatPvtSample(sample).ok());
}

}  // namespace
}  // namespace hattama::analysis
