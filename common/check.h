// CHECK for our own bugs: a violated invariant aborts the process with the
// condition, file and line, plus any streamed context. Never use it for
// input from a tab, a user or the kernel: those are errors as values
// (common/result.h) or bad messages (manager/bad_message.h).
#ifndef TABSIM_COMMON_CHECK_H_
#define TABSIM_COMMON_CHECK_H_

#include <sstream>

namespace tabsim::internal {

class CheckFailure {
 public:
  CheckFailure(const char* condition, const char* file, int line);
  [[noreturn]] ~CheckFailure();
  std::ostream& stream() { return stream_; }

 private:
  std::ostringstream stream_;
};

// Lets `TABSIM_CHECK(x) << ...` be an expression of type void.
struct Voidify {
  void operator&(std::ostream&) {}
};

}  // namespace tabsim::internal

#define TABSIM_CHECK(condition)                                      \
  (condition) ? (void)0                                              \
              : ::tabsim::internal::Voidify() &                      \
                    ::tabsim::internal::CheckFailure(#condition,     \
                                                     __FILE__, __LINE__) \
                        .stream()

#endif  // TABSIM_COMMON_CHECK_H_
