// tabsim-init: PID 1 of a tab's PID namespace (common/init_protocol.h says
// what it tells the manager and why it exists). The manager's Spawn()
// execs it, in the tab's new namespaces, with the tab's fds already in
// place; it forks the tab program, reaps, relays signals and reports the
// program's end. It is small on purpose: one exec'ed image per tab, no
// allocation after start, no library beyond libc.
//
//   tabsim-init --control-fd N -- PROGRAM ARGV0 [ARGS...]
//
// Exit codes (the manager reads the program's status from the control
// socket, not these): 0 after reporting the program's end, 1 when the
// manager went away first, 2 for a bad command line.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "common/init_protocol.h"

namespace {

using tabsim::InitMessage;

void Send(int control, InitMessage::Type type, int value, int status = 0) {
  InitMessage message;
  message.type = type;
  message.value = value;
  message.status = status;
  ssize_t sent;
  do {
    sent = ::send(control, &message, sizeof(message), MSG_NOSIGNAL);
  } while (sent < 0 && errno == EINTR);
}

int Usage(const char* why) {
  std::fprintf(stderr,
               "tabsim-init: %s\nusage: tabsim-init --control-fd N -- PROGRAM "
               "ARGV0 [ARGS...]\n(started by tabsim for each tab; "
               "docs/security.md)\n",
               why);
  return 2;
}

// Closes every fd above 2 except the ones in `keep` (ascending).
void CloseAllBut(const int* keep, int count) {
  int from = 3;
  for (int i = 0; i < count; ++i) {
    if (keep[i] > from) ::syscall(SYS_close_range, from, keep[i] - 1, 0);
    if (keep[i] + 1 > from) from = keep[i] + 1;
  }
  ::syscall(SYS_close_range, from, ~0U, 0);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5 || std::strcmp(argv[1], tabsim::kInitControlFdFlag) != 0 ||
      std::strcmp(argv[3], "--") != 0)
    return Usage("bad command line");
  char* end = nullptr;
  long control_number = std::strtol(argv[2], &end, 10);
  if (*end != '\0' || control_number < 3 || control_number > 1 << 20)
    return Usage("bad --control-fd");
  const int control = static_cast<int>(control_number);
  if (::fcntl(control, F_SETFD, FD_CLOEXEC) != 0) return Usage("no control fd");
  char* const* program_argv = argv + 5;
  const char* program = argv[4];
  if (argc < 6) return Usage("no ARGV0");

  // SIGCHLD through a signalfd; the program gets an empty mask back.
  sigset_t chld, old;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  ::sigprocmask(SIG_BLOCK, &chld, &old);
  int exec_pipe[2];
  if (::pipe2(exec_pipe, O_CLOEXEC) != 0) {
    Send(control, InitMessage::kExec, errno);
    return 1;
  }
  const pid_t child = ::fork();
  if (child == 0) {
    ::sigprocmask(SIG_SETMASK, &old, nullptr);
    Send(control, InitMessage::kProgram, 0);  // the kernel adds our pid
    ::execv(program, program_argv);
    int error = errno;
    (void)!::write(exec_pipe[1], &error, sizeof(error));
    ::_exit(127);
  }
  if (child < 0) {
    Send(control, InitMessage::kExec, errno);
    return 1;
  }
  ::close(exec_pipe[1]);
  int signals = ::signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  // The program's fds (its channel, its region) are not ours to hold: its
  // end of the socket must close when it dies, not when we do.
  int keep[3] = {control, exec_pipe[0], signals};
  for (int i = 0; i < 3; ++i)
    for (int j = i + 1; j < 3; ++j)
      if (keep[j] < keep[i]) std::swap(keep[i], keep[j]);
  CloseAllBut(keep[0] < 0 ? keep + 1 : keep, keep[0] < 0 ? 2 : 3);

  int exec_error = 0;
  ssize_t got;
  do {
    got = ::read(exec_pipe[0], &exec_error, sizeof(exec_error));
  } while (got < 0 && errno == EINTR);
  ::close(exec_pipe[0]);
  Send(control, InitMessage::kExec, got == sizeof(exec_error) ? exec_error : 0);

  bool program_running = true;
  for (;;) {
    // Reap everything: the program, and whatever was reparented to us.
    for (;;) {
      siginfo_t info{};
      if (::waitid(P_ALL, 0, &info, WEXITED | WNOHANG) != 0 || info.si_pid == 0)
        break;
      if (info.si_pid == child && program_running) {
        program_running = false;
        Send(control, InitMessage::kExit, info.si_code, info.si_status);
        // Leaving ends the namespace: the kernel kills what is left.
        return 0;
      }
    }
    pollfd fds[2] = {{control, POLLIN, 0}, {signals, POLLIN, 0}};
    int ready = ::poll(fds, signals >= 0 ? 2 : 1, signals >= 0 ? -1 : 100);
    if (ready < 0 && errno != EINTR) return 1;
    if (signals >= 0 && (fds[1].revents & POLLIN)) {
      signalfd_siginfo drained[8];
      while (::read(signals, drained, sizeof(drained)) > 0) {
      }
    }
    if (fds[0].revents & POLLIN) {
      InitMessage message;
      ssize_t n = ::recv(control, &message, sizeof(message), MSG_DONTWAIT);
      if (n == 0) return 1;  // the manager is gone
      if (n == sizeof(message) && message.type == InitMessage::kSignal &&
          program_running && message.value > 0 && message.value < NSIG)
        ::kill(child, message.value);  // not reaped yet: still our child
    } else if (fds[0].revents & (POLLHUP | POLLERR)) {
      return 1;
    }
  }
}
