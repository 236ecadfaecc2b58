#include "services/tlog/logged_sources.h"

namespace hattama::transparency {

bool LoggedSources::Add(const tlog::SourcePosition& source) {
  auto& runs = runs_[source.partition];
  const std::int64_t offset = source.offset;
  // The run starting after `offset`, and the one before it (which may hold or touch it).
  auto next = runs.upper_bound(offset);
  if (next != runs.begin()) {
    auto previous = std::prev(next);
    if (offset < previous->second) return false;
    if (offset == previous->second) {
      previous->second = offset + 1;
      if (next != runs.end() && next->first == previous->second) {
        previous->second = next->second;
        runs.erase(next);
      }
      ++size_;
      return true;
    }
  }
  if (next != runs.end() && next->first == offset + 1) {
    const std::int64_t end = next->second;
    runs.erase(next);
    runs.emplace(offset, end);
  } else {
    runs.emplace(offset, offset + 1);
  }
  ++size_;
  return true;
}

bool LoggedSources::Contains(const tlog::SourcePosition& source) const {
  auto partition = runs_.find(source.partition);
  if (partition == runs_.end()) return false;
  auto next = partition->second.upper_bound(source.offset);
  if (next == partition->second.begin()) return false;
  return source.offset < std::prev(next)->second;
}

std::int64_t LoggedSources::ResumeOffset(std::int32_t partition) const {
  auto found = runs_.find(partition);
  if (found == runs_.end() || found->second.empty()) return 0;
  const auto& first = *found->second.begin();
  // A partition whose log starts above 0 (retention took its beginning before it was logged)
  // resumes at 0, and reading it fails loudly rather than skipping what was never logged.
  return first.first == 0 ? first.second : 0;
}

std::int32_t LoggedSources::PartitionsSeen() const {
  return runs_.empty() ? 0 : runs_.rbegin()->first + 1;
}

}  // namespace hattama::transparency
