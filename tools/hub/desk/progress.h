// The hub's own progress, from the desk's store: photos received, typed once, twice, in conflict,
// queued, sent, acknowledged, flagged and rejected, in all and per region and contest; and per
// operator their entries, entries in the last hour, and how often they disagreed with the other
// typist of the same photo.
#pragma once

#include <cstdint>

#include "common/base/result.h"
#include "common/domain/registry.h"
#include "tools/hub/desk/desk.pb.h"
#include "tools/hub/desk/desk_store.h"

namespace hattama::desk {

// `now` in unix seconds (for the last hour). Thread-safe as DeskStore is.
Result<Progress> ComputeProgress(DeskStore& store, const domain::Registry& registry, int64_t now);

}  // namespace hattama::desk
