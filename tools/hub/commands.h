// hattama-hub's subcommands, one function each (main.cc parses the flags and calls one): generate
// writes a synthetic registry and the hubs' credentials, simulate plays election night against a
// running stack and checks it against the ground truth, send streams a real hub's own file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tools/hub/client/send.h"
#include "tools/hub/client/stream_options.h"
#include "tools/hub/simulator/plan.h"

namespace hattama::hub {

// Exit codes: 0 when everything matched (or was accepted), kMismatch when the services answered
// or published otherwise than expected, kFailure when the command could not do its work.
inline constexpr int kMismatch = 1;
inline constexpr int kFailure = 2;

// Every subcommand's flags; each reads those it defines.
struct Flags {
  std::string out_dir = "election";
  std::string dir = "election";
  int64_t stations = 10'000;
  uint64_t seed = 2021;
  int hubs = 4;
  std::string ingestion = "127.0.0.1:7001";
  std::string publication = "127.0.0.1:7003";
  int timeout_seconds = 120;
  int64_t window = 2048;
  int workers = 8;
  bool regenerate = false;
  bool skip_stations = false;
  bool official_results = true;
  // generate: one synthetic organisation requires signed protocols (simulate then signs them).
  bool signing = false;
  double several_versions_rate = 0.02;
  std::string log_level = "info";
  std::string tokens_path;
  // simulate: where to write every answer as it arrives, as send journals them; empty: nowhere.
  std::string answers_path;
  // simulate: a named deployment scenario streamed instead of the drawn deployment ("haq-2021",
  // simulator/scenario_haq2021.h); empty: the drawn one.
  std::string scenario;
  // simulate: the order protocols arrive in, "shuffled" or "cities-first" (PlanOptions::Arrival),
  // and the PVT sample file whose stations report first; empty: none.
  std::string arrival = "shuffled";
  std::string pvt_sample_path;
  // simulate: stations whose protocols the night does not send (PlanOptions::held_back).
  std::vector<std::string> held_back;
  std::string tls_ca;
  std::string tls_cert;
  std::string tls_key;
};

// Where and how to stream, from the flags simulate and send share: ingestion's address, the
// window, the timeout and the TLS files.
void ApplyConnectionFlags(const Flags& flags, StreamOptions& options);

// The night simulate draws, from the flags generate and simulate share (seed, hubs, official
// results, several versions): generate registers the hubs and observers of this same plan.
PlanOptions PlanOptionsFor(const Flags& flags);

int Generate(const Flags& flags);
// Writes a new Ed25519 key pair: `private_path` (mode 0600, never over an existing file) and
// `private_path`.pub.
int Keygen(const std::string& private_path);
int Simulate(const Flags& flags);
// `options` carries send's own flags (file, journal, token, max message size).
int Send(const Flags& flags, SendOptions options);

}  // namespace hattama::hub
