#include "bench/read.h"

#include <grpcpp/grpcpp.h>
#include <httplib.h>

#include <atomic>
#include <utility>
#include <vector>

#include "bench/hammer.h"
#include "hattama/v1/publication.grpc.pb.h"

namespace hattama::bench {
namespace {

// (area, contest) pairs with at least one station of the contest, nation to districts.
std::vector<std::pair<std::string, std::string>> Targets(const domain::Registry& registry) {
  std::vector<std::pair<std::string, std::string>> targets;
  std::vector<std::string> areas = {registry.nation_id()};
  for (size_t i = 0; i < areas.size(); ++i) {
    for (const v1::Area* child : registry.Children(areas[i])) areas.push_back(child->area_id());
  }
  for (const auto& area : areas) {
    for (const auto& contest : registry.election().contests()) {
      if (registry.StationsRegistered(area, contest.contest_id()) > 0) {
        targets.emplace_back(area, contest.contest_id());
      }
    }
  }
  return targets;
}

}  // namespace

Result<ReadRates> ReadRate(const domain::Registry& registry, const ReadOptions& options) {
  const auto targets = Targets(registry);
  if (targets.empty()) return Status::Error("no area has stations");
  ReadRates rates;
  std::atomic<int64_t> errors{0};

  auto channel = grpc::CreateChannel(options.grpc_address, grpc::InsecureChannelCredentials());
  std::vector<std::unique_ptr<v1::PublicationService::Stub>> stubs;
  for (int c = 0; c < options.clients; ++c) {
    // A channel per client: separate HTTP/2 connections, as separate portal servers would have.
    grpc::ChannelArguments arguments;
    arguments.SetInt("bench_client", c);
    stubs.push_back(v1::PublicationService::NewStub(grpc::CreateCustomChannel(
        options.grpc_address, grpc::InsecureChannelCredentials(), arguments)));
  }
  rates.grpc_per_second =
      Hammer(options.clients, options.duration, targets.size(), errors, [&](int c, size_t t) {
        v1::GetAreaTotalsRequest request;
        request.set_area_id(targets[t].first);
        request.set_contest_id(targets[t].second);
        v1::AreaTotals reply;
        grpc::ClientContext context;
        return stubs[c]->GetAreaTotals(&context, request, &reply).ok();
      });

  const auto colon = options.http_address.rfind(':');
  const std::string host = options.http_address.substr(0, colon);
  const int port = std::stoi(options.http_address.substr(colon + 1));
  std::vector<std::unique_ptr<httplib::Client>> http;
  for (int c = 0; c < options.clients; ++c) {
    http.push_back(std::make_unique<httplib::Client>(host, port));
    http.back()->set_keep_alive(true);
    // Without it Nagle's algorithm holds the request's last segment for the server's delayed ACK.
    http.back()->set_tcp_nodelay(true);
  }
  rates.http_per_second =
      Hammer(options.clients, options.duration, targets.size(), errors, [&](int c, size_t t) {
        auto response = http[c]->Get("/v1/GetAreaTotals?area_id=" + targets[t].first +
                                     "&contest_id=" + targets[t].second);
        return response && response->status == 200;
      });
  rates.errors = errors.load();

  return rates;
}

}  // namespace hattama::bench
