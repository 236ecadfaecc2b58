// Debian's nginx (/usr/sbin/nginx) serving the public portal as production serves it: the
// portal's static files at / and the snapshot files at /data/, with the server block of
// deploy/components/nginx/portal.conf (compiled in), so that what tests, the demo and the
// benchmark see is what the Kubernetes ConfigMap deploys.
//
// API (what other tests rely on):
//   struct NginxOptions { std::string snapshot_dir; std::string portal_dir; int port = 0; };
//   static Result<std::unique_ptr<Nginx>> Start(NginxOptions);
//   std::string url() const;   // "http://127.0.0.1:<port>", no trailing slash
//
// Needs no root: the prefix, pid file, temporary and log files live in a temporary directory
// removed with the object; nginx runs in the foreground (daemon off) as a child process, stopped
// and reaped when the object goes away. The binary is /usr/sbin/nginx (HATTAMA_NGINX overrides);
// ./hattama setup installs it.
#pragma once

#include <memory>
#include <string>

#include "common/base/result.h"
#include "tools/stack/process.h"

namespace hattama::stack {

struct NginxOptions {
  // Served at /data/ (hattama-publication --snapshot-dir): /data/index.json, /data/v/<hex>.json.
  std::string snapshot_dir;
  // Served at / (hattama-publication --portal-dir): index.html and the portal's scripts.
  std::string portal_dir;
  // 0: a free port on 127.0.0.1.
  int port = 0;
  // nginx worker processes (the benchmark gives it the machine's cores).
  int workers = 1;
  // Each request logged to <temporary directory>/access.log (access_log_path()); off by default,
  // as on a benchmark.
  bool access_log = false;
};

class Nginx {
 public:
  // Writes the configuration, starts nginx and waits (bounded) until it accepts connections. An
  // error naming what is missing when nginx is not installed or refuses the configuration.
  static Result<std::unique_ptr<Nginx>> Start(NginxOptions options);
  ~Nginx();  // Stops nginx (SIGTERM, then SIGKILL) and removes its temporary directory.
  Nginx(const Nginx&) = delete;
  Nginx& operator=(const Nginx&) = delete;

  std::string url() const;  // "http://127.0.0.1:<port>"
  int port() const { return port_; }
  // The whole generated nginx.conf, and where nginx logs errors and (with access_log) requests.
  const std::string& config() const { return config_; }
  std::string error_log_path() const;
  std::string access_log_path() const;
  Process& process() { return *process_; }

  // The nginx binary this machine runs: HATTAMA_NGINX, else /usr/sbin/nginx.
  static std::string BinaryPath();

 private:
  Nginx() = default;
  std::unique_ptr<TempDir> prefix_;
  std::unique_ptr<Process> process_;
  std::string config_;
  int port_ = 0;
};

}  // namespace hattama::stack
