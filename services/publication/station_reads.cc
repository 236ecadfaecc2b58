#include "services/publication/station_reads.h"

#include <algorithm>

namespace hattama::publication {

std::string ClientAddress(const std::string& peer) {
  if (peer.rfind("ipv4:", 0) != 0 && peer.rfind("ipv6:", 0) != 0) return "";
  const size_t colon = peer.rfind(':');
  return colon == std::string::npos ? peer : peer.substr(0, colon);
}

StationReads::StationReads(Options options)
    : options_(options), pending_(options.max_reads, options.max_reads_per_address) {
  const size_t threads = std::max<size_t>(1, options_.threads);
  workers_.reserve(threads);
  for (size_t i = 0; i < threads; ++i) workers_.emplace_back([this] { Work(); });
}

StationReads::~StationReads() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  queued_.notify_all();
  for (auto& worker : workers_) worker.join();
}

Status StationReads::Submit(const std::string& address, std::function<void()> read) {
  {
    std::lock_guard lock(mutex_);
    switch (pending_.Take(address)) {
      case AddressQuota::Refusal::kNone:
        break;
      case AddressQuota::Refusal::kTotal:
        return Status::ResourceExhausted("too many station reads at once (" +
                                         std::to_string(options_.max_reads) +
                                         ", --max-station-reads); retry later");
      case AddressQuota::Refusal::kAddress:
        return Status::ResourceExhausted("too many station reads at once from " + address + " (" +
                                         std::to_string(options_.max_reads_per_address) +
                                         ", --max-station-reads-per-address); retry later");
    }
    queue_.push_back({address, std::move(read)});
  }
  queued_.notify_one();
  return Status::Ok();
}

void StationReads::Work() {
  std::unique_lock lock(mutex_);
  while (true) {
    queued_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // Stopping, and nothing is left to answer.
    Read read = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    read.run();
    read.run = nullptr;  // What it captured goes before the bound is released.
    lock.lock();
    pending_.Give(read.address);
  }
}

}  // namespace hattama::publication
