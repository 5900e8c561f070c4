#include "manager/tui/terminal.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/check.h"

namespace tabsim {

// Alternate screen, hidden cursor, button + drag mouse tracking in SGR
// encoding, cleared screen.
const char Terminal::kEnterSequence[] =
    "\x1b[?1049h\x1b[?25l\x1b[?1000h\x1b[?1002h\x1b[?1006h\x1b[2J";
const char Terminal::kLeaveSequence[] =
    "\x1b[?1006l\x1b[?1002l\x1b[?1000l\x1b[0m\x1b[?25h\x1b[?1049l";

namespace {

// For the fatal-signal handlers: plain data, set before they are installed.
struct CrashRestore {
  volatile sig_atomic_t armed = 0;
  int in_fd = -1;
  int out_fd = -1;
  termios saved{};
};
CrashRestore g_crash_restore;
bool g_open = false;
constexpr int kFatalSignals[] = {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL};

void RestoreOnFatalSignal(int signal_number) {
  if (g_crash_restore.armed) {
    g_crash_restore.armed = 0;
    (void)!::write(g_crash_restore.out_fd, Terminal::kLeaveSequence,
                   sizeof(Terminal::kLeaveSequence) - 1);
    ::tcsetattr(g_crash_restore.in_fd, TCSANOW, &g_crash_restore.saved);
  }
  // SA_RESETHAND restored the default action: die of the same signal.
  ::raise(signal_number);
}

}  // namespace

Result<std::unique_ptr<Terminal>> Terminal::Open(int in_fd, int out_fd) {
  TABSIM_CHECK(!g_open) << "a Terminal is already open";
  if (!::isatty(in_fd) || !::isatty(out_fd))
    return Error{"the terminal UI needs a terminal on stdin and stdout "
                 "(use --ui none)",
                 ENOTTY};
  std::unique_ptr<Terminal> terminal(new Terminal(in_fd, out_fd));
  if (::tcgetattr(in_fd, &terminal->saved_) != 0)
    return Error::FromErrno("tcgetattr");
  terminal->saved_in_flags_ = ::fcntl(in_fd, F_GETFL);
  terminal->saved_out_flags_ = ::fcntl(out_fd, F_GETFL);
  termios raw = terminal->saved_;
  ::cfmakeraw(&raw);
  raw.c_lflag |= ISIG;  // Ctrl-C and Ctrl-\ stay signals
  raw.c_cc[VMIN] = 1;
  raw.c_cc[VTIME] = 0;
  if (::tcsetattr(in_fd, TCSAFLUSH, &raw) != 0)
    return Error::FromErrno("tcsetattr");
  terminal->active_ = true;
  g_open = true;

  g_crash_restore.in_fd = in_fd;
  g_crash_restore.out_fd = out_fd;
  g_crash_restore.saved = terminal->saved_;
  g_crash_restore.armed = 1;
  struct sigaction action {};
  action.sa_handler = RestoreOnFatalSignal;
  action.sa_flags = SA_RESETHAND | SA_NODEFER;
  sigemptyset(&action.sa_mask);
  for (int s : kFatalSignals) ::sigaction(s, &action, nullptr);

  Status entered = terminal->Write(kEnterSequence);
  if (!entered.ok()) return entered.error();  // the destructor restores
  return terminal;
}

Terminal::~Terminal() { Restore(); }

void Terminal::Restore() {
  if (!active_) return;
  active_ = false;
  g_crash_restore.armed = 0;
  struct sigaction action {};
  action.sa_handler = SIG_DFL;
  sigemptyset(&action.sa_mask);
  for (int s : kFatalSignals) ::sigaction(s, &action, nullptr);
  // Back to blocking writes first, so the leave sequence gets out.
  if (saved_out_flags_ >= 0) ::fcntl(out_fd_, F_SETFL, saved_out_flags_);
  if (saved_in_flags_ >= 0) ::fcntl(in_fd_, F_SETFL, saved_in_flags_);
  (void)Write(kLeaveSequence);
  ::tcsetattr(in_fd_, TCSAFLUSH, &saved_);
  g_open = false;
}

Status Terminal::Write(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(out_fd_, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      // The tty shares its file description with stdin, which may be
      // non-blocking; wait for room (a terminal is never slow for long).
      pollfd wait{out_fd_, POLLOUT, 0};
      ::poll(&wait, 1, 1000);
      continue;
    }
    if (n < 0) return Error::FromErrno("write to the terminal");
    bytes.remove_prefix(size_t(n));
  }
  return Status::Ok();
}

Result<std::pair<int, int>> Terminal::Size() const {
  winsize size{};
  if (::ioctl(out_fd_, TIOCGWINSZ, &size) != 0)
    return Error::FromErrno("TIOCGWINSZ");
  if (size.ws_col == 0 || size.ws_row == 0)
    return std::pair<int, int>(80, 24);
  return std::pair<int, int>(size.ws_col, size.ws_row);
}

}  // namespace tabsim
