// hattama-hub desk: the hub's data-entry desk. Loads the registry, opens DATA (desk.sqlite and
// photos/), starts the sender streaming the queue to ingestion and serves the web page and its API
// until SIGTERM or SIGINT. With --add-operator it creates an operator account, prints the token
// once and exits.
#include "tools/hub/desk/desk_command.h"

#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>

#include "common/base/stop_signals.h"
#include "common/domain/registry.h"
#include "tools/hub/desk/desk.h"
#include "tools/hub/desk/desk_server.h"
#include "tools/hub/desk/sender.h"
#include "tools/hub/simulator/registry_files.h"

namespace hattama::hub {

int AddDeskOperator(desk::Desk& desk, const DeskOptions& options) {
  auto token = desk.AddOperator(options.add_operator, options.role, options.operator_token);
  if (!token.ok()) {
    spdlog::error("{}", token.status().message());
    return kFailure;
  }
  std::printf("operator %s (%s) token %s\n", options.add_operator.c_str(), options.role.c_str(),
              token->c_str());
  return 0;
}

int Desk(const Flags& flags, const DeskOptions& options) {
  const sigset_t signals = BlockStopSignals();  // Before any thread starts.

  auto registry = domain::Registry::Load(ElectionJsonPath(flags.dir), StationsCsvPath(flags.dir));
  if (!registry.ok()) {
    spdlog::error("{}", registry.status().message());
    return kFailure;
  }
  auto opened = desk::Desk::Open(*registry, {.hub_id = options.hub_id,
                                             .data_dir = options.data_dir,
                                             .max_photo_bytes = options.max_photo_bytes,
                                             .session_idle_seconds = options.session_idle_seconds});
  if (!opened.ok()) {
    spdlog::error("{}", opened.status().message());
    return kFailure;
  }
  if (!options.add_operator.empty()) return AddDeskOperator(**opened, options);
  if (options.hub_id.empty()) {
    spdlog::error("--hub-id is required: the hub this desk relays for");
    return kFailure;
  }

  desk::Sender::Options sending;
  ApplyConnectionFlags(flags, sending.stream);
  if (!options.token.empty()) sending.stream.tokens[options.hub_id] = options.token;
  sending.give_up_after = std::chrono::milliseconds(options.send_timeout_ms);
  sending.retry_interval = std::chrono::milliseconds(options.retry_ms);
  desk::Sender sender((*opened)->store(), sending);
  (*opened)->set_on_queued([&sender] { sender.Wake(); });
  sender.Start();

  http::ConnectionLimits limits;
  limits.max_request_bytes = static_cast<size_t>(options.max_photo_bytes) + (64 << 10);
  auto server =
      desk::DeskServer::Start(options.listen, **opened, limits,
                              {.cert_path = options.web_tls_cert, .key_path = options.web_tls_key},
                              [&sender] { return sender.last_error(); });
  if (!server.ok()) {
    spdlog::error("{}", server.status().message());
    return kFailure;
  }
  // One line a person (or a test) reads the address from.
  std::printf("desk of hub %s listening on port %d (%s), sending to %s\n", options.hub_id.c_str(),
              (*server)->port(), options.web_tls_cert.empty() ? "http" : "https",
              flags.ingestion.c_str());
  std::fflush(stdout);
  const int signal = WaitForSignal(signals);
  spdlog::info("desk: stopping on signal {}", signal);
  return 0;
}

}  // namespace hattama::hub
