// Linux namespaces for a spawned child: the manager's first sandbox layer,
// in the manner of Chromium's namespace sandbox
// (sandbox/linux/services/namespace_sandbox.cc, credentials.cc).
//
// Two layers, as in Chromium, where every renderer forked by the zygote
// shares the zygote's user and network namespaces:
//  - kSharedNamespaces, made once per manager: one user namespace (the
//    manager's uid and gid mapped to themselves, setgroups denied) and one
//    network namespace it owns (only a loopback device, down: no network).
//    Every sandboxed child joins these two (setns). A network namespace
//    costs about 1.5 ms to make and tears down on a kernel worker
//    (docs/benchmarks.md, "What namespaces cost"), so it is paid once, not
//    per tab; there is nothing in it for tabs to share but a loopback that
//    is down.
//  - kPerChildNamespaces, new for each child: a PID namespace (the child is
//    PID 1 there: when it dies the kernel kills everything it forked,
//    setsid() or not) and an
//    IPC namespace (no System V IPC or POSIX message queue shared with any
//    other tab).
// Spawn() (common/child_process.h) does the joining and the clone; the
// child drops every capability before exec.
//
// Whether the kernel allows it (unprivileged user namespaces may be turned
// off, or a container may refuse them) is probed once per process by
// NamespaceSupport(), which also makes the shared namespaces: a holder
// child is cloned into kSharedNamespaces, writes its id maps and stops;
// we open its /proc/PID/ns/{user,net} (kept for the process's lifetime)
// and reap it. Then a second child does what Spawn()'s children do (join,
// unshare kPerChildNamespaces, drop capabilities) and is reaped.
//
// The default where the kernel allows it. The tab program does not run
// as PID 1: Spawn() puts tabsim-init there (common/init_protocol.h), as
// Chromium puts CreateInitProcessReaper's init in front of its sandboxed
// processes, because the kernel gives a PID 1 no signal it has no handler
// for (abort() would end in SIGSEGV, `kill -TERM` would do nothing).
// `tabsim run --no-tab-namespaces` (DeclineTabNamespaces) turns them off,
// quietly; TABSIM_NO_NAMESPACES=1 makes the probe fail (for tests). The
// manager then uses the fallback (manager/core/containment.h).
// Nothing here logs: callers say what the result means to the user.
#ifndef TABSIM_COMMON_NAMESPACES_H_
#define TABSIM_COMMON_NAMESPACES_H_

#include <sched.h>
#include <sys/types.h>

#include <string>

#include "common/result.h"

namespace tabsim {

inline constexpr int kSharedNamespaces = CLONE_NEWUSER | CLONE_NEWNET;
inline constexpr int kPerChildNamespaces = CLONE_NEWPID | CLONE_NEWIPC;

struct NamespaceProbe {
  bool available = false;
  // Why not, in one line ("clone(CLONE_NEWUSER|...): Operation not
  // permitted", "TABSIM_NO_NAMESPACES=1"); empty when available.
  std::string reason;
};

// Probed on the first call (two clones, a map, two reaps: a few
// milliseconds), then remembered. Thread-safe.
const NamespaceProbe& NamespaceSupport();

// The shared user and network namespaces, as fds (O_CLOEXEC) for setns(),
// owned by this module and open until the process exits; -1 until
// NamespaceSupport() made them, or when it could not.
struct SharedNamespaceFds {
  int user = -1;
  int net = -1;
};
const SharedNamespaceFds& SharedSandboxNamespaces();

// In a child about to clone into kPerChildNamespaces: joins the shared
// user namespace, then the shared network namespace (owned by it, so the
// capabilities the first setns gives are enough for the second).
// Async-signal-safe. False with errno set on failure.
bool EnterSharedNamespaces(const SharedNamespaceFds& shared);

// Turns namespaces off (they are on by default); call before the first
// NamespaceSupport().
void DeclineTabNamespaces();
// Not declined. (TABSIM_NO_NAMESPACES=1 stands for a kernel that refuses:
// the probe fails, and the fallback is announced as such, for tests.)
bool NamespaceWanted();

// fork() with extra clone flags, like Chromium's base::ForkWithFlags: 0 in
// the child, its pid in the parent, -1 with errno. glibc's fork handlers
// do not run, so until it execs the child may make async-signal-safe calls
// only (which is all Spawn()'s child does anyway). With `pidfd`, the
// parent also gets the child's pidfd there (CLONE_PIDFD, close-on-exec),
// taken with the fork, so no reaper can race it.
pid_t ForkWithFlags(int flags, int* pidfd = nullptr);

// In the child, inside the shared user namespace, before exec: empties the
// capability bounding set, the ambient and inheritable sets, and sets
// SECBIT_NOROOT (locked), so the exec'ed program holds no capability even
// when its uid is 0 (the manager run as root maps root to itself).
// Async-signal-safe. Returns false with errno set on failure.
bool DropCapabilitiesForExec();

}  // namespace tabsim

#endif  // TABSIM_COMMON_NAMESPACES_H_
