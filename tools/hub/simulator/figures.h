// The figures of the drawn protocols: what each contest comes out near nationally (the
// observers' 2021 figures, or the commission's), regional variation pinned to those national
// means, and one consistent protocol per station × contest drawn around its region.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/domain/registry.h"
#include "hattama/v1/election.pb.h"
#include "hattama/v1/protocol.pb.h"
#include "tools/hub/simulator/rng.h"

namespace hattama::hub {

// What the drawn protocols of one contest come out near, nationally.
struct ContestTarget {
  // Ballots in the box over registered voters.
  double turnout = 0.30;
  // Option id -> weight; normalised over the contest's ballot. Options not named get the mean.
  std::map<std::string, double> shares;
  // Spoiled ballots over ballots in the box, drawn uniformly per protocol.
  double spoiled_min = 0.03;
  double spoiled_max = 0.04;
};

// The observers' figures for the synthetic contests (Mazhilis 32 %, 50/18/12/10/8 and 2 against
// all; oblast maslikhat 38 %, 58/16/10/9/3; city maslikhat 25 %, 44/21/14/14/3); any other contest
// gets 30 % and equal shares.
ContestTarget TargetFor(const v1::Contest& contest);

// The announced official 2021 Mazhilis figures, for the official results of the simulation.
ContestTarget OfficialTargetFor(const v1::Contest& contest);

// Turnout and option shares of one region for one contest.
struct RegionDraw {
  double turnout = 0;
  std::vector<double> shares;  // in ballot order, summing to one
};

// Draws regional variation for one contest, then pins it so that the voter-weighted national
// means equal the target: regions differ, the country comes out at the target. Keyed by region
// area id; a region without voters for the contest has no entry. Deterministic per seed, each
// region from a stream of its own.
std::map<std::string, RegionDraw> DrawRegions(const domain::Registry& registry,
                                              const v1::Contest& contest,
                                              const ContestTarget& target,
                                              const std::vector<const v1::Area*>& regions,
                                              uint64_t seed);

// A consistent protocol of one station for one contest: every control relation holds.
v1::Figures DrawFigures(Rng& rng, const domain::Station& station, const v1::Contest& contest,
                        const ContestTarget& target, const RegionDraw& region);

}  // namespace hattama::hub
