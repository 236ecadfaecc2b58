#include "common/domain/partition.h"

namespace hattama::domain {

std::string SubmissionKey(std::string_view station_id, std::string_view contest_id) {
  std::string key(station_id);
  key += '|';
  key += contest_id;
  return key;
}

int32_t PartitionOf(std::string_view station_id, int32_t partition_count) {
  uint64_t hash = 14695981039346656037ULL;
  for (unsigned char c : station_id) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return static_cast<int32_t>(hash % static_cast<uint64_t>(partition_count));
}

}  // namespace hattama::domain
