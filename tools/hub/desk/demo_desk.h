// hattama-demo --desk: a desk beside the demo's stack for a person to try, with three operators
// (alice and bob type, carol supervises) and a few synthetic protocol photos received and ready to
// type. Each photo is a PNG drawing the protocol's lines as numbered figures ("03 1759": the third
// line of the form, 1,759), consistent with the station's registered voters.
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/domain/registry.h"
#include "tools/stack/process.h"

namespace hattama::desk {

// A station whose observer a hub relays, and the contest to photograph.
struct DeskTarget {
  std::string station_id;
  std::string contest_id;
  std::string observer_id;
};

// `count` stations voting in `contest_id` whose registered observers one hub relays, and that
// hub: the first in the registry's order for which `usable` holds (default: any). Empty when no
// hub relays so many (or the registry lists no observers).
std::pair<std::string, std::vector<DeskTarget>> PickDeskTargets(
    const domain::Registry& registry, const std::string& contest_id, size_t count,
    const std::function<bool(const DeskTarget&)>& usable = nullptr);

// The stations the demo's desk will photograph (`photos` of them, for the election's first
// contest), for the night to hold back (simulate --hold-back): typed at the desk, their protocols
// are new ones, not revisions of what the night sent.
Result<std::vector<std::string>> DemoDeskStations(const std::string& registry_dir, size_t photos);

// A PNG (grey, 8-bit) drawing `lines` one under the other, each "NN VALUE" in a 3x5 digit font.
std::string DrawProtocolPng(const std::vector<int64_t>& lines);

struct DemoDesk {
  std::unique_ptr<stack::Process> process;
  std::string url;
};

// Starts `hattama-hub desk` over `registry_dir` (with its hub-tokens.csv) on a free port, sending
// to `ingestion`; its data and log in `work_dir`/desk. Creates the operators, uploads `photos`
// photos as alice and prints the address, the operators' tokens and the photos to `out`. The
// photos are of stations for which `publication` shows no protocol of the contest yet (the first
// such in the registry's order of one hub): FailedPrecondition when there are not so many.
Result<DemoDesk> StartDemoDesk(const std::string& registry_dir, const std::string& ingestion,
                               const std::string& publication, const std::string& work_dir,
                               size_t photos, std::ostream& out);

}  // namespace hattama::desk
