// The reform table hattama-demo prints (tools/stack/reform_table.h), from an answer made here.
#include "tools/stack/reform_table.h"

#include <gtest/gtest.h>

namespace hattama::stack {
namespace {

v1::Reforms SixSeats() {
  v1::Reforms r;
  r.set_contest_id("mazhilis");
  r.set_seats(6);
  r.set_current_threshold_percent(7);
  r.set_proposed_threshold_percent(3);
  r.set_mixed_list_seats(3);
  r.set_mixed_constituency_seats(3);
  auto add = [&](const char* id, const char* name, int64_t votes, double share, int at7, int at3,
                 int list, int single, bool against_all) {
    auto* o = r.add_options();
    o->set_option_id(id);
    o->set_name(name);
    o->set_votes(votes);
    o->set_share_percent(share);
    o->set_seats_current_threshold(at7);
    o->set_seats_proposed_threshold(at3);
    o->set_mixed_list_seats(list);
    o->set_mixed_constituency_seats(single);
    o->set_against_all(against_all);
  };
  add("p", "Party P", 1300, 50, 4, 3, 2, 2, false);
  add("x", "Against all", 200, 7.6923, 0, 0, 0, 0, true);
  r.mutable_against_all()->set_on_ballot(true);
  r.mutable_against_all()->set_share_percent(7.6923);
  r.mutable_against_all()->set_max_percent(50);
  r.set_min_turnout_percent(50);
  r.set_turnout_percent(43.333);
  r.set_stations_reporting(4);
  r.set_stations_registered(4);
  auto* region = r.add_areas_below_min_turnout();
  region->set_kind(v1::AREA_KIND_REGION);
  auto* district = r.add_areas_below_min_turnout();
  district->set_kind(v1::AREA_KIND_DISTRICT);
  r.add_contests_below_min_turnout()->set_id("mazhilis");
  r.set_population(15'000);
  auto decided = [](v1::DecidingVoters* d, double registered, double population) {
    d->set_registered_percent(registered);
    d->set_population_percent(population);
  };
  decided(r.mutable_decided_current_threshold(), 37, 14.8);
  decided(r.mutable_decided_proposed_threshold(), 40, 16);
  decided(r.mutable_decided_mixed(), 37, 14.8);
  return r;
}

TEST(ReformTable, ALineAListThenTheRulesAndWhoseVotesElected) {
  EXPECT_EQ(FormatReformTable(SixSeats()),
            "== reforms (GetReforms, contest mazhilis, 6 seats; observers' counts at 4 of 4 "
            "stations)\n"
            "   list                         votes    share  7.0 %  3.0 %   mixed (3 list + 3 "
            "constituencies)\n"
            "   Party P                       1300   50.0 %      4      3   2 + 2 = 4\n"
            "   Against all                    200    7.7 %      -      -   -\n"
            "   against all: 7.7 %, within the 50.0 % maximum: the contest stands\n"
            "   turnout 43.3 %, under the 50.0 % minimum: under it 1 regions, 1 districts and 1 of "
            "the election's contests (this one included)\n"
            "   votes that elected the seats (7.0 % / 3.0 % / mixed): 37.0 % / 40.0 % / 37.0 % of "
            "registered voters, 14.8 % / 16.0 % / 14.8 % of the population\n");
}

TEST(ReformTable, AVoidContestAndNoMixedSystemAreSaid) {
  v1::Reforms r = SixSeats();
  r.mutable_against_all()->set_exceeds_max(true);
  r.clear_decided_mixed();
  const std::string table = FormatReformTable(r);
  EXPECT_NE(table.find("above the 50.0 % maximum: the contest is void and held again, no seat is "
                       "given"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("37.0 % / 40.0 % / - of registered voters"), std::string::npos) << table;
}

}  // namespace
}  // namespace hattama::stack
