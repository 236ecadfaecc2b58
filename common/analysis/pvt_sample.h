// The PVT sample file: the stations drawn before the night (hattama-hub draw-sample writes it,
// publication's --pvt-sample reads it). Its SHA-256 is published before the first protocol, so
// the file must be read back byte for byte as written: the format is plain text, one record a
// line, fields separated by one space, every line ending in "\n" (README: "The PVT sample"):
//
//   # <comment>                     any number, ignored (draw-sample writes one first)
//   format 1
//   election <election id>
//   seed <unsigned integer>         what the draw was seeded with
//   margin <percentage points>      the target 95 % margin (SampleSizeOptions, pvt.h)
//   spread <percentage points>      the assumed spread S between stations
//   stratum <region id> <N_h> <n_h> one a region, in registry order: its stations, its sample
//   station <station id> <region id>  one a sampled station, grouped by stratum, in registry order
//
// Ids hold no whitespace. Pure code, no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"

namespace hattama::analysis {

// The largest sample file read: about 500,000 sampled stations (a real PVT samples a few
// thousand). The file is read whole, into a buffer of this size.
inline constexpr size_t kMaxPvtSampleFileBytes = size_t{16} << 20;

struct PvtSampleStratum {
  std::string region_id;
  // Stations of the region in the registry when the sample was drawn (N_h), and drawn (n_h).
  int64_t stations = 0;
  int64_t sampled = 0;
};

struct PvtSampleStation {
  std::string station_id;
  std::string region_id;
};

struct PvtSample {
  std::string election_id;
  uint64_t seed = 0;
  double margin_percent = 0;
  double spread_percent = 0;
  std::vector<PvtSampleStratum> strata;
  std::vector<PvtSampleStation> stations;
};

// The file's text. An error when an id holds whitespace or is empty.
Result<std::string> FormatPvtSample(const PvtSample& sample);

// The sample in `text`: an error naming the line when a line is not one of the records above, a
// number does not parse, the format is not 1, a station is listed twice or its region has no
// stratum line, or a stratum's n_h differs from its station lines.
Result<PvtSample> ParsePvtSample(std::string_view text);

}  // namespace hattama::analysis
