// What every stream of one ingestion service shares (stream_environment.h), plus what submissions
// and deployment events are checked against and claimed in.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>

#include "common/domain/registry.h"
#include "common/kafka/record_writer.h"
#include "services/ingestion/claims.h"
#include "services/ingestion/service_options.h"
#include "services/ingestion/stream_environment.h"

namespace hattama::ingestion {

// Thread-safe, as StreamEnvironment; the fields added here are set once, before any stream opens.
struct IngestionEnvironment : StreamEnvironment {
  std::shared_ptr<const domain::Registry> registry;
  Claims* claims;  // Outlives the writer, hence every delivery callback (IngestionServer).
  int32_t partition_count;
  ServiceOptions options;

  IngestionEnvironment(std::shared_ptr<const domain::Registry> registry,
                       kafka::RecordWriter* writer, Claims* claims, int32_t partition_count,
                       ServiceOptions options)
      : registry(std::move(registry)),
        claims(claims),
        partition_count(partition_count),
        options(std::move(options)) {
    this->writer = writer;
    limits = this->options.limits;
    default_hub_rate = this->options.default_hub_rate;
  }
};

}  // namespace hattama::ingestion
