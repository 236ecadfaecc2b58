#include "services/publication/analysis_service.h"

#include <fmt/format.h>

#include <map>

#include "common/analysis/pvt.h"
#include "common/analysis/red_flags.h"
#include "common/analysis/seats.h"
#include "common/analysis/share.h"
#include "common/base/status_grpc.h"
#include "common/redis/layout.h"
#include "services/publication/deployment_service.h"
#include "services/publication/observer_effect.h"
#include "services/publication/reforms.h"

namespace hattama::publication {
namespace {

constexpr int kMazhilisSeats = 98;
constexpr double kThresholdPercent = 7;

std::vector<int64_t> VotesInBallotOrder(const v1::Contest& contest, const v1::Figures& figures) {
  std::vector<int64_t> votes;
  for (const auto& option : contest.options()) {
    int64_t count = 0;
    for (const auto& line : figures.option_votes()) {
      if (line.option_id() == option.option_id()) count = line.votes();
    }
    votes.push_back(count);
  }
  return votes;
}

// A region's PVT sums as its totals hold them (layout.h): n is its stations reporting, Σy an
// option's votes, Σx the sum of those over the contest's options (each station's base is every
// option's votes, as in every share Hattama publishes: analysis/share.h).
analysis::StratumSums PvtSumsOf(const v1::Contest& contest, const std::string& region_id,
                                const SummedFields& totals) {
  auto get = [&](const std::string& field) {
    auto found = totals.find(field);
    return found == totals.end() ? int64_t{0} : found->second;
  };
  namespace layout = redis::layout;
  analysis::StratumSums sums{.stratum = region_id};
  sums.stations = get(std::string(layout::kStationsReporting));
  sums.xx = get(std::string(layout::kPvtSumXX));
  for (const auto& option : contest.options()) {
    const std::string& id = option.option_id();
    sums.y.push_back(get(std::string(layout::kVotesPrefix) + id));
    sums.yy.push_back(get(std::string(layout::kPvtSumYYPrefix) + id));
    sums.xy.push_back(get(std::string(layout::kPvtSumXYPrefix) + id));
    sums.x += sums.y.back();
  }
  return sums;
}

Result<const v1::Contest*> FindContest(const domain::Registry& registry,
                                       const std::string& contest_id) {
  const v1::Contest* contest = registry.FindContest(contest_id);
  if (contest == nullptr) return Status::NotFound(fmt::format("no contest '{}'", contest_id));
  return contest;
}

v1::RedFlagKind KindOf(analysis::RedFlagKind kind) {
  switch (kind) {
    case analysis::RedFlagKind::kTurnoutAbove95:
      return v1::RED_FLAG_KIND_TURNOUT_ABOVE_95;
    case analysis::RedFlagKind::kOptionAbove90:
      return v1::RED_FLAG_KIND_OPTION_ABOVE_90;
    case analysis::RedFlagKind::kTurnoutShareOutlier:
      return v1::RED_FLAG_KIND_TURNOUT_SHARE_OUTLIER;
    case analysis::RedFlagKind::kIdenticalProtocol:
      return v1::RED_FLAG_KIND_IDENTICAL_PROTOCOL;
  }
  return v1::RED_FLAG_KIND_UNSPECIFIED;
}

}  // namespace

AnalysisService::AnalysisService(std::shared_ptr<PublishedStore> store,
                                 std::shared_ptr<const PvtSample> pvt_sample)
    : store_(std::move(store)),
      registry_(&store_->registry()),
      pvt_sample_(std::move(pvt_sample)) {}

grpc::Status AnalysisService::GetSeats(grpc::ServerContext*, const v1::GetSeatsRequest* request,
                                       v1::SeatAllocation* response) {
  // The arguments first: a bad request is INVALID_ARGUMENT whatever the store says.
  if (request->seats() < 0) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "seats must not be negative");
  }
  const int seats = request->seats() == 0 ? kMazhilisSeats : request->seats();
  const double threshold =
      request->has_threshold_percent() ? request->threshold_percent() : kThresholdPercent;
  // Written so that NaN (which compares false with everything) is refused too.
  if (!(threshold >= 0 && threshold <= 100)) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "threshold_percent must be a number between 0 and 100");
  }
  const std::string area_id =
      request->area_id().empty() ? registry_->nation_id() : request->area_id();
  auto read = store_->ReadTotals({area_id, request->contest_id(), /*official=*/false});
  if (!read.ok()) return ToGrpc(read.status());
  const v1::AreaTotals& totals = *read;
  const v1::Contest* contest = registry_->FindContest(request->contest_id());
  if (contest == nullptr) return grpc::Status(grpc::StatusCode::NOT_FOUND, "no such contest");
  std::vector<analysis::ListVotes> lists;
  for (const auto& option : totals.options()) {
    bool against_all = false;
    for (const auto& o : contest->options()) {
      if (o.option_id() == option.option_id()) against_all = o.against_all();
    }
    lists.push_back({option.option_id(), option.votes(), against_all});
  }
  auto allocation = analysis::AllocateSeats(lists, seats, threshold);
  response->set_contest_id(request->contest_id());
  response->set_area_id(area_id);
  response->set_seats(seats);
  response->set_threshold_percent(threshold);
  response->set_stations_reporting(totals.stations_reporting());
  response->set_stations_registered(totals.stations_registered());
  for (size_t i = 0; i < allocation.size(); ++i) {
    auto* option = response->add_options();
    option->set_option_id(allocation[i].option_id);
    option->set_name(totals.options(static_cast<int>(i)).name());
    option->set_votes(allocation[i].votes);
    option->set_share_percent(allocation[i].share_percent);
    option->set_passes_threshold(allocation[i].passes_threshold);
    option->set_seats(allocation[i].seats);
  }
  return grpc::Status::OK;
}

std::vector<const domain::Station*> AnalysisService::StationsOf(
    const v1::Area& area, const std::string& contest_id) const {
  std::vector<const domain::Station*> stations;
  std::vector<const v1::Area*> pending = {&area};
  while (!pending.empty()) {
    const v1::Area* next = pending.back();
    pending.pop_back();
    for (const auto* child : registry_->Children(next->area_id())) pending.push_back(child);
    for (const auto* station : registry_->StationsOfDistrict(next->area_id())) {
      if (domain::Registry::HoldsContest(*station, contest_id)) stations.push_back(station);
    }
  }
  return stations;
}

Result<std::vector<AnalysisService::Counted>> AnalysisService::ReadCounted(
    const std::vector<const domain::Station*>& stations, const v1::Contest& contest) {
  auto results = store_->ReadStationResults(contest, stations);
  if (!results.ok()) return results.status();
  std::vector<Counted> counted;
  for (size_t i = 0; i < stations.size(); ++i) {
    if ((*results)[i].has_counted()) {
      counted.push_back({stations[i], (*results)[i].counted().figures()});
    }
  }
  return counted;
}

grpc::Status AnalysisService::GetPvtEstimate(grpc::ServerContext*,
                                             const v1::GetPvtEstimateRequest* request,
                                             v1::PvtEstimate* response) {
  auto estimate = EstimatePvt(request->contest_id());
  if (!estimate.ok()) return ToGrpc(estimate.status());
  *response = std::move(estimate).value();
  return grpc::Status::OK;
}

Result<v1::PvtEstimate> AnalysisService::EstimatePvt(const std::string& contest_id) {
  auto found = FindContest(*registry_, contest_id);
  if (!found.ok()) return found.status();
  const v1::Contest* contest = *found;
  const v1::Area* nation = registry_->FindArea(registry_->nation_id());

  // Strata: the regions where the contest is held, with their true number of stations, and the
  // sums of their counted stations that aggregation keeps in their totals (layout.h): a read of
  // the regions' totals hashes, however many stations report.
  std::vector<analysis::Stratum> strata;
  std::vector<const v1::Area*> regions;
  for (const auto* region : registry_->Children(nation->area_id())) {
    int64_t stations = registry_->StationsRegistered(region->area_id(), contest->contest_id());
    if (stations == 0) continue;
    strata.push_back({region->area_id(), stations});
    regions.push_back(region);
  }
  auto read = store_->ReadSummedFields(*contest, redis::layout::Scope::kObserver, regions);
  if (!read.ok()) return read.status();
  std::vector<analysis::StratumSums> sums;
  for (size_t h = 0; h < regions.size(); ++h) {
    sums.push_back(PvtSumsOf(*contest, regions[h]->area_id(), (*read)[h]));
  }
  auto estimate = analysis::EstimateSharesFromSums(sums, strata, contest->options_size());
  v1::PvtEstimate out;
  out.set_contest_id(contest->contest_id());
  for (int k = 0; k < contest->options_size(); ++k) {
    auto* option = out.add_options();
    option->set_option_id(contest->options(k).option_id());
    option->set_name(contest->options(k).name());
    option->set_share_percent(estimate.options[k].share_percent);
    option->set_margin_percent(estimate.options[k].margin_percent);
  }
  out.set_stations_sampled(estimate.sampled_stations);
  out.set_stations_registered(
      registry_->StationsRegistered(nation->area_id(), contest->contest_id()));
  out.set_regions_sampled(estimate.strata_sampled);
  out.set_regions_total(estimate.strata_total);
  if (pvt_sample_) {
    auto sample = EstimateSample(*contest);
    if (!sample.ok()) return sample.status();
    *out.mutable_sample() = std::move(sample).value();
  }
  return out;
}

Result<v1::PvtSampleEstimate> AnalysisService::EstimateSample(const v1::Contest& contest) {
  // The sampled stations alone are read: a few hundred, not the contest.
  std::vector<const domain::Station*> stations;
  for (const auto& station_id : pvt_sample_->station_ids) {
    const domain::Station* station = registry_->FindStation(station_id);
    if (station != nullptr && domain::Registry::HoldsContest(*station, contest.contest_id())) {
      stations.push_back(station);
    }
  }
  auto read = ReadCounted(stations, contest);
  if (!read.ok()) return read.status();
  std::vector<ReportedStation> reported;
  for (const auto& c : *read) {
    const auto& areas = registry_->EnclosingAreas(*c.station);  // district, region, nation
    if (areas.size() < 2) continue;
    // The base is every option's votes, as in every share Hattama publishes (analysis/share.h).
    std::vector<int64_t> votes = VotesInBallotOrder(contest, c.figures);
    const int64_t base = analysis::AllOptionVotes(votes);
    reported.push_back({c.station, {areas[1]->area_id(), base, std::move(votes)}});
  }
  return EstimateFromPvtSample(*pvt_sample_, *registry_, contest, reported);
}

grpc::Status AnalysisService::GetObserverEffect(grpc::ServerContext*,
                                                const v1::GetObserverEffectRequest* request,
                                                v1::ObserverEffect* response) {
  auto found = FindContest(*registry_, request->contest_id());
  if (!found.ok()) return ToGrpc(found.status());
  const v1::Contest* contest = *found;
  const v1::Area* nation = registry_->FindArea(registry_->nation_id());
  auto read = ReadCounted(StationsOf(*nation, contest->contest_id()), *contest);
  if (!read.ok()) return ToGrpc(read.status());
  auto observed = StationsCoveredByAffiliation(
      *store_, domain::AffiliationName(domain::Affiliation::kIndependent));
  if (!observed.ok()) return ToGrpc(observed.status());
  std::vector<CountedProtocol> counted;
  for (const auto& c : *read) counted.push_back({c.station->station_id(), &c.figures});
  *response = ObserverEffectOf(*contest, counted, *observed);
  return grpc::Status::OK;
}

grpc::Status AnalysisService::GetReforms(grpc::ServerContext*, const v1::GetReformsRequest* request,
                                         v1::Reforms* response) {
  auto reforms = ComputeReforms(*store_, *request);
  if (!reforms.ok()) return ToGrpc(reforms.status());
  *response = std::move(reforms).value();
  return grpc::Status::OK;
}

grpc::Status AnalysisService::GetRedFlags(grpc::ServerContext*,
                                          const v1::GetRedFlagsRequest* request,
                                          v1::RedFlags* response) {
  const v1::Area* area = registry_->FindArea(request->area_id());
  if (area == nullptr) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        fmt::format("no area '{}'", request->area_id()));
  }
  auto found = FindContest(*registry_, request->contest_id());
  if (!found.ok()) return ToGrpc(found.status());
  const v1::Contest* contest = *found;
  auto read = ReadCounted(StationsOf(*area, contest->contest_id()), *contest);
  if (!read.ok()) return ToGrpc(read.status());
  const std::vector<Counted>& counted = *read;
  std::vector<analysis::StationFigures> stations;
  std::vector<int64_t> vote_counts;
  for (const auto& c : counted) {
    auto votes = VotesInBallotOrder(*contest, c.figures);
    vote_counts.insert(vote_counts.end(), votes.begin(), votes.end());
    stations.push_back({c.station->station_id(), c.figures.registered_voters(),
                        c.figures.ballots_in_box(), c.figures.ballots_spoiled(),
                        c.figures.ballots_valid(), std::move(votes)});
  }
  response->set_area_id(area->area_id());
  response->set_contest_id(contest->contest_id());
  response->set_stations_examined(static_cast<int64_t>(stations.size()));
  for (const auto& flag : analysis::FindRedFlags(stations)) {
    auto* out = response->add_flags();
    out->set_station_id(flag.station_id);
    out->set_kind(KindOf(flag.kind));
    out->set_detail(flag.detail);
  }
  auto digits = analysis::TestLastDigits(vote_counts);
  auto* test = response->mutable_last_digits();
  for (int64_t count : digits.counts) test->add_digit_counts(count);
  test->set_counts_tested(digits.n);
  test->set_chi_square(digits.chi_square);
  test->set_p_value(digits.p_value);
  return grpc::Status::OK;
}

}  // namespace hattama::publication
