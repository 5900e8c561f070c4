// What tabsim-init (tab/init_main.cc) and Spawn() (common/child_process.cc)
// say to each other about a tab spawned into namespaces (docs/security.md,
// "Containment").
//
// tabsim-init is PID 1 of the tab's PID namespace, in the manner of
// Chromium's CreateInitProcessReaper (sandbox/linux/services/
// init_process_reaper.cc): it forks the tab program, which then runs as
// PID 2 with ordinary signal semantics (a PID 1 gets no signal it has no
// handler for, so abort() or `kill -TERM` would not end it), reaps
// whatever is reparented to it, and when the program ends, exits with the
// program's end encoded in its own exit status (below), and the kernel
// kills everything left in the namespace.
//
// Until the program has exec'ed they talk over a SOCK_SEQPACKET pair made
// by Spawn(); the manager's end has SO_PASSCRED. Every message is one
// InitMessage:
//   program -> manager  kProgram, once, from the forked program before it
//                       execs: the kernel attaches its credentials, so the
//                       manager learns the program's pid in its own PID
//                       namespace (for /proc, nice, oom_score_adj).
//   init -> manager     kExec, once, last: value = 0 when the program
//                       exec'ed, its errno when it did not.
// Then both ends close: a running tab costs the manager no fd for its init.
// Afterwards:
//   manager -> init     a signal for the program: kInitRelaySignal, queued
//                       (sigqueue) with the signal as its value. Init
//                       relays it only while the program is its unreaped
//                       child, so a reused pid is never signalled; init's
//                       own pid is stable as long as the manager has not
//                       reaped it.
//   init -> manager     its exit status: EncodeProgramEnd() of how the
//                       program ended. SIGKILL to init (the manager's, or
//                       anyone's) ends it without one: the whole namespace
//                       died of that SIGKILL.
//   manager gone        init dies of PR_SET_PDEATHSIG (SIGKILL), and the
//                       namespace with it.
#ifndef TABSIM_COMMON_INIT_PROTOCOL_H_
#define TABSIM_COMMON_INIT_PROTOCOL_H_

#include <signal.h>

#include <cstdint>

namespace tabsim {

struct InitMessage {
  enum Type : uint32_t { kProgram = 1, kExec = 2 };
  uint32_t type = 0;
  int32_t value = 0;  // kExec: errno
};

// tabsim-init's command line: tabsim-init --control-fd N -- PROGRAM ARGV...
// (ARGV starts with the program's argv[0]).
inline constexpr char kInitControlFdFlag[] = "--control-fd";

// SIGRTMAX on Linux (glibc's SIGRTMAX is a function; init has no libc).
inline constexpr int kInitRelaySignal = 64;

// The program's end (waitid's si_code and si_status) as init's exit code,
// in one byte, as Chromium's init reaper passes on its child's:
//   0..127    exited with that code
//   128 + S   killed by signal S (1..64)
//   192 + S   killed by signal S (1..31), core dumped
//   224       exited with a code of 128 or more (which one is lost)
inline constexpr int kInitExitHighCode = 224;

constexpr int EncodeProgramEnd(int code, int status) {
  if (code == CLD_EXITED)
    return status >= 0 && status < 128 ? status : kInitExitHighCode;
  if (code == CLD_DUMPED && status > 0 && status < 32) return 192 + status;
  if (status > 0 && status <= 64) return 128 + status;
  return kInitExitHighCode;  // not a status waitid gives
}

// A program's exit code of 128 or more, once it has passed through init.
inline constexpr int kProgramHighExitCode = -1;

// The inverse, for an init that exited with `code` (0..255). A high code
// decodes as exited with kProgramHighExitCode.
struct ProgramEnd {
  int code;    // as waitid's si_code
  int status;  // as its si_status
};
constexpr ProgramEnd DecodeProgramEnd(int code) {
  if (code < 128) return {CLD_EXITED, code};
  if (code <= 192) return {CLD_KILLED, code - 128};
  if (code < kInitExitHighCode) return {CLD_DUMPED, code - 192};
  return {CLD_EXITED, kProgramHighExitCode};
}

}  // namespace tabsim

#endif  // TABSIM_COMMON_INIT_PROTOCOL_H_
