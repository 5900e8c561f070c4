// The controlling terminal while the TUI runs: raw input (but Ctrl-C still
// raises SIGINT, so every way out goes through the manager's orderly
// shutdown), the alternate screen, a hidden cursor and SGR mouse reporting.
//
// Ownership: a Terminal owns the terminal's mode from Open() until
// Restore() or destruction, which put back the saved termios, the fd flags
// and the screen, on every exit path. For paths that skip destructors (an
// abort from a CHECK, a fatal signal) Open() also installs handlers for
// SIGABRT, SIGSEGV, SIGBUS, SIGFPE and SIGILL that restore the terminal
// with async-signal-safe calls and then re-raise. At most one Terminal is
// open at a time (CHECKed). Not copyable or movable.
#ifndef TABSIM_MANAGER_TUI_TERMINAL_H_
#define TABSIM_MANAGER_TUI_TERMINAL_H_

#include <termios.h>

#include <memory>
#include <string_view>
#include <utility>

#include "common/result.h"

namespace tabsim {

class Terminal {
 public:
  // Fails (with a message) when `in_fd`/`out_fd` are not terminals.
  static Result<std::unique_ptr<Terminal>> Open(int in_fd, int out_fd);
  Terminal(const Terminal&) = delete;
  Terminal& operator=(const Terminal&) = delete;
  ~Terminal();

  // Idempotent.
  void Restore();

  // Writes everything (waits while the terminal is slow). Errors are values.
  Status Write(std::string_view bytes);
  // Columns and rows.
  Result<std::pair<int, int>> Size() const;

  int in_fd() const { return in_fd_; }
  int out_fd() const { return out_fd_; }

  // The escape sequences Open() sends and Restore() undoes (for tests).
  static const char kEnterSequence[];
  static const char kLeaveSequence[];

 private:
  Terminal(int in_fd, int out_fd) : in_fd_(in_fd), out_fd_(out_fd) {}

  int in_fd_;
  int out_fd_;
  termios saved_{};
  int saved_in_flags_ = 0;
  int saved_out_flags_ = 0;
  bool active_ = false;
};

}  // namespace tabsim

#endif  // TABSIM_MANAGER_TUI_TERMINAL_H_
