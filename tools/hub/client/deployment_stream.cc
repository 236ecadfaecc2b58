#include "tools/hub/client/deployment_stream.h"

#include <fmt/format.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "hattama/v1/ingestion.grpc.pb.h"
#include "tools/hub/client/channel_credentials.h"

namespace hattama::hub {

Result<DeploymentStreamReport> StreamDeploymentEvents(
    const std::vector<v1::DeploymentEvent>& events, const StreamOptions& options) {
  auto credentials = ChannelCredentials(options);
  if (!credentials.ok()) return credentials.status();
  std::map<std::string, std::vector<const v1::DeploymentEvent*>> by_hub;
  for (const auto& event : events) by_hub[event.hub_id()].push_back(&event);
  DeploymentStreamReport report;
  std::mutex mu;
  std::vector<std::thread> threads;
  std::vector<Status> results(by_hub.size(), Status::Ok());
  size_t h = 0;
  for (auto& [hub_id, hub_events] : by_hub) {
    threads.emplace_back([&, hub_id = hub_id, hub_events = hub_events, slot = h++]() mutable {
      grpc::ChannelArguments args;
      args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
      auto channel = grpc::CreateCustomChannel(options.ingestion_address, *credentials, args);
      auto stub = v1::IngestionService::NewStub(channel);
      // Answers by event id; an event sent twice on one stream gets two, so count per send.
      std::vector<const v1::DeploymentEvent*> pending = hub_events;
      auto backoff = std::chrono::milliseconds(100);
      const auto deadline = std::chrono::steady_clock::now() + options.give_up_after;
      while (!pending.empty()) {
        grpc::ClientContext context;
        if (auto it = options.tokens.find(hub_id); it != options.tokens.end()) {
          context.AddMetadata("authorization", "Bearer " + it->second);
        }
        auto stream = stub->StreamDeploymentEvents(&context);
        std::thread writer([&] {
          for (const auto* event : pending) {
            v1::StreamDeploymentEventsRequest request;
            *request.mutable_event() = *event;
            if (!stream->Write(request)) return;
          }
          stream->WritesDone();
        });
        std::unordered_map<std::string, int> answered;
        v1::DeploymentEventAck ack;
        while (stream->Read(&ack)) {
          ++answered[ack.event_id()];
          std::lock_guard lock(mu);
          if (ack.outcome() == v1::OUTCOME_ACCEPTED) ++report.accepted;
          if (ack.outcome() == v1::OUTCOME_DUPLICATE) ++report.duplicate;
          if (ack.outcome() == v1::OUTCOME_REJECTED) ++report.rejected;
        }
        writer.join();
        const grpc::Status status = stream->Finish();
        std::vector<const v1::DeploymentEvent*> rest;
        for (const auto* event : pending) {
          auto it = answered.find(event->event_id());
          if (it != answered.end() && it->second > 0) {
            --it->second;
          } else {
            rest.push_back(event);
          }
        }
        pending = std::move(rest);
        if (pending.empty()) break;
        if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED ||
            std::chrono::steady_clock::now() > deadline) {
          results[slot] =
              Status::Error(fmt::format("{}: deployment events: {} ({} unanswered)", hub_id,
                                        status.error_message(), pending.size()));
          return;
        }
        {
          std::lock_guard lock(mu);
          ++report.reconnects;
        }
        std::this_thread::sleep_for(backoff);
        backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& result : results) {
    if (!result.ok()) return result;
  }
  return report;
}

}  // namespace hattama::hub
