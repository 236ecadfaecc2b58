// Streams the desk's queue to ingestion through the hub client (tools/hub/client), one batch of
// unanswered submissions at a time, recording each answer in the store as it arrives. When
// ingestion is unreachable the batch gives up after `give_up_after` and is tried again after
// `retry_interval`, for as long as it takes; the queue stays on disk meanwhile, so operators go on
// working and a restarted desk sends what was left. A submission may be sent again (a restart
// after it was sent, a reconnect); its id is the same, so ingestion answers DUPLICATE and it
// counts once. The first answer recorded stays (DeskStore::RecordAnswer).
//
// Thread-safety: Wake may be called from any thread; the sender runs on its own thread from Start
// until destruction.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "tools/hub/client/stream_options.h"
#include "tools/hub/desk/desk_store.h"

namespace hattama::desk {

class Sender {
 public:
  struct Options {
    // Where and how: ingestion's address, the hub's token, TLS (as hattama-hub send).
    hub::StreamOptions stream;
    // A batch gives up after this long without an answer (then the batch is tried again).
    std::chrono::milliseconds give_up_after{3000};
    std::chrono::milliseconds retry_interval{1000};
    // Submissions handed to the client at once.
    int64_t batch = 256;
  };

  Sender(DeskStore& store, Options options);
  ~Sender();  // Stops after the batch in flight (at most give_up_after).
  Sender(const Sender&) = delete;
  Sender& operator=(const Sender&) = delete;

  void Start();
  // Something was queued: send it now rather than at the next poll.
  void Wake();
  // Why the last batch failed (e.g. ingestion unreachable); empty after a batch got through.
  std::string last_error() const;

 private:
  void Run();
  // Sends one batch; false when there was nothing to send.
  bool SendBatch();

  DeskStore& store_;
  Options options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool woken_ = false;      // guarded by mutex_
  bool stopping_ = false;   // guarded by mutex_
  std::string last_error_;  // guarded by mutex_
  std::thread thread_;
};

}  // namespace hattama::desk
