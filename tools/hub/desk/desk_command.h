// hattama-hub desk's flags and entry point (main.cc parses, Desk runs).
#pragma once

#include <cstdint>
#include <string>

#include "tools/hub/commands.h"
#include "tools/hub/desk/photo_store.h"

namespace hattama::hub {

struct DeskOptions {
  // DATA: the desk's database and photos.
  std::string data_dir = "desk";
  // host:port of the web page and its API; 0.0.0.0 serves the hub's local network.
  std::string listen = "0.0.0.0:8090";
  // The hub this desk relays for, and its token for ingestion.
  std::string hub_id;
  std::string token;
  int64_t max_photo_bytes = desk::kDefaultMaxPhotoBytes;
  // A batch of the queue gives up after this long without an answer, then is retried after
  // retry_ms.
  int64_t send_timeout_ms = 3000;
  int64_t retry_ms = 1000;
  // An operator's session ends after this long unused (desk.h's kDefaultSessionIdleSeconds).
  int64_t session_idle_seconds = 3600;
  // PEM certificate and key of the desk's own page: HTTPS instead of HTTP (not --tls-cert and
  // --tls-key, which are the client certificate towards ingestion, as in `send`).
  std::string web_tls_cert;
  std::string web_tls_key;
  // --add-operator NAME: create the account (role, token: given or random) and exit.
  std::string add_operator;
  std::string role = "operator";
  std::string operator_token;
};

int Desk(const Flags& flags, const DeskOptions& options);

}  // namespace hattama::hub
