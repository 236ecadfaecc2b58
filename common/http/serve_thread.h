// The one way a bound httplib server starts serving on a thread of its own.
#pragma once

#include <httplib.h>

#include <chrono>
#include <thread>

namespace hattama::http {

// Runs `server`'s accept loop (bound already) on a new thread and returns that thread once the
// loop runs, or after 5 s. httplib's stop() does nothing before the loop runs: a stop racing the
// start (a server stopped as soon as it started, on a busy machine) would leave the thread
// serving forever and whoever joins it waiting.
inline std::thread ServeOnThread(httplib::Server& server) {
  std::thread thread([&server] { server.listen_after_bind(); });
  for (int waited_ms = 0; !server.is_running() && waited_ms < 5000; ++waited_ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return thread;
}

}  // namespace hattama::http
