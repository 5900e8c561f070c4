// What tabsim-init (tab/init_main.cc) and Spawn() (common/child_process.cc)
// say to each other over the control socket of a tab spawned into
// namespaces (docs/security.md, "Containment").
//
// tabsim-init is PID 1 of the tab's PID namespace, in the manner of
// Chromium's CreateInitProcessReaper (sandbox/linux/services/
// init_process_reaper.cc): it forks the tab program, which then runs as
// PID 2 with ordinary signal semantics (a PID 1 gets no signal it has no
// handler for, so abort() or `kill -TERM` would not end it), reaps
// whatever is reparented to it, and when the program ends, reports its
// wait status and exits, and the kernel kills everything left in the
// namespace.
//
// The socket is a SOCK_SEQPACKET pair made by Spawn(); the manager's end
// has SO_PASSCRED. Every message is one InitMessage:
//   program -> manager  kProgram, once, from the forked program before it
//                       execs: the kernel attaches its credentials, so the
//                       manager learns the program's pid in its own PID
//                       namespace (for /proc, nice, oom_score_adj).
//   init -> manager     kExec, once: value = 0 when the program exec'ed,
//                       its errno when it did not.
//   init -> manager     kExit, once, last: the program's si_code and
//                       si_status (CLD_EXITED and the code, or CLD_KILLED /
//                       CLD_DUMPED and the signal).
//   manager -> init     kSignal: value = a signal for the program. Init
//                       sends it only while the program is its unreaped
//                       child, so a reused pid is never signalled.
// When the manager's end closes, init exits (and the namespace dies).
#ifndef TABSIM_COMMON_INIT_PROTOCOL_H_
#define TABSIM_COMMON_INIT_PROTOCOL_H_

#include <cstdint>

namespace tabsim {

struct InitMessage {
  enum Type : uint32_t { kProgram = 1, kExec = 2, kExit = 3, kSignal = 4 };
  uint32_t type = 0;
  int32_t value = 0;   // kExec: errno; kExit: si_code; kSignal: the signal
  int32_t status = 0;  // kExit: si_status
};

// tabsim-init's command line: tabsim-init --control-fd N -- PROGRAM ARGV...
// (ARGV starts with the program's argv[0]).
inline constexpr char kInitControlFdFlag[] = "--control-fd";

}  // namespace tabsim

#endif  // TABSIM_COMMON_INIT_PROTOCOL_H_
