// hattama-demo --desk: a desk beside the demo's stack for a person to try, with three operators
// (alice and bob type, carol supervises) and a few synthetic protocol photos received and ready to
// type. Each photo is a PNG drawing the protocol's lines as numbered figures ("03 1759": the third
// line of the form, 1,759), consistent with the station's registered voters.
#pragma once

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
// hub; empty when no hub relays so many (or the registry lists no observers).
std::pair<std::string, std::vector<DeskTarget>> PickDeskTargets(const domain::Registry& registry,
                                                                const std::string& contest_id,
                                                                size_t count);

// A PNG (grey, 8-bit) drawing `lines` one under the other, each "NN VALUE" in a 3x5 digit font.
std::string DrawProtocolPng(const std::vector<int64_t>& lines);

struct DemoDesk {
  std::unique_ptr<stack::Process> process;
  std::string url;
};

// Starts `hattama-hub desk` over `registry_dir` (with its hub-tokens.csv) on a free port, sending
// to `ingestion`; its data and log in `work_dir`/desk. Creates the operators, uploads `photos`
// photos as alice and prints the address, the operators' tokens and the photos to `out`.
Result<DemoDesk> StartDemoDesk(const std::string& registry_dir, const std::string& ingestion,
                               const std::string& work_dir, size_t photos, std::ostream& out);

}  // namespace hattama::desk
