// tabsim-init: PID 1 of a tab's PID namespace (common/init_protocol.h says
// what it tells the manager and why it exists). The manager's Spawn()
// execs it, in the tab's new namespaces, with the tab's fds already in
// place; it forks the tab program, reaps, relays signals and reports the
// program's end. It is small on purpose: one exec'ed image per tab, no
// allocation, no fd of its own once the program runs, and no library at
// all in normal builds: every call to the kernel goes through Sys()
// (tab/init_sys.h), so the freestanding build starts without libc's
// start-up.
//
//   tabsim-init --control-fd N -- PROGRAM ARGV0 [ARGS...]
//
// Exit codes: once the program has exec'ed, EncodeProgramEnd() of its end
// (common/init_protocol.h); before, 1 (the manager has kExec's errno) or 2
// for a bad command line.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "common/init_protocol.h"
#include "tab/init_sys.h"

namespace tabsim::init {
namespace {

// The kernel's sigset for rt_sigprocmask and rt_sigtimedwait: one bit a
// signal.
constexpr unsigned long kSigsetBytes = 8;
constexpr uint64_t SignalBit(int signal) { return uint64_t{1} << (signal - 1); }

void Send(int control, InitMessage::Type type, int value) {
  InitMessage message;
  message.type = type;
  message.value = value;
  long sent;
  do {
    sent = Sys(SYS_sendto, control, reinterpret_cast<long>(&message),
               sizeof(message), MSG_NOSIGNAL, 0, 0);
  } while (sent == -EINTR);
}

unsigned long Length(const char* text) {
  unsigned long length = 0;
  while (text[length] != '\0') ++length;
  return length;
}

bool Equal(const char* a, const char* b) {
  while (*a != '\0' && *a == *b) {
    ++a;
    ++b;
  }
  return *a == *b;
}

// A decimal fd number from 3 to 2^20; -1 if it is not one.
int ParseFd(const char* text) {
  long value = 0;
  if (*text == '\0') return -1;
  for (; *text != '\0'; ++text) {
    if (*text < '0' || *text > '9') return -1;
    value = value * 10 + (*text - '0');
    if (value > 1 << 20) return -1;
  }
  return value < 3 ? -1 : static_cast<int>(value);
}

void WriteError(const char* text) {
  (void)Sys(SYS_write, 2, reinterpret_cast<long>(text), static_cast<long>(Length(text)));
}

int Usage(const char* why) {
  WriteError("tabsim-init: ");
  WriteError(why);
  WriteError("\nusage: tabsim-init --control-fd N -- PROGRAM ARGV0 [ARGS...]\n"
             "(started by tabsim for each tab; docs/security.md)\n");
  return 2;
}

// Closes every fd above 2 except the ones in `keep` (ascending).
void CloseAllBut(const int* keep, int count) {
  long from = 3;
  for (int i = 0; i < count; ++i) {
    if (keep[i] > from) (void)Sys(SYS_close_range, from, keep[i] - 1, 0);
    if (keep[i] + 1 > from) from = keep[i] + 1;
  }
  (void)Sys(SYS_close_range, from, ~0U, 0);
}

}  // namespace

int InitMain(int argc, char** argv, char** envp) {
  if (argc < 5 || !Equal(argv[1], kInitControlFdFlag) || !Equal(argv[3], "--"))
    return Usage("bad command line");
  const int control = ParseFd(argv[2]);
  if (control < 0) return Usage("bad --control-fd");
  if (Sys(SYS_fcntl, control, F_SETFD, FD_CLOEXEC) != 0) return Usage("no control fd");
  char* const* program_argv = argv + 5;
  const char* program = argv[4];
  if (argc < 6) return Usage("no ARGV0");

  // SIGCHLD and the manager's relayed signals are waited for
  // (rt_sigtimedwait), never delivered; the program gets an empty mask back.
  const uint64_t waited = SignalBit(SIGCHLD) | SignalBit(kInitRelaySignal);
  uint64_t old = 0;
  (void)Sys(SYS_rt_sigprocmask, SIG_BLOCK, reinterpret_cast<long>(&waited),
            reinterpret_cast<long>(&old), kSigsetBytes);
  int exec_pipe[2];
  if (long rc = Sys(SYS_pipe2, reinterpret_cast<long>(exec_pipe), O_CLOEXEC); rc != 0) {
    Send(control, InitMessage::kExec, static_cast<int>(-rc));
    return 1;
  }
  // fork(), without libc's fork handlers: the child only says hello and
  // execs.
  const long child = Sys(SYS_clone, SIGCHLD, 0, 0, 0, 0);
  if (child == 0) {
    (void)Sys(SYS_rt_sigprocmask, SIG_SETMASK, reinterpret_cast<long>(&old), 0,
              kSigsetBytes);
    Send(control, InitMessage::kProgram, 0);  // the kernel adds our pid
    long error = -Sys(SYS_execve, reinterpret_cast<long>(program),
                      reinterpret_cast<long>(program_argv),
                      reinterpret_cast<long>(envp));
    int code = static_cast<int>(error);
    (void)Sys(SYS_write, exec_pipe[1], reinterpret_cast<long>(&code), sizeof(code));
    for (;;) (void)Sys(SYS_exit_group, 127);
  }
  if (child < 0) {
    Send(control, InitMessage::kExec, static_cast<int>(-child));
    return 1;
  }
  (void)Sys(SYS_close, exec_pipe[1]);
  // The program's fds (its channel, its region) are not ours to hold: its
  // end of the socket must close when it dies, not when we do.
  int keep[2] = {control < exec_pipe[0] ? control : exec_pipe[0],
                 control < exec_pipe[0] ? exec_pipe[0] : control};
  CloseAllBut(keep, 2);

  int exec_error = 0;
  long got;
  do {
    got = Sys(SYS_read, exec_pipe[0], reinterpret_cast<long>(&exec_error),
              sizeof(exec_error));
  } while (got == -EINTR);
  (void)Sys(SYS_close, exec_pipe[0]);
  Send(control, InitMessage::kExec, got == sizeof(exec_error) ? exec_error : 0);
  // That was the last word on the socket; from here on the manager knows
  // us by our pid and our exit status.
  (void)Sys(SYS_close, control);

  for (;;) {
    // Reap everything: the program, and whatever was reparented to us.
    for (;;) {
      siginfo_t info;
      info.si_pid = 0;
      if (Sys(SYS_waitid, P_ALL, 0, reinterpret_cast<long>(&info),
              WEXITED | WNOHANG, 0) != 0 ||
          info.si_pid == 0)
        break;
      // Leaving ends the namespace: the kernel kills what is left.
      if (info.si_pid == child) return EncodeProgramEnd(info.si_code, info.si_status);
    }
    siginfo_t info;
    info.si_signo = 0;
    long signal = Sys(SYS_rt_sigtimedwait, reinterpret_cast<long>(&waited),
                      reinterpret_cast<long>(&info), 0, kSigsetBytes);
    if (signal == -EINTR || signal == -EAGAIN) continue;
    if (signal < 0) {
      // Cannot wait any more (not a failure the kernel documents for a
      // valid set): end the program rather than leave it unwatched.
      (void)Sys(SYS_kill, child, SIGKILL);
      timespec tick{0, 10 * 1000 * 1000};
      (void)Sys(SYS_nanosleep, reinterpret_cast<long>(&tick), 0);
      continue;
    }
    // A relayed signal: queued by a process outside our namespace (whose
    // pid we see as 0), i.e. the manager, with the signal as its value.
    // The program has not been reaped yet (we return when it is), so
    // `child` is still it.
    const int relayed = info.si_value.sival_int;
    if (signal == kInitRelaySignal && info.si_code == SI_QUEUE && info.si_pid == 0 &&
        relayed > 0 && relayed < NSIG)
      (void)Sys(SYS_kill, child, relayed);
  }
}

}  // namespace tabsim::init
