// The signals that stop a process, taken synchronously (sigwait, sigtimedwait) by the thread that
// waits for them rather than delivered to whichever thread the kernel picks.
#pragma once

#include <pthread.h>

#include <csignal>
#include <initializer_list>

namespace hattama {

// Blocks SIGTERM, SIGINT and `extra` in the calling thread and returns them as a set to wait on.
// Call it before any other thread starts, so that every thread inherits the mask and none of them
// takes one of these signals.
inline sigset_t BlockStopSignals(std::initializer_list<int> extra = {}) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  for (int signal : extra) sigaddset(&signals, signal);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

// Waits until one of `signals` (blocked by BlockStopSignals) is pending and takes it; which one.
inline int WaitForSignal(const sigset_t& signals) {
  int signal = 0;
  sigwait(&signals, &signal);
  return signal;
}

}  // namespace hattama
