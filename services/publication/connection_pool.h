// A small pool of Redis clients for the gRPC handler threads: a client is used by one thread at a
// time, and at most `max_connections` exist, so a burst of requests cannot open thousands of
// sockets to Redis. Each is a redis::Client from the pool's ClientOptions: one connection to one
// server, or on a Redis Cluster one connection to each master it has read from (a MULTI ... EXEC
// group goes to the master of its slot). Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/redis/client.h"

namespace hattama::publication {

class ConnectionPool {
 public:
  // A client lent to one thread; goes back to the pool when the lease ends, unless it was marked
  // broken (an I/O error leaves a hiredis connection unusable).
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    redis::Client& operator*() { return *connection_; }
    redis::Client* operator->() { return connection_.get(); }
    void MarkBroken() { broken_ = true; }

   private:
    friend class ConnectionPool;
    Lease(ConnectionPool* pool, std::unique_ptr<redis::Client> connection)
        : pool_(pool), connection_(std::move(connection)) {}
    ConnectionPool* pool_;
    std::unique_ptr<redis::Client> connection_;
    bool broken_ = false;
  };

  // `redis.timeout` bounds connecting, each round trip and the wait for a free client.
  ConnectionPool(redis::ClientOptions redis, size_t max_connections);

  // An idle client, a new one while fewer than max_connections exist, or else the first one
  // returned within the timeout. An error when Redis cannot be reached or every connection stays
  // busy.
  Result<Lease> Acquire();

 private:
  void Return(std::unique_ptr<redis::Client> connection, bool broken);

  const redis::ClientOptions redis_;
  const size_t max_connections_;
  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<redis::Client>> idle_;
  size_t open_ = 0;  // Idle plus lent.
};

}  // namespace hattama::publication
