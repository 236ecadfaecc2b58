// A small pool of Redis connections for the gRPC handler threads: a Connection is used by one
// thread at a time, and at most `max_connections` exist, so a burst of requests cannot open
// thousands of sockets to Redis.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/redis/redis.h"

namespace hattama::publication {

class ConnectionPool {
 public:
  // A connection lent to one thread; goes back to the pool when the lease ends, unless it was
  // marked broken (an I/O error leaves a hiredis connection unusable).
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    redis::Connection& operator*() { return *connection_; }
    redis::Connection* operator->() { return connection_.get(); }
    void MarkBroken() { broken_ = true; }

   private:
    friend class ConnectionPool;
    Lease(ConnectionPool* pool, std::unique_ptr<redis::Connection> connection)
        : pool_(pool), connection_(std::move(connection)) {}
    ConnectionPool* pool_;
    std::unique_ptr<redis::Connection> connection_;
    bool broken_ = false;
  };

  ConnectionPool(std::string address, size_t max_connections, std::chrono::milliseconds timeout);

  // An idle connection, a new one while fewer than max_connections exist, or else the first one
  // returned within the timeout. An error when Redis cannot be reached or every connection stays
  // busy.
  Result<Lease> Acquire();

 private:
  void Return(std::unique_ptr<redis::Connection> connection, bool broken);

  const std::string address_;
  const size_t max_connections_;
  const std::chrono::milliseconds timeout_;
  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<redis::Connection>> idle_;
  size_t open_ = 0;  // Idle plus lent.
};

}  // namespace hattama::publication
