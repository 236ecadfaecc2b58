// What the ingestion tests still use of the old test elections: moving to tests/testing/election.h
// (TinyRegistry and CleanSubmission there), where every other test already is.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/domain/registry.h"
#include "hattama/v1/protocol.pb.h"

namespace hattama::domain::testing {

// The smallest election with two regions, for the service tests: nation "kz", regions "r1" and
// "r2" with districts "d1" and "d2"; stations "s1" and "s2" in d1, "s3" in d2, 1,000 voters each;
// one national contest "mazhilis" with options "a", "b", "c".
inline std::shared_ptr<const Registry> TwoRegionRegistry() {
  v1::Election election;
  election.set_election_id("test-2021");
  auto* contest = election.add_contests();
  contest->set_contest_id("mazhilis");
  contest->set_level(v1::CONTEST_LEVEL_NATIONAL);
  for (const char* id : {"a", "b", "c"}) contest->add_options()->set_option_id(id);
  auto add_area = [&](const char* id, v1::AreaKind kind, const char* parent) {
    auto* area = election.add_areas();
    area->set_area_id(id);
    area->set_kind(kind);
    area->set_parent_id(parent);
  };
  add_area("kz", v1::AREA_KIND_NATION, "");
  add_area("r1", v1::AREA_KIND_REGION, "kz");
  add_area("d1", v1::AREA_KIND_DISTRICT, "r1");
  add_area("r2", v1::AREA_KIND_REGION, "kz");
  add_area("d2", v1::AREA_KIND_DISTRICT, "r2");
  std::vector<v1::Station> stations;
  for (auto [id, district] : {std::pair{"s1", "d1"}, {"s2", "d1"}, {"s3", "d2"}}) {
    v1::Station& station = stations.emplace_back();
    station.set_station_id(id);
    station.set_district_id(district);
    station.set_registered_voters(1000);
    station.add_contest_ids("mazhilis");
  }
  return Registry::Build(std::move(election), std::move(stations)).value();
}

// A clean observer protocol of TwoRegionRegistry for the Mazhilis, sent by hub "hub-almaty":
// every control relation holds, so ingestion answers it ACCEPTED.
inline v1::Submission TwoRegionCleanSubmission(const std::string& id,
                                               const std::string& station = "s1") {
  v1::Submission submission;
  submission.set_submission_id(id);
  submission.set_observer_id("observer-7");
  submission.set_organisation_id("org-1");
  submission.set_hub_id("hub-almaty");
  submission.set_source(v1::SOURCE_OBSERVER);
  submission.set_revision(1);
  auto* protocol = submission.mutable_protocol();
  protocol->set_station_id(station);
  protocol->set_contest_id("mazhilis");
  auto* figures = protocol->mutable_figures();
  figures->set_registered_voters(1000);
  figures->set_ballots_received(800);
  figures->set_ballots_issued(600);
  figures->set_ballots_cancelled(200);
  figures->set_ballots_in_box(590);
  figures->set_ballots_spoiled(20);
  figures->set_ballots_valid(570);
  for (auto [option, votes] : {std::pair{"a", 300}, {"b", 200}, {"c", 70}}) {
    auto* line = figures->add_option_votes();
    line->set_option_id(option);
    line->set_votes(votes);
  }
  return submission;
}

}  // namespace hattama::domain::testing
