#include "services/ingestion/ingestion_service.h"

#include <spdlog/spdlog.h>

#include <utility>
#include <vector>

#include "services/ingestion/acking_stream.h"
#include "services/ingestion/deployment_stream.h"
#include "services/ingestion/hub_auth.h"
#include "services/ingestion/submission_stream.h"

namespace hattama::ingestion {
namespace {

// Opens a `Stream` for a call whose hub token checks out; otherwise refuses it UNAUTHENTICATED.
template <typename Stream>
RawReactor* Open(std::shared_ptr<IngestionEnvironment> env, grpc::CallbackServerContext* context) {
  auto hub = Authenticate(env->options.hubs.get(), *context);
  if (!hub.ok()) {
    spdlog::warn("stream from {} refused: {}", context->peer(), hub.status().message());
    return new Refusal(grpc::Status(grpc::StatusCode::UNAUTHENTICATED, hub.status().message()));
  }
  auto stream = std::make_shared<Stream>(std::move(env), context, *hub);
  stream->Start();
  return stream.get();
}

}  // namespace

IngestionService::IngestionService(std::shared_ptr<const domain::Registry> registry,
                                   kafka::RecordWriter& writer, Claims& claims,
                                   int32_t partition_count, ServiceOptions options)
    : env_(std::make_shared<IngestionEnvironment>(std::move(registry), &writer, &claims,
                                                  partition_count, std::move(options))) {}

IngestionService::~IngestionService() = default;

RawReactor* IngestionService::StreamSubmissions(grpc::CallbackServerContext* context) {
  return Open<SubmissionStream>(env_, context);
}

RawReactor* IngestionService::StreamDeploymentEvents(grpc::CallbackServerContext* context) {
  return Open<DeploymentStream>(env_, context);
}

void IngestionService::Drain() {
  std::vector<std::shared_ptr<Drainable>> open = env_->StartDraining();
  spdlog::info("draining {} open streams", open.size());
  for (auto& stream : open) stream->Drain();
}

}  // namespace hattama::ingestion
