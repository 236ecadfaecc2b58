// A hostile hub's figures through the whole stack (redis-server, the embedded Kafka, ingestion,
// aggregation, publication): a protocol impossible for its station, registered voters other than
// the registry's, timestamps outside any sane range, and two observers who write the same figures
// differently. What a person checks: the answer each hub got, the national totals (exactly what the
// well-behaved protocols add up to) and the station's page.
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "hattama/v1/analysis.grpc.pb.h"
#include "hattama/v1/ingestion.grpc.pb.h"
#include "hattama/v1/publication.grpc.pb.h"
#include "tests/testing/election.h"
#include "tests/testing/eventually.h"
#include "tools/hub/client/client.h"
#include "tools/hub/simulator/planned_submission.h"
#include "tools/stack/stack.h"

namespace hattama {
namespace {

using namespace std::chrono_literals;

// Every protocol here is an observer's consistent one (tests/testing/election.h: nothing spoiled,
// 10 ballots cancelled), as a hub sends it, captured at 2021-01-10T14:00:00Z.
hub::PlannedSubmission Protocol(const std::string& id, const std::string& observer,
                                const std::string& station, std::vector<int64_t> votes) {
  hub::PlannedSubmission planned;
  planned.submission = testing::ObserverSubmission(id, station, "mazhilis", votes, 0, observer);
  planned.submission.mutable_captured_time()->set_seconds(1'610'287'200);
  return planned;
}

bool Has(const hub::AckRecord& ack, v1::ReasonCode code) {
  for (const auto& reason : ack.reasons) {
    if (reason.code() == code) return true;
  }
  return false;
}

class HostileFigures : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::WriteRegistryFiles(dir_.path()).ok());
    auto stack = stack::Stack::Start({.registry_dir = dir_.path(), .partitions = 4});
    ASSERT_TRUE(stack.ok()) << stack.status().message();
    stack_ = std::move(stack).value();
    publication_ = v1::PublicationService::NewStub(
        grpc::CreateChannel(stack_->publication_address(), grpc::InsecureChannelCredentials()));
  }

  hub::StreamReport Send(const std::vector<hub::PlannedSubmission>& submissions) {
    auto report =
        hub::StreamSubmissions(submissions, {.ingestion_address = stack_->ingestion_address()});
    EXPECT_TRUE(report.ok()) << report.status().message();
    return report.ok() ? *report : hub::StreamReport{};
  }

  // The nation's totals once `done` holds for them, or the last ones read after 60 s.
  v1::AreaTotals NationOnce(const std::function<bool(const v1::AreaTotals&)>& done) {
    v1::AreaTotals totals;
    testing::Eventually(
        [&] {
          grpc::ClientContext context;
          context.set_deadline(std::chrono::system_clock::now() + 5s);
          v1::GetAreaTotalsRequest request;
          request.set_area_id("kz");
          request.set_contest_id("mazhilis");
          return publication_->GetAreaTotals(&context, request, &totals).ok() && done(totals);
        },
        60s, 50ms);
    return totals;
  }

  v1::StationResults Station(const std::string& station_id) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 5s);
    v1::GetStationResultsRequest request;
    request.set_station_id(station_id);
    v1::StationResults results;
    EXPECT_TRUE(publication_->GetStationResults(&context, request, &results).ok());
    return results;
  }

  stack::TempDir dir_{"hattama-hostile-figures"};
  std::unique_ptr<stack::Stack> stack_;
  std::unique_ptr<v1::PublicationService::Stub> publication_;
};

// S4, the largest station, has 1,200 registered voters: no figure may pass 1,320.
TEST_F(HostileFigures, ABillionAtAStationOf1200VotersIsRejectedAndTheNationalTotalsStayExact) {
  std::vector<hub::PlannedSubmission> sent = {
      Protocol("good-s4", "obs-1", "S4", {400, 200, 100}),
      Protocol("good-s2", "obs-1", "S2", {300, 150, 50}),
  };
  hub::PlannedSubmission billion = Protocol("billion", "obs-evil", "S4", {0, 0, 0});
  auto* f = billion.submission.mutable_protocol()->mutable_figures();
  for (auto set : {&v1::Figures::set_registered_voters, &v1::Figures::set_additional_list_voters,
                   &v1::Figures::set_ballots_received, &v1::Figures::set_ballots_issued,
                   &v1::Figures::set_ballots_cancelled, &v1::Figures::set_ballots_in_box,
                   &v1::Figures::set_ballots_spoiled, &v1::Figures::set_ballots_valid}) {
    (f->*set)(1'000'000'000);
  }
  for (auto& line : *f->mutable_option_votes()) line.set_votes(1'000'000'000);
  sent.push_back(billion);
  const auto report = Send(sent);
  ASSERT_EQ(report.acks.size(), 3u);
  EXPECT_EQ(report.acks[0].outcome, v1::OUTCOME_ACCEPTED);
  EXPECT_EQ(report.acks[1].outcome, v1::OUTCOME_ACCEPTED);
  const auto& refused = report.acks[2];
  ASSERT_EQ(refused.outcome, v1::OUTCOME_REJECTED);
  ASSERT_FALSE(refused.reasons.empty());
  for (const auto& reason : refused.reasons) {
    EXPECT_EQ(reason.code(), v1::REASON_CODE_IMPLAUSIBLE) << reason.field();
  }
  // The figure, its value, the registry's voters and the limit (1,200 + 10 %).
  EXPECT_EQ(refused.reasons[0].field(), "protocol.figures.registered_voters");
  EXPECT_NE(refused.reasons[0].message().find("1000000000"), std::string::npos);
  EXPECT_NE(refused.reasons[0].message().find("1200 registered voters"), std::string::npos);
  EXPECT_NE(refused.reasons[0].message().find("limit is 1320"), std::string::npos);

  // What the two well-behaved protocols add up to, and nothing of the billion.
  const auto totals = NationOnce([](const v1::AreaTotals& t) {
    return t.stations_reporting() == 2 && t.figures().ballots_valid() == 1200;
  });
  EXPECT_EQ(totals.stations_reporting(), 2);
  EXPECT_EQ(totals.figures().registered_voters(), 1200 + 800);
  EXPECT_EQ(totals.figures().ballots_received(), 710 + 510);
  EXPECT_EQ(totals.figures().ballots_in_box(), 700 + 500);
  EXPECT_EQ(totals.figures().ballots_valid(), 1200);
  ASSERT_EQ(totals.options_size(), 3);
  EXPECT_EQ(totals.options(0).votes(), 700);
  EXPECT_EQ(totals.options(1).votes(), 350);
  EXPECT_EQ(totals.options(2).votes(), 150);
  EXPECT_EQ(totals.flagged_count(), 0);
  EXPECT_EQ(totals.disputed_count(), 0);
  // S4's page counts its observer's protocol, and the billion is no version of it.
  const auto s4 = Station("S4");
  ASSERT_EQ(s4.contests_size(), 1);
  EXPECT_EQ(s4.contests(0).counted_submission_id(), "good-s4");
  EXPECT_EQ(s4.contests(0).versions_size(), 1);
}

TEST_F(HostileFigures, RegisteredVotersOtherThanTheRegistrysAreFlaggedAndCounted) {
  auto off = Protocol("s2-off", "obs-1", "S2", {300, 150, 50});
  off.submission.mutable_protocol()->mutable_figures()->set_registered_voters(790);
  const auto report = Send({off});
  ASSERT_EQ(report.acks.size(), 1u);
  EXPECT_EQ(report.acks[0].outcome, v1::OUTCOME_ACCEPTED_WITH_FLAGS);
  EXPECT_TRUE(Has(report.acks[0], v1::REASON_CODE_REGISTERED_NOT_REGISTRY));
  ASSERT_EQ(report.acks[0].reasons.size(), 1u);
  EXPECT_NE(report.acks[0].reasons[0].message().find("registry lists 800"), std::string::npos);

  const auto totals =
      NationOnce([](const v1::AreaTotals& t) { return t.stations_reporting() == 1; });
  EXPECT_EQ(totals.stations_reporting(), 1);
  EXPECT_EQ(totals.flagged_count(), 1);
  EXPECT_EQ(totals.figures().registered_voters(), 790);
  EXPECT_EQ(totals.figures().ballots_valid(), 500);
}

TEST_F(HostileFigures, TimestampsOutsideAnySaneRangeAreRejectedAndTheStationPageStaysJson) {
  auto year_10000 = Protocol("year-10000", "obs-2", "S6", {100, 50, 25});
  year_10000.submission.mutable_captured_time()->set_seconds(253'402'300'800);
  auto nanos = Protocol("nanos", "obs-3", "S6", {100, 50, 25});
  nanos.submission.mutable_captured_time()->set_nanos(1'000'000'000);
  const auto report = Send({Protocol("good-s6", "obs-1", "S6", {100, 50, 25}), year_10000, nanos});
  ASSERT_EQ(report.acks.size(), 3u);
  EXPECT_EQ(report.acks[0].outcome, v1::OUTCOME_ACCEPTED);
  for (size_t i : {1u, 2u}) {
    EXPECT_EQ(report.acks[i].outcome, v1::OUTCOME_REJECTED) << i;
    ASSERT_EQ(report.acks[i].reasons.size(), 1u) << i;
    EXPECT_EQ(report.acks[i].reasons[0].code(), v1::REASON_CODE_INVALID_TIME);
    EXPECT_EQ(report.acks[i].reasons[0].field(), "captured_time");
  }
  NationOnce([](const v1::AreaTotals& t) { return t.stations_reporting() == 1; });

  httplib::Client http(stack_->publication_http_address());
  http.set_read_timeout(10, 0);
  const auto page = http.Get("/v1/GetStationResults?station_id=S6");
  ASSERT_TRUE(page) << httplib::to_string(page.error());
  EXPECT_EQ(page->status, 200);
  v1::StationResults results;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(page->body, &results).ok())
      << "not the JSON of StationResults: '" << page->body.substr(0, 200) << "'";
  ASSERT_EQ(results.contests_size(), 1);
  EXPECT_EQ(results.contests(0).counted_submission_id(), "good-s6");
  EXPECT_EQ(results.contests(0).versions_size(), 1);
}

TEST_F(HostileFigures, AnEmptyAdditionalListAndAZeroOneConfirmEachOther) {
  auto empty = Protocol("s5-empty", "obs-1", "S5", {200, 100, 50});
  auto zero = Protocol("s5-zero", "obs-2", "S5", {200, 100, 50});
  zero.submission.mutable_protocol()->mutable_figures()->set_additional_list_voters(0);
  const auto report = Send({empty, zero});
  ASSERT_EQ(report.acks.size(), 2u);
  EXPECT_EQ(report.acks[0].outcome, v1::OUTCOME_ACCEPTED);
  EXPECT_EQ(report.acks[1].outcome, v1::OUTCOME_ACCEPTED);

  // Both versions applied: the page lists them, and they confirm each other.
  v1::StationResults page;
  testing::Eventually(
      [&] {
        page = Station("S5");
        return page.contests_size() == 1 && page.contests(0).versions_size() == 2;
      },
      60s, 50ms);
  ASSERT_EQ(page.contests_size(), 1);
  ASSERT_EQ(page.contests(0).versions_size(), 2);
  EXPECT_FALSE(page.contests(0).disputed());
  EXPECT_EQ(page.contests(0).confirmations(), 2);
  EXPECT_EQ(page.contests(0).variants(), 1);
  const auto totals =
      NationOnce([](const v1::AreaTotals& t) { return t.stations_reporting() == 1; });
  EXPECT_EQ(totals.disputed_count(), 0);
  EXPECT_EQ(totals.figures().ballots_valid(), 350);
}

TEST_F(HostileFigures, AnAreaShowsOneShareForAPartyInItsTotalsAndItsSeats) {
  // The options add up to 510 but the protocol says 500 valid: flagged, counted.
  auto off = Protocol("s2-off", "obs-1", "S2", {310, 150, 50});
  auto* f = off.submission.mutable_protocol()->mutable_figures();
  f->set_ballots_valid(500);
  f->set_ballots_in_box(500);
  f->set_ballots_issued(500);
  f->set_ballots_received(510);
  const auto report = Send({off});
  ASSERT_EQ(report.acks.size(), 1u);
  ASSERT_EQ(report.acks[0].outcome, v1::OUTCOME_ACCEPTED_WITH_FLAGS);
  EXPECT_TRUE(Has(report.acks[0], v1::REASON_CODE_OPTION_VOTES_NOT_VALID));
  const auto totals =
      NationOnce([](const v1::AreaTotals& t) { return t.stations_reporting() == 1; });
  ASSERT_EQ(totals.options_size(), 3);

  auto analysis = v1::AnalysisService::NewStub(
      grpc::CreateChannel(stack_->publication_address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + 5s);
  v1::GetSeatsRequest request;
  request.set_contest_id("mazhilis");
  request.set_area_id("kz");
  v1::SeatAllocation seats;
  ASSERT_TRUE(analysis->GetSeats(&context, request, &seats).ok());
  ASSERT_EQ(seats.options_size(), 3);
  for (int i = 0; i < 3; ++i) {
    EXPECT_DOUBLE_EQ(totals.options(i).share_percent(), seats.options(i).share_percent()) << i;
  }
  // Over all options' votes, so the shares of one table add up to 100 %.
  EXPECT_DOUBLE_EQ(totals.options(0).share_percent(), 100.0 * 310 / 510);
}

TEST_F(HostileFigures, DeploymentEventsWithImpossibleTimesOrOverlongIdsAreRejected) {
  auto ingestion = v1::IngestionService::NewStub(
      grpc::CreateChannel(stack_->ingestion_address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + 30s);
  auto stream = ingestion->StreamDeploymentEvents(&context);
  auto event = [](const std::string& id) {
    v1::StreamDeploymentEventsRequest request;
    auto* e = request.mutable_event();
    e->set_event_id(id);
    e->set_station_id("S2");
    e->set_organisation_id("org-1");
    e->set_observer_id("obs-1");
    e->set_hub_id("hub-1");
    e->set_kind(v1::DEPLOYMENT_EVENT_KIND_OBSERVER_ADMITTED);
    e->mutable_time()->set_seconds(1'610'258'400);
    return request;
  };
  auto year_10000 = event("year-10000");
  year_10000.mutable_event()->mutable_time()->set_seconds(253'402'300'800);
  auto nanos = event("nanos");
  nanos.mutable_event()->mutable_time()->set_nanos(1'000'000'000);
  auto overlong = event("overlong");
  overlong.mutable_event()->set_observer_id(std::string(100'000, 'o'));
  for (const auto& request : {event("admitted"), year_10000, nanos, overlong}) {
    ASSERT_TRUE(stream->Write(request));
  }
  stream->WritesDone();
  std::map<std::string, v1::DeploymentEventAck> acks;
  for (v1::DeploymentEventAck ack; stream->Read(&ack);) acks[ack.event_id()] = ack;
  EXPECT_TRUE(stream->Finish().ok());
  ASSERT_EQ(acks.size(), 4u);
  EXPECT_EQ(acks["admitted"].outcome(), v1::OUTCOME_ACCEPTED);
  for (const char* id : {"year-10000", "nanos"}) {
    EXPECT_EQ(acks[id].outcome(), v1::OUTCOME_REJECTED) << id;
    ASSERT_EQ(acks[id].reasons_size(), 1) << id;
    EXPECT_EQ(acks[id].reasons(0).code(), v1::REASON_CODE_INVALID_TIME);
    EXPECT_EQ(acks[id].reasons(0).field(), "time");
  }
  EXPECT_EQ(acks["overlong"].outcome(), v1::OUTCOME_REJECTED);
  ASSERT_EQ(acks["overlong"].reasons_size(), 1);
  EXPECT_EQ(acks["overlong"].reasons(0).code(), v1::REASON_CODE_TOO_LONG);
  EXPECT_EQ(acks["overlong"].reasons(0).field(), "observer_id");
}

}  // namespace
}  // namespace hattama
