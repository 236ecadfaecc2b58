#include "services/ingestion/stream_environment.h"

#include <fmt/format.h>

namespace hattama::ingestion {

grpc::Status StreamEnvironment::Register(std::optional<uint64_t>& id, const std::string& hub_key,
                                         std::weak_ptr<Drainable> stream) {
  std::lock_guard lock(streams_mu_);
  if (draining_) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "ingestion is shutting down");
  if (static_cast<int>(streams_.size()) >= limits.max_streams) {
    return grpc::Status(
        grpc::StatusCode::RESOURCE_EXHAUSTED,
        fmt::format("ingestion has {} streams open, its limit (--max-streams); back off and retry",
                    streams_.size()));
  }
  int& of_hub = per_hub_[hub_key];
  if (of_hub >= limits.max_streams_per_hub) {
    return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                        fmt::format("hub {} has {} streams open, the limit per hub "
                                    "(--max-streams-per-hub); close one or back off and retry",
                                    hub_key, of_hub));
  }
  ++of_hub;
  const uint64_t admitted = next_stream_++;
  streams_.emplace(admitted, Open{std::move(stream), hub_key});
  id = admitted;
  return grpc::Status::OK;
}

void StreamEnvironment::Unregister(uint64_t id) {
  std::lock_guard lock(streams_mu_);
  auto it = streams_.find(id);
  if (it == streams_.end()) return;
  auto hub = per_hub_.find(it->second.hub_key);
  if (hub != per_hub_.end() && --hub->second <= 0) per_hub_.erase(hub);
  streams_.erase(it);
}

std::vector<std::shared_ptr<Drainable>> StreamEnvironment::StartDraining() {
  std::vector<std::shared_ptr<Drainable>> open;
  std::lock_guard lock(streams_mu_);
  draining_ = true;
  for (auto& [id, entry] : streams_) {
    if (auto stream = entry.stream.lock()) open.push_back(std::move(stream));
  }
  return open;
}

int StreamEnvironment::OpenStreams() {
  std::lock_guard lock(streams_mu_);
  return static_cast<int>(streams_.size());
}

int StreamEnvironment::OpenStreams(const std::string& hub_key) {
  std::lock_guard lock(streams_mu_);
  auto it = per_hub_.find(hub_key);
  return it == per_hub_.end() ? 0 : it->second;
}

std::string HubKey(const std::string* authenticated_hub_id,
                   const grpc::CallbackServerContext& context) {
  if (authenticated_hub_id != nullptr) return *authenticated_hub_id;
  const auto& metadata = context.client_metadata();
  if (auto it = metadata.find("hattama-hub-id"); it != metadata.end() && it->second.size() > 0) {
    // Bounded: a key lives as long as the hub's streams, and is named in refusals.
    return "(unauthenticated) " +
           std::string(it->second.data(), std::min<size_t>(it->second.size(), 128));
  }
  std::string peer = context.peer();  // "ipv4:127.0.0.1:54321", "ipv6:[::1]:54321"
  if (auto colon = peer.rfind(':'); colon != std::string::npos && colon > 5) peer.resize(colon);
  return "(unauthenticated) " + peer;
}

}  // namespace hattama::ingestion
