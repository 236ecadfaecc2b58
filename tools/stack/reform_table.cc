#include "tools/stack/reform_table.h"

#include <fmt/format.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>

#include "hattama/v1/analysis.grpc.pb.h"

namespace hattama::stack {
namespace {

std::string Percent(double value) { return fmt::format("{:.1f} %", value); }

// "27.1 % / 29.0 % / 25.3 %" of the three systems, by `field`.
template <typename Field>
std::string ThreeSystems(const v1::Reforms& reforms, Field field) {
  std::string line = Percent(field(reforms.decided_current_threshold())) + " / " +
                     Percent(field(reforms.decided_proposed_threshold()));
  line += " / " + (reforms.has_decided_mixed() ? Percent(field(reforms.decided_mixed())) : "-");
  return line;
}

std::string TurnoutLine(const v1::Reforms& reforms) {
  int regions = 0;
  int districts = 0;
  for (const auto& area : reforms.areas_below_min_turnout()) {
    if (area.kind() == v1::AREA_KIND_REGION) ++regions;
    if (area.kind() == v1::AREA_KIND_DISTRICT) ++districts;
  }
  const bool below =
      reforms.stations_reporting() > 0 && reforms.turnout_percent() < reforms.min_turnout_percent();
  return fmt::format(
      "   turnout {}, {} the {} minimum: under it {} regions, {} districts and {} of the "
      "election's contests{}\n",
      Percent(reforms.turnout_percent()), below ? "under" : "at or above",
      Percent(reforms.min_turnout_percent()), regions, districts,
      reforms.contests_below_min_turnout_size(), below ? " (this one included)" : "");
}

}  // namespace

std::string FormatReformTable(const v1::Reforms& reforms) {
  std::string out = fmt::format(
      "== reforms (GetReforms, contest {}, {} seats; observers' counts at {} of {} stations)\n",
      reforms.contest_id(), reforms.seats(), reforms.stations_reporting(),
      reforms.stations_registered());
  out += fmt::format("   {:<22} {:>11} {:>8} {:>6} {:>6}   mixed ({} list + {} constituencies)\n",
                     "list", "votes", "share", Percent(reforms.current_threshold_percent()),
                     Percent(reforms.proposed_threshold_percent()), reforms.mixed_list_seats(),
                     reforms.mixed_constituency_seats());
  for (const auto& option : reforms.options()) {
    if (option.against_all()) {
      out += fmt::format("   {:<22} {:>11} {:>8} {:>6} {:>6}   -\n", option.name(), option.votes(),
                         Percent(option.share_percent()), "-", "-");
      continue;
    }
    out += fmt::format("   {:<22} {:>11} {:>8} {:>6} {:>6}   {} + {} = {}\n", option.name(),
                       option.votes(), Percent(option.share_percent()),
                       option.seats_current_threshold(), option.seats_proposed_threshold(),
                       option.mixed_list_seats(), option.mixed_constituency_seats(),
                       option.mixed_list_seats() + option.mixed_constituency_seats());
  }
  const auto& against_all = reforms.against_all();
  if (against_all.on_ballot()) {
    out += fmt::format(
        "   against all: {}, {} the {} maximum: {}\n", Percent(against_all.share_percent()),
        against_all.exceeds_max() ? "above" : "within", Percent(against_all.max_percent()),
        against_all.exceeds_max() ? "the contest is void and held again, no seat is given"
                                  : "the contest stands");
  } else {
    out += "   against all: not on this ballot\n";
  }
  out += TurnoutLine(reforms);
  out += fmt::format("   votes that elected the seats ({} / {} / mixed): {} of registered voters",
                     Percent(reforms.current_threshold_percent()),
                     Percent(reforms.proposed_threshold_percent()),
                     ThreeSystems(reforms, [](const auto& d) { return d.registered_percent(); }));
  if (reforms.has_population() && reforms.decided_current_threshold().has_population_percent()) {
    out += ", " + ThreeSystems(reforms, [](const auto& d) { return d.population_percent(); }) +
           " of the population";
  }
  return out + "\n";
}

bool PrintReformTable(const std::string& address, const std::string& contest_id,
                      std::ostream& out) {
  auto stub = v1::AnalysisService::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::GetReformsRequest request;
  request.set_contest_id(contest_id);
  v1::Reforms reforms;
  const grpc::Status status = stub->GetReforms(&context, request, &reforms);
  if (!status.ok()) {
    out << "== reforms: GetReforms failed: " << status.error_message() << "\n" << std::flush;
    return false;
  }
  out << FormatReformTable(reforms) << std::flush;
  return true;
}

}  // namespace hattama::stack
