#include "services/publication/connection_pool.h"

namespace hattama::publication {

ConnectionPool::Lease::Lease(Lease&& other) noexcept
    : pool_(other.pool_), connection_(std::move(other.connection_)), broken_(other.broken_) {
  other.pool_ = nullptr;
}

ConnectionPool::Lease::~Lease() {
  if (pool_ != nullptr && connection_ != nullptr) pool_->Return(std::move(connection_), broken_);
}

ConnectionPool::ConnectionPool(redis::ClientOptions redis, size_t max_connections)
    : redis_(std::move(redis)), max_connections_(max_connections) {}

Result<ConnectionPool::Lease> ConnectionPool::Acquire() {
  std::unique_lock lock(mutex_);
  bool available = returned_.wait_for(lock, redis_.timeout,
                                      [&] { return !idle_.empty() || open_ < max_connections_; });
  if (!available) {
    return Status::Error("all " + std::to_string(max_connections_) +
                         " redis connections stayed busy");
  }
  if (!idle_.empty()) {
    auto connection = std::move(idle_.back());
    idle_.pop_back();
    return Lease(this, std::move(connection));
  }
  ++open_;
  lock.unlock();
  // Connecting outside the lock: a slow connect must not hold up threads with idle connections.
  auto connection = redis::ConnectClient(redis_);
  if (!connection.ok()) {
    lock.lock();
    --open_;
    returned_.notify_one();
    return connection.status();
  }
  return Lease(this, std::move(connection).value());
}

void ConnectionPool::Return(std::unique_ptr<redis::Client> connection, bool broken) {
  std::lock_guard lock(mutex_);
  if (broken) {
    --open_;
  } else {
    idle_.push_back(std::move(connection));
  }
  returned_.notify_one();
}

}  // namespace hattama::publication
