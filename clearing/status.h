// Operational failures (disk, network, broker, bad configuration) as values: a [[nodiscard]]
// Status or Result<T> that the caller must look at. Business rejections are not failures (they
// are clearing::Reject); bugs are not failures either (they stop the process via MC_CHECK).
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "clearing/check.h"

namespace medclear {

class [[nodiscard]] Status {
 public:
  static Status ok() { return Status(); }
  static Status error(std::string message) { return Status(std::move(message)); }
  bool is_ok() const { return !message_.has_value(); }
  const std::string& message() const {
    static const std::string kOk = "ok";
    return message_ ? *message_ : kOk;
  }
  // Marks a status as deliberately ignored, so the reader sees the decision.
  void ignore() const {}

 private:
  Status() = default;
  explicit Status(std::string message) : message_(std::move(message)) {}
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
