// Errors as values at syscall boundaries.
//
// A Result<T> holds either a T or an Error. An Error carries a one-line,
// human-readable message that already names the operation and, for system
// calls, the errno text ("memfd_create: Too many open files"). Callers decide
// whether the failure is fatal; nothing here logs or aborts. (std::expected
// is C++23; this is the small subset we need.)
#ifndef TABSIM_COMMON_RESULT_H_
#define TABSIM_COMMON_RESULT_H_

#include <cerrno>
#include <string>
#include <utility>
#include <variant>

#include "common/check.h"

namespace tabsim {

struct Error {
  std::string message;
  int error_number = 0;  // errno, when a system call failed; else 0

  // "<what>: <strerror(errno)>" using the current errno.
  static Error FromErrno(const std::string& what);
  static Error FromErrno(const std::string& what, int error_number);
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT: implicit
  Result(Error error) : value_(std::move(error)) {}     // NOLINT: implicit

  bool ok() const { return value_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    TABSIM_CHECK(ok()) << "value() of a failed Result: " << error().message;
    return std::get<0>(value_);
  }
  T&& value() && {
    TABSIM_CHECK(ok()) << "value() of a failed Result: " << error().message;
    return std::get<0>(std::move(value_));
  }
  const Error& error() const {
    TABSIM_CHECK(!ok()) << "error() of a successful Result";
    return std::get<1>(value_);
  }
  T* operator->() { return &value(); }
  T& operator*() & { return value(); }

 private:
  std::variant<T, Error> value_;
};

// Result<void>.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT
  static Status Ok() { return Status(); }
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const {
    TABSIM_CHECK(!ok_) << "error() of a successful Status";
    return error_;
  }

 private:
  Error error_;
  bool ok_ = true;
};

}  // namespace tabsim

#endif  // TABSIM_COMMON_RESULT_H_
