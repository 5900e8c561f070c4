// Linux namespaces for a spawned child: the manager's first sandbox layer,
// in the manner of Chromium's namespace sandbox
// (sandbox/linux/services/namespace_sandbox.cc, credentials.cc).
//
// A child spawned into kSandboxNamespaces gets a new user namespace (its
// uid and gid mapped to themselves, setgroups denied), a new PID namespace
// (it is PID 1 there: when it dies the kernel kills everything it forked,
// setsid() or not), a new network namespace (only a loopback device, down:
// no network) and a new IPC namespace (no System V IPC or POSIX message
// queues shared with anyone). Spawn() (common/child_process.h) does the
// clone, and the child writes its own id maps before exec
// (WriteOwnIdMaps), as Chromium's Credentials::MoveToNewUserNS does after
// its unshare. The probe below does the same in its child.
//
// Whether the kernel allows it (unprivileged user namespaces may be turned
// off, or a container may refuse them) is probed once per process by
// NamespaceSupport(): a child is really cloned with the flags, mapped and
// reaped.
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

inline constexpr int kSandboxNamespaces =
    CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC;

struct NamespaceProbe {
  bool available = false;
  // Why not, in one line ("clone(CLONE_NEWUSER|...): Operation not
  // permitted", "TABSIM_NO_NAMESPACES=1"); empty when available.
  std::string reason;
};

// Probed on the first call (a clone, a map, a reap: about a millisecond),
// then remembered. Thread-safe.
const NamespaceProbe& NamespaceSupport();

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

// The uid_map and gid_map lines that map this process's ids to themselves
// ("1000 1000 1\n"), formatted before a fork so the child allocates nothing.
struct IdMapLines {
  char uid[32];
  char gid[32];
};
IdMapLines OwnIdMapLines();

// In a child cloned with CLONE_NEWUSER, before exec: "deny" to
// /proc/self/setgroups (required before an unprivileged gid_map), then its
// own uid_map and gid_map, which an unprivileged process may write for
// itself when each maps just its own id. Async-signal-safe. False with
// errno set on failure.
bool WriteOwnIdMaps(const IdMapLines& lines);

// In the child, inside its new user namespace, before exec: empties the
// capability bounding set, the ambient and inheritable sets, and sets
// SECBIT_NOROOT (locked), so the exec'ed program holds no capability even
// when its uid is 0 (the manager run as root maps root to itself).
// Async-signal-safe. Returns false with errno set on failure.
bool DropCapabilitiesForExec();

}  // namespace tabsim

#endif  // TABSIM_COMMON_NAMESPACES_H_
