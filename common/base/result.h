// Expected failures as values: a Status with a message a person can act on, or a value.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace hattama {

// What kind of failure a Status is, so that a caller can tell "there is no such thing" from "the
// store is down" without reading the message. One mapping to gRPC and HTTP codes lives in
// common/base/status_grpc.h; overload is kUnavailable or kResourceExhausted, never kNotFound.
enum class StatusCode {
  kOk,
  kInvalidArgument,     // the caller's input is malformed; repeating it fails again
  kNotFound,            // the thing asked for does not exist
  kFailedPrecondition,  // the system is not in a state to do it (e.g. a feature not configured)
  kPermissionDenied,    // the caller is known but not allowed to do it (e.g. an unlisted key)
  kResourceExhausted,   // a limit was reached (a cap, a rate, a size); back off and retry
  kUnavailable,         // a dependency or the service is down or overloaded; retry later
  kInternal,            // a bug or an unexpected failure
};

class Status {
 public:
  static Status Ok() { return Status(); }
  // An unclassified failure (kInternal); prefer the named kinds below.
  static Status Error(std::string message) {
    return Status(StatusCode::kInternal, std::move(message));
  }
  static Status InvalidArgument(std::string message) {
    return Status(StatusCode::kInvalidArgument, std::move(message));
  }
  static Status NotFound(std::string message) {
    return Status(StatusCode::kNotFound, std::move(message));
  }
  static Status FailedPrecondition(std::string message) {
    return Status(StatusCode::kFailedPrecondition, std::move(message));
  }
  static Status PermissionDenied(std::string message) {
    return Status(StatusCode::kPermissionDenied, std::move(message));
  }
  static Status ResourceExhausted(std::string message) {
    return Status(StatusCode::kResourceExhausted, std::move(message));
  }
  static Status Unavailable(std::string message) {
    return Status(StatusCode::kUnavailable, std::move(message));
  }
  static Status Internal(std::string message) {
    return Status(StatusCode::kInternal, std::move(message));
  }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  bool IsNotFound() const { return code_ == StatusCode::kNotFound; }
  bool IsUnavailable() const { return code_ == StatusCode::kUnavailable; }
  const std::string& message() const { return message_; }

 private:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// A value or the Status saying why there is none.
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}       // NOLINT: implicit by design
  Result(Status error) : value_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(value_); }
  const Status& status() const {
    static const Status kOk = Status::Ok();
    return ok() ? kOk : std::get<Status>(value_);
  }
  T& value() & { return std::get<T>(value_); }
  const T& value() const& { return std::get<T>(value_); }
  T&& value() && { return std::get<T>(std::move(value_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> value_;
};

}  // namespace hattama
