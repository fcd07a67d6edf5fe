// Operational failures (disk, network, broker, bad configuration, bad input of a peer or an
// operator, corruption found on disk) as values: a [[nodiscard]] Status or Result<T> that the
// caller must look at. The code says what kind of failure it is, so a transport can answer it
// (400, 403, 404, 409, 503) without parsing the message. Business rejections are not failures
// (they are clearing::Reject); bugs are not failures either (they stop the process via MC_CHECK).
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "clearing/check.h"

namespace medclear {

// What kind of failure a Status is. kError: an operational failure without a finer kind.
enum class StatusCode {
  kOk,
  kError,
  kInvalid,      // the input is malformed or out of bounds: asking again the same way fails again
  kForbidden,    // the caller may not ask this
  kNotFound,     // what was asked for is not here
  kConflict,     // the input contradicts what is kept
  kUnavailable,  // not now (not ready, timed out, busy): asking again later may succeed
  kCorruption,   // what is kept on disk does not decode or does not verify
};

class [[nodiscard]] Status {
 public:
  static Status ok() { return Status(); }
  static Status error(std::string message) {
    return Status(StatusCode::kError, std::move(message));
  }
  static Status invalid(std::string message) {
    return Status(StatusCode::kInvalid, std::move(message));
  }
  static Status forbidden(std::string message) {
    return Status(StatusCode::kForbidden, std::move(message));
  }
  static Status not_found(std::string message) {
    return Status(StatusCode::kNotFound, std::move(message));
  }
  static Status conflict(std::string message) {
    return Status(StatusCode::kConflict, std::move(message));
  }
  static Status unavailable(std::string message) {
    return Status(StatusCode::kUnavailable, std::move(message));
  }
  static Status corruption(std::string message) {
    return Status(StatusCode::kCorruption, std::move(message));
  }
  bool is_ok() const { return !message_.has_value(); }
  StatusCode code() const { return code_; }
  const std::string& message() const {
    static const std::string kOk = "ok";
    return message_ ? *message_ : kOk;
  }
  // Marks a status as deliberately ignored, so the reader sees the decision.
  void ignore() const {}

 private:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}
  StatusCode code_ = StatusCode::kOk;
  std::optional<std::string> message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)), status_(Status::ok()) {}  // NOLINT: implicit
  Result(Status status) : status_(std::move(status)) {                  // NOLINT: implicit
    MC_CHECK(!status_.is_ok(), "a Result built from an ok Status has no value");
  }
  bool is_ok() const { return status_.is_ok(); }
  const Status& status() const { return status_; }
  T& value() {
    MC_CHECK(value_.has_value(), "value() of a failed Result");
    return *value_;
  }
  const T& value() const {
    MC_CHECK(value_.has_value(), "value() of a failed Result");
    return *value_;
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace medclear
